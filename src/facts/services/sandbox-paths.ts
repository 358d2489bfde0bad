// What a unit's file-system sandbox leaves of a path (systemd.exec(5) "Sandboxing"): ProtectSystem=/ProtectHome=,
// ReadWritePaths= and friends, StateDirectory= and friends (which imply writable bind mounts), BindPaths=.
// The deepest rule covering a path wins, as systemd orders its mounts; nothing can be nested inside an
// inaccessible path (InaccessiblePaths=, ProtectHome=yes), while a tmpfs (ProtectHome=tmpfs) can be bound into.
import { posix } from 'node:path';
import type { EffectiveUnit } from '../../parsers/systemd-unit.js';
import { splitWords } from '../../parsers/systemd-words.js';
import {
  booleanSetting,
  describeSetting,
  type EffectiveSetting,
  protectHome,
  protectSystem,
  where,
} from './unit-settings.js';

export type PathAccess = 'read-write' | 'read-only' | 'hidden';

export interface SandboxRule {
  path: string;
  access: PathAccess;
  /** The setting that creates the rule, with file and line: "ProtectHome=true at /etc/…:9". */
  source: string;
  /** The assignment as written, without its location: "ProtectHome=true". */
  directive: string;
  /** Inaccessible paths: no deeper rule can reopen anything below them. */
  sealed: boolean;
  /** Where the setting is written; undefined for a default. */
  file?: string;
  line?: number;
}

export interface PathVerdict {
  access: PathAccess;
  /** The deciding rule; undefined when no sandbox setting covers the path. */
  rule?: SandboxRule;
}

const PROTECT_SYSTEM_READ_ONLY: Record<string, readonly string[]> = {
  no: [],
  yes: ['/usr', '/boot', '/efi'],
  full: ['/usr', '/boot', '/efi', '/etc'],
  strict: ['/'],
};
export const HOME_AREAS: readonly string[] = ['/home', '/root', '/run/user'];

/** Directories that StateDirectory= and friends create below (system units). */
const EXEC_DIRECTORY_BASES: Record<string, string> = {
  StateDirectory: '/var/lib',
  CacheDirectory: '/var/cache',
  LogsDirectory: '/var/log',
  RuntimeDirectory: '/run',
};

const PATH_LISTS: Record<string, { access: PathAccess; sealed: boolean }> = {
  ReadWritePaths: { access: 'read-write', sealed: false },
  ReadOnlyPaths: { access: 'read-only', sealed: false },
  InaccessiblePaths: { access: 'hidden', sealed: true },
};

export function normalisePath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

export function isAtOrBelow(path: string, directory: string): boolean {
  const dir = normalisePath(directory);
  const target = normalisePath(path);
  return target === dir || target.startsWith(dir === '/' ? '/' : `${dir}/`);
}

export function sandboxRules(unit: EffectiveUnit): SandboxRule[] {
  const rules: SandboxRule[] = [];
  const system = protectSystem(unit);
  for (const path of PROTECT_SYSTEM_READ_ONLY[system.value] ?? []) {
    rules.push({ path, access: 'read-only', sealed: false, ...settingSource(system) });
  }
  const home = protectHome(unit);
  if (home.value !== 'no') {
    const access: PathAccess = home.value === 'read-only' ? 'read-only' : 'hidden';
    for (const path of HOME_AREAS) rules.push({ path, access, sealed: home.value === 'yes', ...settingSource(home) });
  }
  const privateTmp = booleanSetting(unit, 'PrivateTmp');
  if (privateTmp.value === 'yes') {
    for (const path of ['/tmp', '/var/tmp'])
      rules.push({ path, access: 'read-write', sealed: false, ...settingSource(privateTmp) });
  }
  // Each list in applied order; an empty assignment resets that list (systemd's rule for list settings).
  const listRules = new Map<string, SandboxRule[]>();
  for (const assignment of unit.assignments) {
    if (assignment.section !== 'Service') continue;
    const listed = listedPaths(assignment.key, assignment.value);
    if (!listed) continue;
    const keyRules = assignment.value === '' ? [] : (listRules.get(assignment.key) ?? []);
    for (const entry of listed) {
      const directive = `${assignment.key}=${entry.written}`;
      const source = `${directive} at ${where(assignment)}`;
      const { file, line } = assignment;
      keyRules.push({
        path: normalisePath(entry.path),
        access: entry.access,
        source,
        directive,
        sealed: entry.sealed,
        file,
        line,
      });
    }
    listRules.set(assignment.key, keyRules);
  }
  return [...rules, ...[...listRules.values()].flat()];
}

function settingSource(setting: EffectiveSetting<string>): Pick<SandboxRule, 'source' | 'directive' | 'file' | 'line'> {
  const written = setting.impliedBy ?? setting.assignment;
  const directive = written ? `${written.key}=${written.value}` : `${setting.key}=${setting.value}`;
  return {
    source: describeSetting(setting),
    directive,
    ...(written ? { file: written.file, line: written.line } : {}),
  };
}

function listedPaths(
  key: string,
  value: string,
): { path: string; written: string; access: PathAccess; sealed: boolean }[] | undefined {
  const words = () => splitWords(value).words;
  const list = PATH_LISTS[key];
  if (list) {
    // "-" ignores a missing path, "+" is relative to RootDirectory=: the path inside the service is the same.
    return words().map((written) => ({ path: written.replace(/^[-+]+/, ''), written, ...list }));
  }
  const base = EXEC_DIRECTORY_BASES[key];
  if (base) {
    // "name:symlink" (v250+) creates name and links symlink to it: both are writable.
    return words().flatMap((written) =>
      written
        .split(':')
        .map((name) => ({ path: `${base}/${name}`, written, access: 'read-write' as const, sealed: false })),
    );
  }
  if (key === 'BindPaths' || key === 'BindReadOnlyPaths') {
    const access: PathAccess = key === 'BindPaths' ? 'read-write' : 'read-only';
    return words().map((written) => {
      const [source = '', destination] = written.replace(/^-/, '').split(':');
      return { path: destination || source, written, access, sealed: false };
    });
  }
  return undefined;
}

const ACCESS_RANK: Record<PathAccess, number> = { hidden: 2, 'read-only': 1, 'read-write': 0 };

/** What the service can do with a path: the deepest covering rule, unless a sealed rule above it hides it. */
export function pathAccess(path: string, rules: readonly SandboxRule[]): PathVerdict {
  const covering = rules.filter((rule) => isAtOrBelow(path, rule.path));
  const sealed = covering.find((rule) => rule.sealed);
  if (sealed) return { access: 'hidden', rule: sealed };
  let best: SandboxRule | undefined;
  for (const rule of covering) {
    const deeper = !best || rule.path.length > best.path.length;
    const tieStricter =
      best && rule.path.length === best.path.length && ACCESS_RANK[rule.access] > ACCESS_RANK[best.access];
    if (deeper || tieStricter) best = rule;
  }
  return best ? { access: best.access, rule: best } : { access: 'read-write' };
}
