// Finds systemd service units and their drop-ins the way systemd 252 does (systemd.unit(5) "UNIT FILE LOAD PATH";
// unit_file_build_name_map() and unit_file_find_dropin_paths() in src/shared/). Reads only through the Target.

import { compareBytes } from '../parsers/glob.js';
import { appendAll } from '../parsers/lists.js';
import { type EffectiveUnit, mergeUnit, type UnitProblem } from '../parsers/systemd-unit.js';
import { TargetError } from '../target/errors.js';
import type { Target } from '../target/types.js';

/**
 * The system manager's unit search path, highest priority first, as `systemd-analyze unit-paths` prints it on
 * Debian 12 (systemd 252). /lib comes before /usr/lib there; on merged-/usr systems both are one directory.
 */
export const UNIT_SEARCH_PATH: readonly string[] = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
];

export interface LoadedUnit {
  /** The unit's own name (for an alias symlink, the name of the unit it points to). */
  name: string;
  /** Other names that are symlinks to this unit in the search path. */
  aliases: string[];
  /** Where the unit file was found in the search path (before following symlinks). */
  path: string;
  /** Symlinked to /dev/null or empty: systemd refuses to load it. */
  masked: boolean;
  /** False when masked or when the unit file could not be read; `effective` is then empty. */
  loaded: boolean;
  /** Main file and drop-ins applied; `effective.files` holds the paths actually read (symlinks resolved). */
  effective: EffectiveUnit;
  /** Read failures (file 0-line entries) and parse problems of every file. */
  problems: UnitProblem[];
}

export interface UnitDiscovery {
  units: LoadedUnit[];
  /** Problems not tied to one unit, e.g. an unreadable unit directory. */
  problems: UnitProblem[];
}

/** Every non-template `*.service` unit of the target, each loaded with its drop-ins. */
export async function loadUnits(target: Target): Promise<LoadedUnit[]> {
  return (await discoverUnits(target)).units;
}

export async function discoverUnits(target: Target): Promise<UnitDiscovery> {
  const problems: UnitProblem[] = [];
  const groups = await groupUnits(target, await scanUnitDirectories(target, problems));
  const units: LoadedUnit[] = [];
  for (const group of groups.values()) units.push(await loadGroup(target, group));
  return { units, problems };
}

/** One unit by name (an alias name finds the unit it points to); undefined when no such unit file exists. */
export async function loadUnit(target: Target, name: string): Promise<LoadedUnit | undefined> {
  const groups = await groupUnits(target, await scanUnitDirectories(target, []));
  for (const group of groups.values()) {
    if (group.name === name || group.aliases.includes(name)) return loadGroup(target, group);
  }
  return undefined;
}

interface UnitGroup {
  name: string;
  aliases: string[];
  path: string;
  resolution: Resolution;
}

type Resolution = { kind: 'file'; fragment: string } | { kind: 'masked' } | { kind: 'broken'; problem: UnitProblem };

/** Unit name → path in the first search directory holding it (the first directory wins). */
async function scanUnitDirectories(target: Target, problems: UnitProblem[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visited = new Set<string>();
  for (const directory of UNIT_SEARCH_PATH) {
    const canonical = await canonicalDirectory(target, directory, problems);
    // /lib is usually a symlink to /usr/lib: one directory, scanned once.
    if (canonical === undefined || visited.has(canonical)) continue;
    visited.add(canonical);
    const entries = await listDirectory(target, directory, problems);
    for (const entry of entries) {
      if (!isServiceUnitName(entry) || found.has(entry)) continue;
      const path = `${directory}/${entry}`;
      const type = (await target.lstat(path))?.type;
      // Like systemd, only regular files and symlinks are unit files (a "*.service" directory is not).
      if (type === 'file' || type === 'symlink') found.set(entry, path);
    }
  }
  return found;
}

/** Groups alias names with the unit they point to, and finds each unit's file. */
async function groupUnits(target: Target, found: Map<string, string>): Promise<Map<string, UnitGroup>> {
  const groups = new Map<string, UnitGroup>();
  const aliasesOf = new Map<string, { alias: string; path: string; fragment: string }[]>();
  for (const [name, path] of found) {
    const resolved = await resolveUnitFile(target, path);
    const pointsTo = resolved.kind === 'file' ? baseName(resolved.fragment) : name;
    if (resolved.kind === 'file' && pointsTo !== name && isServiceUnitName(pointsTo)) {
      const list = aliasesOf.get(pointsTo) ?? [];
      list.push({ alias: name, path, fragment: resolved.fragment });
      aliasesOf.set(pointsTo, list);
      continue;
    }
    groups.set(name, { name, aliases: [], path, resolution: resolved });
  }
  for (const [name, aliases] of aliasesOf) {
    const own = groups.get(name);
    const first = aliases[0]!;
    // An alias whose target is not itself in the search path still loads that target's file.
    const group = own ?? {
      name,
      aliases: [],
      path: first.path,
      resolution: { kind: 'file', fragment: first.fragment },
    };
    appendAll(
      group.aliases,
      aliases.map((entry) => entry.alias),
    );
    groups.set(name, group);
  }
  return groups;
}

async function resolveUnitFile(target: Target, path: string): Promise<Resolution> {
  // `systemctl mask` writes a symlink to /dev/null; an offline root may have no /dev/null to resolve it to.
  if ((await target.readlink(path).catch(() => undefined)) === '/dev/null') return { kind: 'masked' };
  let real: string;
  try {
    real = await target.realpath(path);
  } catch (error) {
    const dangling = error instanceof TargetError && error.code === 'ENOENT';
    const what = dangling ? 'dangling symlink' : 'cannot resolve the unit file';
    return { kind: 'broken', problem: problemFrom(path, error, what) };
  }
  if (real === '/dev/null') return { kind: 'masked' };
  const stat = await target.stat(real);
  // systemd's null_or_empty(): a character device (/dev/null) or an empty file masks the unit.
  if (stat?.type === 'other' || (stat?.type === 'file' && stat.size === 0)) return { kind: 'masked' };
  if (stat?.type !== 'file') {
    return { kind: 'broken', problem: { file: path, line: 0, message: `${real} is not a regular file` } };
  }
  return { kind: 'file', fragment: real };
}

async function loadGroup(target: Target, group: UnitGroup): Promise<LoadedUnit> {
  const base = { name: group.name, aliases: group.aliases, path: group.path };
  const { resolution } = group;
  if (resolution.kind !== 'file') {
    const problems = resolution.kind === 'broken' ? [resolution.problem] : [];
    const masked = resolution.kind === 'masked';
    return { ...base, masked, loaded: false, effective: mergeUnit(group.name, []), problems };
  }
  const readProblems: UnitProblem[] = [];
  const main = await readUnitText(target, resolution.fragment, readProblems);
  if (main === undefined) {
    return { ...base, masked: false, loaded: false, effective: mergeUnit(group.name, []), problems: readProblems };
  }
  const files = [{ path: resolution.fragment, text: main }];
  for (const dropIn of await findDropIns(target, [group.name, ...group.aliases], readProblems)) {
    const text = await readUnitText(target, dropIn, readProblems);
    if (text !== undefined) files.push({ path: dropIn, text });
  }
  const effective = mergeUnit(group.name, files);
  // A file over a parse limit was not read: what the unit does is unknown, so it is judged as one that did not load.
  // What the other files say is kept, so discovery still knows whose unit it is (its ExecStart=).
  const overLimit = effective.problems.filter((problem) => problem.limit);
  if (overLimit.length > 0) return { ...base, masked: false, loaded: false, effective, problems: overLimit };
  return { ...base, masked: false, loaded: true, effective, problems: [...readProblems, ...effective.problems] };
}

/**
 * Drop-in files in applied order: `<name>.d/`, then its dash prefixes (`foo-bar-.service.d`, `foo-.service.d`)
 * in every search directory, then `service.d/` in every directory; a file name seen first hides later ones of
 * the same name (so higher-priority directories mask), and the survivors are applied sorted by file name.
 */
export async function findDropIns(
  target: Target,
  names: readonly string[],
  problems: UnitProblem[],
): Promise<string[]> {
  const candidates: string[] = [];
  for (const name of names) {
    for (const directory of UNIT_SEARCH_PATH) {
      for (const level of [name, ...dashPrefixNames(name)]) candidates.push(`${directory}/${level}.d`);
    }
  }
  for (const directory of UNIT_SEARCH_PATH) candidates.push(`${directory}/service.d`);

  const byFileName = new Map<string, string>();
  const visited = new Set<string>();
  for (const candidate of candidates) {
    // Most units have no drop-in directory: ask the search directory's listing before resolving the path.
    if (!(await searchDirectoryHas(target, candidate))) continue;
    const canonical = await canonicalDirectory(target, candidate, problems);
    if (canonical === undefined || visited.has(canonical)) continue;
    visited.add(canonical);
    for (const entry of await listDirectory(target, canonical, problems)) {
      if (entry.startsWith('.') || !entry.endsWith('.conf') || byFileName.has(entry)) continue;
      const path = `${canonical}/${entry}`;
      const type = (await target.lstat(path))?.type;
      if (type === 'file' || type === 'symlink') byFileName.set(entry, path);
    }
  }
  return [...byFileName.keys()].sort(compareBytes).map((entry) => byFileName.get(entry)!);
}

/** "foo-bar-baz.service" → ["foo-bar-.service", "foo-.service"], as unit_file_find_dirs() walks up. */
export function dashPrefixNames(name: string): string[] {
  const dot = name.lastIndexOf('.');
  const suffix = name.slice(dot);
  let prefix = name.slice(0, dot);
  const levels: string[] = [];
  for (;;) {
    let chopped = false;
    let next: string | undefined;
    for (;;) {
      const dash = prefix.lastIndexOf('-');
      if (dash <= 0) break; // no dash, or a leading one: done
      if (dash + 1 < prefix.length || chopped) {
        next = prefix.slice(0, dash + 1);
        break;
      }
      prefix = prefix.slice(0, dash); // a trailing dash is chopped off, once
      chopped = true;
    }
    if (next === undefined) return levels;
    levels.push(next + suffix);
    prefix = next;
  }
}

function isServiceUnitName(entry: string): boolean {
  // Templates and instances ("foo@.service", "foo@bar.service") are skipped; hidden files are not units.
  return (
    entry.endsWith('.service') && entry.length > '.service'.length && !entry.includes('@') && !entry.startsWith('.')
  );
}

const searchListings = new WeakMap<Target, Map<string, Promise<Set<string>>>>();

/** Whether `dir/name` is an entry of `dir`, from one cached listing per directory and target. */
async function searchDirectoryHas(target: Target, path: string): Promise<boolean> {
  const slash = path.lastIndexOf('/');
  const directory = path.slice(0, slash);
  let listings = searchListings.get(target);
  if (!listings) {
    listings = new Map();
    searchListings.set(target, listings);
  }
  let listing = listings.get(directory);
  if (!listing) {
    listing = target.readDir(directory).then(
      (names) => new Set(names),
      () => new Set<string>(),
    );
    listings.set(directory, listing);
  }
  return (await listing).has(path.slice(slash + 1));
}

async function canonicalDirectory(target: Target, path: string, problems: UnitProblem[]): Promise<string | undefined> {
  try {
    const canonical = await target.realpath(path);
    return (await target.stat(canonical))?.type === 'dir' ? canonical : undefined;
  } catch (error) {
    if (error instanceof TargetError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
    problems.push(problemFrom(path, error, 'cannot open directory'));
    return undefined;
  }
}

async function listDirectory(target: Target, path: string, problems: UnitProblem[]): Promise<string[]> {
  try {
    return await target.readDir(path);
  } catch (error) {
    problems.push(problemFrom(path, error, 'cannot list directory'));
    return [];
  }
}

async function readUnitText(target: Target, path: string, problems: UnitProblem[]): Promise<string | undefined> {
  try {
    return await target.readText(path);
  } catch (error) {
    problems.push(problemFrom(path, error, 'cannot read'));
    return undefined;
  }
}

function problemFrom(path: string, error: unknown, what: string): UnitProblem {
  if (error instanceof TargetError) return { file: path, line: 0, message: `${what}: ${error.message}` };
  throw error;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
