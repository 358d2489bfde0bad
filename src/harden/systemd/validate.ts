// https://www.freedesktop.org/software/systemd/man/latest/systemd-analyze.html — the real systemd-analyze judges a
// drop-in before it is offered: `verify` (does the unit load, do its commands exist) and `security --offline=true`
// (the exposure score), both on a private temp tree holding the unit, its drop-ins and the new one.
//
// The temp tree is on the auditing machine and never holds a secret: comments, Environment= and SetCredential=
// values, free text (Description=) and every command argument are withheld (a unit may carry a token there); each
// command's program becomes an empty executable stub, because verify only checks that it exists. Only what systemd
// itself reads is copied: a line that is no `key=value`, a section or key systemd does not know (its own list,
// `systemd --dump-configuration-items`) is something it ignores, and may be anything (an included shadow line, a
// token written as a key). Files a unit names (EnvironmentFile=, LoadCredential=) are never copied: verify does
// not read them.

import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { maskSecrets } from '../../facts/secrets/secret-values.js';
import { writeFreshFile } from '../../fs/atomic-write.js';
import { makeTempDirectory } from '../../fs/temp-directory.js';
import { parseExecLine } from '../../parsers/exec-command.js';
import { mergeUnit } from '../../parsers/systemd-unit.js';
import { splitWords } from '../../parsers/systemd-words.js';
import { describeToolOutput } from '../../parsers/tool-messages.js';
import { runProgram } from '../../target/run-program.js';
import { chrootPath } from '../tool-run.js';
import type { Validation } from '../types.js';

export interface UnitFiles {
  unitName: string;
  /** The unit file's text as the target has it. */
  unitText: string;
  /** The unit's other drop-ins, in applied order (harden's own left out: they are being replaced). */
  dropIns: readonly { fileName: string; text: string }[];
  /** The generated drop-in. */
  newDropIn: { fileName: string; text: string };
}

export interface UnitVerdict {
  verify: Validation;
  security: Validation;
  score?: number;
}

const TIMEOUT_MS = 60_000;
const UNIT_DIR = '/etc/systemd/system';
const STUB_DIR = '/usr/lib/systemd/system';
/** Units every service depends on by default (DefaultDependencies=yes): verify refuses a unit without them. */
const DEFAULT_TARGETS = ['sysinit.target', 'basic.target', 'shutdown.target'];
/** Dependencies verify insists on finding; Wants=/After= to a missing unit are fine. */
const HARD_DEPENDENCIES = ['Requires', 'Requisite', 'BindsTo', 'PartOf', 'Upholds'];
const SECRET_KEYS = new Set(['Environment', 'SetCredential', 'SetCredentialEncrypted', 'Description', 'Documentation']);
const COMMAND_KEY = /^Exec[A-Za-z]*$/;

/** The keys of a section systemd ignores: none. */
const UNKNOWN_SECTION: ReadonlySet<string> = new Set();

/** Section → the keys systemd reads in it, as systemd itself lists them. */
export type UnitItems = ReadonlyMap<string, ReadonlySet<string>>;

/** `systemd --dump-configuration-items`: "[Section]" lines, then "Key=TYPE" lines. */
export function parseConfigurationItems(text: string): Map<string, Set<string>> {
  const items = new Map<string, Set<string>>();
  let section: Set<string> | undefined;
  for (const line of text.split('\n')) {
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = items.get(header[1]!) ?? new Set();
      items.set(header[1]!, section);
      continue;
    }
    const key = /^([A-Za-z0-9]+)=/.exec(line);
    if (key && section) section.add(key[1]!);
  }
  return items;
}

let configurationItems: Promise<UnitItems | string> | undefined;

/** The keys this machine's systemd reads, once per run; a string says why they could not be had. */
export function loadConfigurationItems(): Promise<UnitItems | string> {
  configurationItems ??= (async () => {
    for (const binary of ['/usr/lib/systemd/systemd', '/lib/systemd/systemd']) {
      const outcome = await runProgram(binary, ['--dump-configuration-items'], {
        timeoutMs: TIMEOUT_MS,
        maxBytes: 4 * 1024 * 1024,
        env: { PATH: process.env['PATH'] ?? '', LC_ALL: 'C', SYSTEMD_COLORS: '0' },
      });
      if (outcome.kind === 'not-started') continue;
      if (outcome.kind !== 'exited' || outcome.code !== 0) return `${binary} --dump-configuration-items failed`;
      const items = parseConfigurationItems(outcome.stdout);
      return items.has('Service') ? items : `${binary} --dump-configuration-items listed no [Service] keys`;
    }
    return 'systemd is not installed (its --dump-configuration-items says which unit keys may be copied)';
  })();
  return configurationItems;
}

/**
 * A unit file with everything that might be secret withheld, line for line (so the tool's line numbers still
 * point at the target's file): comments emptied, secret-bearing and free-text values replaced by a comment, commands
 * reduced to their program paths, lines systemd ignores (no `=`; with `items`, a section or key it does not know)
 * emptied; any key-shaped text left is masked.
 */
export function sanitiseUnitText(text: string, items?: UnitItems): string {
  const out: string[] = [];
  let continuing: 'keep' | 'drop' | undefined;
  let section: ReadonlySet<string> | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    const continues = /(^|[^\\])(\\\\)*\\$/.test(line);
    if (continuing) {
      out.push(continuing === 'keep' ? maskSecrets(line) : '');
      if (!continues) continuing = undefined;
      continue;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';') || trimmed === '') {
      out.push(trimmed === '' ? '' : '#');
      continue;
    }
    if (trimmed.startsWith('[')) {
      // A section systemd does not know (or a name no section has) is ignored whole: its header and its keys go.
      const name = /^\[([A-Za-z]+)\]$/.exec(trimmed)?.[1];
      section = name === undefined ? UNKNOWN_SECTION : (items?.get(name) ?? (items ? UNKNOWN_SECTION : undefined));
      out.push(section === UNKNOWN_SECTION ? '#' : trimmed);
      continue;
    }
    const equals = line.indexOf('=');
    const key = equals < 0 ? '' : line.slice(0, equals).trim();
    if (equals < 0 || section === UNKNOWN_SECTION || (items !== undefined && !section?.has(key))) {
      // Ignored by systemd (no assignment, an unknown section or key): nothing verify needs, maybe anything.
      out.push('#');
      continuing = continues ? 'drop' : undefined;
      continue;
    }
    if (SECRET_KEYS.has(key) || COMMAND_KEY.test(key)) {
      // Continuation lines of such a value are emptied: they hold more of the value or arguments.
      continuing = continues ? 'drop' : undefined;
      out.push(SECRET_KEYS.has(key) ? `# ${key}= withheld` : `${key}=${programsOf(line.slice(equals + 1))}`);
      continue;
    }
    out.push(maskSecrets(line));
    continuing = continues ? 'keep' : undefined;
  }
  return out.join('\n');
}

/** "-/usr/bin/x --flag secret ; /bin/y" → "-/usr/bin/x ; /bin/y". */
function programsOf(value: string): string {
  const trimmed = value.replace(/\\$/, '').trim();
  if (trimmed === '') return '';
  const parsed = parseExecLine(trimmed);
  if (parsed.commands.length === 0) return '';
  return parsed.commands
    .map((command) => {
      const prefixes = command.prefixes.filter((prefix) => prefix !== '@').join('');
      return `${prefixes}${command.path}`;
    })
    .join(' ; ');
}

function stubService(name: string): string {
  return name.endsWith('.service')
    ? '[Unit]\nDescription=stub for verification\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n'
    : '[Unit]\nDescription=stub for verification\n';
}

/** Writes the sanitised unit, its drop-ins, the new drop-in, stubs of its programs and of the units it requires. */
export async function buildVerifyTree(root: string, files: UnitFiles, items?: UnitItems): Promise<void> {
  const put = async (path: string, text: string, mode = 0o644) => {
    // Paths come from the unit (ExecStart=/../../etc/x, Requires=..): resolved as systemd's --root would, so a
    // stub never lands outside the temp tree (a plain join once wrote it to this machine's /etc/x).
    const inTree = chrootPath(path);
    if (inTree === '/') return;
    const full = join(root, inTree);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    // A stub may land where an earlier file went: ours to overwrite, in our own directory.
    writeFreshFile(full, text, mode, { overwriteOurs: true });
    await chmod(full, mode);
  };
  const dropInDir = `${UNIT_DIR}/${files.unitName}.d`;
  const unitText = sanitiseUnitText(files.unitText, items);
  const dropIns = files.dropIns.map((dropIn) => ({ ...dropIn, text: sanitiseUnitText(dropIn.text, items) }));
  await put(`${UNIT_DIR}/${files.unitName}`, unitText);
  for (const dropIn of dropIns) await put(`${dropInDir}/${dropIn.fileName}`, dropIn.text);
  await put(`${dropInDir}/${files.newDropIn.fileName}`, files.newDropIn.text);

  const effective = mergeUnit(files.unitName, [
    { path: 'unit', text: unitText },
    ...dropIns.map((dropIn) => ({ path: dropIn.fileName, text: dropIn.text })),
    { path: files.newDropIn.fileName, text: files.newDropIn.text },
  ]);
  const programs = new Set<string>();
  for (const assignment of effective.assignments) {
    if (assignment.section !== 'Service' || !COMMAND_KEY.test(assignment.key)) continue;
    for (const command of parseExecLine(assignment.value).commands) {
      programs.add(command.path.startsWith('/') ? command.path : `/usr/bin/${command.path}`);
    }
  }
  // Stubs are best effort: one that can't be written (a path that is a directory of the tree) is left out, and
  // verify then says the program or unit is missing.
  const stub = (path: string, text: string, mode?: number) => put(path, text, mode).catch(() => undefined);
  for (const program of programs) await stub(program, '', 0o755);
  const dependencies = new Set(DEFAULT_TARGETS);
  for (const key of HARD_DEPENDENCIES) {
    for (const assignment of effective.list('Unit', key)) {
      for (const word of splitWords(assignment.value).words) if (word !== files.unitName) dependencies.add(word);
    }
  }
  for (const name of dependencies) {
    if (/^[A-Za-z0-9:_.\\@-]+$/.test(name) && !/^\.+$/.test(name)) await stub(`${STUB_DIR}/${name}`, stubService(name));
  }
}

interface ToolRun {
  code: number | undefined;
  output: string;
  /** The tool could not be run at all (missing, timed out). */
  failure?: string;
}

/** systemd-analyze's honest output is a few KB; past this it is stopped and the run fails. */
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

async function runTool(args: readonly string[], root: string): Promise<ToolRun> {
  const outcome = await runProgram('systemd-analyze', args, {
    timeoutMs: TIMEOUT_MS,
    maxBytes: MAX_OUTPUT_BYTES,
    env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '', SYSTEMD_LOG_COLOR: '0' },
  });
  if (outcome.kind === 'not-started') {
    const failure =
      outcome.code === 'ENOENT'
        ? 'systemd-analyze is not installed (apt-get install systemd)'
        : `systemd-analyze could not run: ${outcome.code}`;
    return { code: undefined, output: '', failure };
  }
  // Paths in messages name the target's files, not the temp tree's.
  const output = `${outcome.stderr}\n${outcome.stdout}`.replace(/\x1b\[[0-9;]*m/g, '').replaceAll(root, '');
  if (outcome.kind === 'timeout')
    return { code: undefined, output, failure: `systemd-analyze timed out after ${TIMEOUT_MS / 1000}s` };
  if (outcome.kind === 'overflow')
    return {
      code: undefined,
      output: '',
      failure: `systemd-analyze wrote more than ${MAX_OUTPUT_BYTES} bytes of output and was stopped`,
    };
  // Ended by a signal: a failure without an exit code of its own.
  return { code: outcome.code ?? 1, output };
}

function lines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The tool's first message as a place and a category: its text may quote the unit's lines (a token, a key). */
function firstLine(output: string, fallback: string): string {
  return output.trim() === '' ? fallback : describeToolOutput('systemd-analyze', output);
}

const OVERALL = /\u2192 Overall exposure level for (\S+): (\d+\.\d) (\w+)/;

/**
 * Runs `systemd-analyze verify` and `security --offline=true` on the unit with the new drop-in. `passBelow` makes
 * a score at or above it a failed validation (the signer's target); undefined only reports the score.
 */
export async function validateUnit(files: UnitFiles, passBelow: number | undefined): Promise<UnitVerdict> {
  const artefact = `${UNIT_DIR}/${files.unitName}.d/${files.newDropIn.fileName}`;
  const items = await loadConfigurationItems();
  if (typeof items === 'string') {
    const failed = (tool: string): Validation => ({ tool, artefact, ok: false, detail: items });
    return { verify: failed('systemd-analyze verify'), security: failed('systemd-analyze security --offline=true') };
  }
  const root = makeTempDirectory('verify');
  try {
    await buildVerifyTree(root, files, items);
    const common = [`--root=${root}`, '--no-pager'];
    const verifyRun = await runTool(['verify', ...common, '--man=no', '--generators=no', files.unitName], root);
    const verify = judgeVerify(verifyRun, artefact);
    const securityRun = await runTool(['security', '--offline=true', ...common, files.unitName], root);
    const overall = OVERALL.exec(securityRun.output);
    const tool = 'systemd-analyze security --offline=true';
    if (securityRun.failure || !overall) {
      const detail = securityRun.failure ?? firstLine(securityRun.output, 'no exposure score in the output');
      return { verify, security: { tool, artefact, ok: false, detail } };
    }
    const score = Number(overall[2]);
    const label = overall[3]!;
    const ok = passBelow === undefined || score < passBelow;
    const target =
      passBelow === undefined
        ? ''
        : ok
          ? ` (below ${passBelow.toFixed(1)})`
          : ` (target: below ${passBelow.toFixed(1)})`;
    const detail = `${files.unitName} scores ${score.toFixed(1)} ${label}${target}`;
    return { verify, security: { tool, artefact, ok, detail, figures: { score, label } }, score };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Verify exits 0 even when it ignored a bad line of ours: any message about the new drop-in fails it too. */
function judgeVerify(run: ToolRun, artefact: string): Validation {
  const tool = 'systemd-analyze verify';
  if (run.failure) return { tool, artefact, ok: false, detail: run.failure };
  const messages = lines(run.output);
  const ours = messages.filter((line) => line.includes(artefact));
  if (run.code !== 0) {
    return { tool, artefact, ok: false, detail: firstLine(ours.join('\n') || run.output, `exit status ${run.code}`) };
  }
  if (ours.length > 0) return { tool, artefact, ok: false, detail: firstLine(ours[0]!, 'rejected') };
  // Complaints about the operator's own files are not the drop-in's doing; their text may quote values, so only counted.
  const others = messages.length;
  const detail =
    others === 0
      ? 'unit loads cleanly'
      : `unit loads; ${others} warning(s) about the unit's own files (see systemd-analyze verify)`;
  return { tool, artefact, ok: true, detail, figures: { warnings: others } };
}
