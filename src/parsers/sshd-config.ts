// The effective sshd configuration, computed the way OpenSSH 9.2's servconf.c does (Debian 12 build):
// https://man.openbsd.org/sshd_config — first value wins, Include globs, Match blocks re-applied per connection.

import { limitWords, PARSE_LIMITS, textOverLimits } from './parse-limits.js';
import {
  evaluateMatch,
  type MatchCondition,
  parseMatchCondition,
  parsePort,
  type SshdConnection,
} from './sshd-config-match.js';
import {
  isSingleKeyword,
  methodsSatisfiable,
  type PermitRootLogin,
  SINGLE,
  SINGLE_KEYWORDS,
  type SingleKeyword,
  type YesNo,
} from './sshd-config-settings.js';
import { type KeywordScope, lookupKeyword, splitConfigLine } from './sshd-config-syntax.js';

export type { SshdConnection } from './sshd-config-match.js';
export type { PermitRootLogin, YesNo } from './sshd-config-settings.js';

/** How the caller gives this parser files from a target (live host, --root directory, archive). */
export interface SshdConfigSource {
  /** File text, or undefined when the file does not exist or cannot be read. */
  readText(path: string): Promise<string | undefined>;
  /** Absolute paths matching an absolute glob(3) pattern, sorted; [] when nothing matches. */
  glob(pattern: string): Promise<string[]>;
}

export interface SshdLocation {
  file: string;
  /** 1-based; 0 for a problem about a whole file. */
  line: number;
}

export interface SshdProblem extends SshdLocation {
  message: string;
  /** An Include sshd cannot follow (unreadable match, runaway recursion): sshd exits at startup over it. */
  include?: true;
  /** A file over a parse limit (PARSE_LIMITS.sshdConfig), not read: no setting can be trusted. */
  limit?: true;
}

export interface SshdDirective extends SshdLocation {
  /** The name `sshd -T` prints (aliases resolved, lowercase), e.g. `kbdinteractiveauthentication`. */
  keyword: string;
  /** The keyword as written, e.g. `ChallengeResponseAuthentication`. */
  written: string;
  args: string[];
  scope: KeywordScope;
}

export type SshdNode =
  | { kind: 'directive'; directive: SshdDirective }
  | (SshdLocation & { kind: 'match'; text: string; condition?: MatchCondition })
  | (SshdLocation & { kind: 'include'; targets: SshdInclude[] });

export interface SshdInclude {
  /** The pattern as written. */
  pattern: string;
  /** Absolute glob actually expanded (relative patterns are relative to /etc/ssh). */
  glob: string;
  files: SshdConfigFile[];
}

export interface SshdConfigFile {
  path: string;
  nodes: SshdNode[];
}

export interface SshdConfig {
  mainPath: string;
  /** Undefined when the main file is missing. */
  main?: SshdConfigFile;
  /** Every file read, in the order sshd reads them. */
  files: string[];
  /** Everything that would make sshd refuse the configuration. */
  problems: SshdProblem[];
}

export interface SshdSetting<T> {
  value: T;
  /** Where the value was set; undefined for sshd's built-in default. */
  file?: string;
  line?: number;
  /** The value as written in the file (e.g. `prohibit-password`, `YES`). */
  written?: string;
}

export interface SshdEffective {
  passwordauthentication: SshdSetting<YesNo>;
  kbdinteractiveauthentication: SshdSetting<YesNo>;
  pubkeyauthentication: SshdSetting<YesNo>;
  permitrootlogin: SshdSetting<PermitRootLogin>;
  permitemptypasswords: SshdSetting<YesNo>;
  x11forwarding: SshdSetting<YesNo>;
  hostbasedauthentication: SshdSetting<YesNo>;
  gssapiauthentication: SshdSetting<YesNo>;
  usepam: SshdSetting<YesNo>;
  /** Space-separated method lists as `sshd -T` prints them; `any` when unrestricted. */
  authenticationmethods: SshdSetting<string>;
  ports: SshdSetting<number>[];
  /** ListenAddress arguments as written (sshd -T prints them resolved, per port). */
  listenaddresses: SshdSetting<string>[];
  /** Config problems plus those this connection triggers (e.g. `Match LocalPort` without lport). */
  problems: SshdProblem[];
}

const SSHDIR = '/etc/ssh';
const MAX_INCLUDE_DEPTH = 16;
/**
 * The most lines one file may expand to, its includes spliced in. sshd re-reads an included file at every Include,
 * so a file that includes itself twice doubles at each of 16 levels: real configurations are a few hundred lines.
 */
export const MAX_EXPANDED_LINES = 100_000;

/** One parse of a file, shared by every Include that names it (each file is read and parsed once per load). */
interface ParsedFile {
  file: SshdConfigFile;
  /** Lines once every include is spliced in. */
  expandedLines: number;
  /** Include levels below this file (0 when it includes nothing). */
  height: number;
}

interface LoadState {
  source: SshdConfigSource;
  config: SshdConfig;
  parsed: Map<string, ParsedFile>;
  /** The Include sites being expanded, outermost first: a file met again on this chain is a cycle. */
  chain: SshdLocation[];
}

/** Reads the main file and every Include (recursively), keeping file/line of every directive. */
export async function loadSshdConfig(source: SshdConfigSource, mainPath = '/etc/ssh/sshd_config'): Promise<SshdConfig> {
  const config: SshdConfig = { mainPath, files: [], problems: [] };
  const text = await source.readText(mainPath);
  if (text === undefined) {
    config.problems.push({ file: mainPath, line: 0, message: `${mainPath}: cannot be read` });
    return config;
  }
  const state: LoadState = { source, config, parsed: new Map(), chain: [] };
  config.main = (await parseFile(state, mainPath, text)).file;
  // The startup pass (no connection) is where sshd rejects global-only keywords inside Match blocks.
  const startup = runPass(config, undefined, config.problems);
  const methods = startup.single.authenticationmethods;
  const startupValue = (keyword: SingleKeyword) => startup.single[keyword]?.value ?? SINGLE[keyword].fallback;
  if (methods !== undefined && !methodsSatisfiable(methods.value, startupValue)) {
    // sshd.c refuses to start when no global AuthenticationMethods list uses only enabled methods.
    config.problems.push({
      file: methods.file!,
      line: methods.line!,
      message: 'AuthenticationMethods cannot be satisfied by enabled authentication methods',
    });
  }
  return config;
}

/** "a:3 -> b:1 -> a": where each file of a cycle includes the next. */
function chainText(chain: readonly SshdLocation[], back: string): string {
  return [...chain.map((at) => `${at.file}:${at.line}`), back].join(' -> ');
}

/** One Include line: its files, each parsed once per load; a cycle or an over-large expansion is a problem. */
async function expandInclude(
  state: LoadState,
  at: SshdLocation,
  args: readonly string[],
  budget: { lines: number; height: number },
): Promise<SshdInclude[]> {
  const { config, source } = state;
  const problem = (message: string) => config.problems.push({ ...at, message, include: true });
  const targets: SshdInclude[] = [];
  for (const pattern of args) {
    const glob = pattern.startsWith('/') || pattern.startsWith('~') ? pattern : `${SSHDIR}/${pattern}`;
    const files: SshdConfigFile[] = [];
    // glob(3) without GLOB_TILDE takes `~` literally, relative to sshd's cwd: treat it as matching nothing.
    const matches = glob.startsWith('/') ? await source.glob(glob) : [];
    for (const match of matches) {
      if (match === at.file || state.chain.some((outer) => outer.file === match)) {
        // sshd itself gives up after 16 levels ("Too many recursive configuration includes").
        problem(`Include cycle: ${chainText([...state.chain, at], match)}`);
        continue;
      }
      if (state.chain.length + 1 > MAX_INCLUDE_DEPTH) {
        problem('Too many recursive configuration includes');
        continue;
      }
      let parsed = state.parsed.get(match);
      if (parsed === undefined) {
        const included = await source.readText(match);
        if (included === undefined) {
          problem(`Include ${match}: cannot be read`);
          continue;
        }
        state.chain.push(at);
        try {
          parsed = await parseFile(state, match, included);
        } finally {
          state.chain.pop();
        }
      }
      // A file parsed earlier, at a shallower level, may nest too deeply here.
      if (state.chain.length + 1 + parsed.height > MAX_INCLUDE_DEPTH) {
        problem('Too many recursive configuration includes');
        continue;
      }
      if (budget.lines + parsed.expandedLines > MAX_EXPANDED_LINES) {
        problem(`Includes expand to more than ${MAX_EXPANDED_LINES} lines; ${match} left out`);
        continue;
      }
      budget.lines += parsed.expandedLines;
      budget.height = Math.max(budget.height, parsed.height + 1);
      files.push(parsed.file);
    }
    targets.push({ pattern, glob, files });
  }
  return targets;
}

async function parseFile(state: LoadState, path: string, text: string): Promise<ParsedFile> {
  const { config } = state;
  config.files.push(path);
  const file: SshdConfigFile = { path, nodes: [] };
  const problem = (line: number, message: string) => config.problems.push({ file: path, line, message });
  // Before any line is split or matched: the file is refused whole, so no setting is read from part of it.
  const overLimit = textOverLimits(text, PARSE_LIMITS.sshdConfig, { countLines: true });
  if (overLimit) {
    const message = `${limitWords(overLimit, 'lines')}; not read`;
    config.problems.push({ file: path, line: overLimit.line ?? 0, message, limit: true });
    const refused = { file, expandedLines: 0, height: 0 };
    state.parsed.set(path, refused);
    return refused;
  }
  const lines = text.split('\n');
  const budget = { lines: lines.length, height: 0 };
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const split = splitConfigLine(lines[index]!);
    if (split.kind === 'blank') continue;
    if (split.kind === 'error') {
      const known = lookupKeyword(split.keyword);
      problem(line, known ? `${split.message} ${known.canonical}` : split.message);
      continue;
    }
    const info = lookupKeyword(split.keyword);
    if (info === undefined) {
      // Never quoted: an Include of a secret file (/etc/shadow) makes each of its lines an unknown "keyword".
      problem(line, 'Bad configuration option (not an sshd keyword)');
      continue;
    }
    if (info.canonical === 'match') {
      const condition = parseMatchCondition(split.rest);
      if ('error' in condition) {
        problem(line, `Bad Match condition: ${condition.error}`);
        file.nodes.push({ kind: 'match', file: path, line, text: split.rest });
      } else {
        file.nodes.push({ kind: 'match', file: path, line, text: split.rest, condition });
      }
      continue;
    }
    if (info.canonical === 'include') {
      if (split.args.length === 0 || split.args.includes('')) {
        problem(line, 'Include missing filename argument');
        continue;
      }
      const targets = await expandInclude(state, { file: path, line }, split.args, budget);
      file.nodes.push({ kind: 'include', file: path, line, targets });
      continue;
    }
    const directive: SshdDirective = {
      file: path,
      line,
      keyword: info.canonical,
      written: split.keyword,
      args: split.args,
      scope: info.scope,
    };
    const invalid = validateDirective(directive);
    if (invalid !== undefined) problem(line, invalid);
    else if (!info.ignored) file.nodes.push({ kind: 'directive', directive });
  }
  const parsed = { file, expandedLines: budget.lines, height: budget.height };
  state.parsed.set(path, parsed);
  return parsed;
}

/** Value checks sshd makes whatever the Match state (only for the keywords this module interprets). */
function validateDirective(directive: SshdDirective): string | undefined {
  const { keyword, written, args } = directive;
  if (isSingleKeyword(keyword)) {
    if (SINGLE[keyword].parse(args) === undefined) {
      return `${written}: unsupported value`;
    }
  } else if (keyword === 'port') {
    const port = args.length === 1 ? parsePort(args[0]!) : undefined;
    if (port === undefined || port <= 0) return `${written}: badly formatted port number`;
  } else if (keyword === 'listenaddress' && args.length === 0) {
    return `${written}: missing address`;
  }
  return undefined;
}

interface PassResult {
  single: Partial<Record<SingleKeyword, SshdSetting<string>>>;
  ports: SshdSetting<number>[];
  listenaddresses: SshdSetting<string>[];
}

/**
 * One servconf.c parse_server_config() pass. Without a connection it is the startup pass (only `Match All`
 * is active); with one it is the reprocess pass, which ignores global lines and applies matching Match blocks.
 */
function runPass(config: SshdConfig, connection: SshdConnection | undefined, problems: SshdProblem[]): PassResult {
  const result: PassResult = { single: {}, ports: [], listenaddresses: [] };
  const state = { active: connection === undefined };
  const walk = (file: SshdConfigFile, flags: { matchOnly: boolean; neverMatch: boolean }) => {
    for (const node of file.nodes) {
      if (node.kind === 'match') {
        let matched = false;
        if (node.condition !== undefined && !flags.neverMatch) {
          if (connection === undefined) matched = node.condition.all;
          else {
            const outcome = evaluateMatch(node.condition, connection);
            matched = outcome.matched;
            if (outcome.missing !== undefined) {
              problems.push({ ...location(node), message: `'Match' needs '${outcome.missing}' in the connection` });
            }
          }
        }
        state.active = matched;
        // Included files keep evaluating their Match blocks only until the first Match of the including file.
        flags.matchOnly = false;
      } else if (node.kind === 'include') {
        const outer = state.active;
        for (const target of node.targets) {
          for (const included of target.files) {
            walk(included, { matchOnly: flags.matchOnly, neverMatch: !flags.matchOnly && !outer });
            // Included files cannot change the including file's Match state.
            state.active = outer;
          }
        }
      } else {
        apply(node.directive);
      }
    }
  };
  const apply = (directive: SshdDirective) => {
    if (!state.active && directive.scope === 'global') {
      if (connection === undefined) {
        problems.push({
          ...location(directive),
          message: `Directive '${directive.written}' is not allowed within a Match block`,
        });
      }
      return;
    }
    if (
      directive.keyword === 'authenticationmethods' &&
      directive.args.includes('any') &&
      result.single.authenticationmethods !== undefined
    ) {
      // OpenSSH 9.2 rejects "any" once the option holds a value in this pass, even on an inactive line.
      problems.push({ ...location(directive), message: `"any" must appear alone in ${directive.written}` });
    }
    if (!state.active) return;
    const at = { file: directive.file, line: directive.line, written: directive.args.join(' ') };
    if (isSingleKeyword(directive.keyword)) {
      const keyword = directive.keyword;
      const value = SINGLE[keyword].parse(directive.args);
      if (value !== undefined && result.single[keyword] === undefined) result.single[keyword] = { value, ...at };
    } else if (directive.keyword === 'port') {
      result.ports.push({ value: parsePort(directive.args[0]!)!, ...at });
    } else if (directive.keyword === 'listenaddress') {
      result.listenaddresses.push({ value: directive.args[0]!, ...at });
    }
  };
  if (config.main !== undefined) walk(config.main, { matchOnly: connection !== undefined, neverMatch: false });
  return result;
}

/** The single-valued settings of SshdEffective, each looked up with `pick`. */
function singleSettings(pick: (keyword: SingleKeyword) => SshdSetting<string>): Pick<SshdEffective, SingleKeyword> {
  return Object.fromEntries(SINGLE_KEYWORDS.map((keyword) => [keyword, pick(keyword)])) as Pick<
    SshdEffective,
    SingleKeyword
  >;
}

function location(at: SshdLocation): SshdLocation {
  return { file: at.file, line: at.line };
}

/** The settings sshd applies to one connection (= `sshd -T -C user=..,host=..,addr=..` on the same files). */
export function effectiveSshd(config: SshdConfig, connection: SshdConnection): SshdEffective {
  const problems = [...config.problems];
  const startup = runPass(config, undefined, []);
  const matched = runPass(config, connection, problems);
  const pick = (keyword: SingleKeyword): SshdSetting<string> => {
    const spec = SINGLE[keyword];
    const setting = (spec.matchable ? matched.single[keyword] : undefined) ?? startup.single[keyword];
    return setting ?? { value: spec.fallback };
  };
  return {
    ...singleSettings(pick),
    ports: startup.ports.length > 0 ? startup.ports : [{ value: 22 }],
    listenaddresses: startup.listenaddresses,
    problems,
  };
}

/** Reads `sshd -T` output: lowercase keyword → every value printed for it, in order. */
export function parseSshdT(stdout: string): Record<string, string[]> {
  const settings: Record<string, string[]> = {};
  for (const line of stdout.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed.trim() === '') continue;
    const space = trimmed.indexOf(' ');
    const keyword = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : trimmed.slice(space + 1);
    const values = settings[keyword] ?? [];
    values.push(value);
    settings[keyword] = values;
  }
  return settings;
}

/** The `-C` argument of `sshd -T` for a connection. */
export function sshdTestSpec(connection: SshdConnection): string {
  const parts = [`user=${connection.user}`, `host=${connection.host}`, `addr=${connection.addr}`];
  if (connection.laddr !== undefined) parts.push(`laddr=${connection.laddr}`);
  if (connection.lport !== undefined) parts.push(`lport=${connection.lport}`);
  if (connection.rdomain !== undefined) parts.push(`rdomain=${connection.rdomain}`);
  return parts.join(',');
}

/** The same view built from live `sshd -T` output (no file/line: sshd does not say where values came from). */
export function effectiveFromSshdT(settings: Record<string, string[]>): SshdEffective {
  return {
    ...singleSettings((keyword) => ({ value: settings[keyword]?.[0] ?? SINGLE[keyword].fallback })),
    ports: (settings['port'] ?? ['22']).map((port) => ({ value: Number(port) })),
    listenaddresses: (settings['listenaddress'] ?? []).map((value) => ({ value })),
    problems: [],
  };
}
