// The effective sshd configuration, computed the way OpenSSH 9.2's servconf.c does (Debian 12 build):
// https://man.openbsd.org/sshd_config — first value wins, Include globs, Match blocks re-applied per connection.

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

/** Reads the main file and every Include (recursively), keeping file/line of every directive. */
export async function loadSshdConfig(source: SshdConfigSource, mainPath = '/etc/ssh/sshd_config'): Promise<SshdConfig> {
  const config: SshdConfig = { mainPath, files: [], problems: [] };
  const text = await source.readText(mainPath);
  if (text === undefined) {
    config.problems.push({ file: mainPath, line: 0, message: `${mainPath}: cannot be read` });
    return config;
  }
  config.main = await parseFile(source, config, mainPath, text, 0);
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

async function parseFile(
  source: SshdConfigSource,
  config: SshdConfig,
  path: string,
  text: string,
  depth: number,
): Promise<SshdConfigFile> {
  config.files.push(path);
  const file: SshdConfigFile = { path, nodes: [] };
  const problem = (line: number, message: string) => config.problems.push({ file: path, line, message });
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const split = splitConfigLine(lines[index]!);
    if (split.kind === 'blank') continue;
    if (split.kind === 'error') {
      problem(line, split.message);
      continue;
    }
    const info = lookupKeyword(split.keyword);
    if (info === undefined) {
      problem(line, `Bad configuration option: ${split.keyword}`);
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
      const targets: SshdInclude[] = [];
      for (const pattern of split.args) {
        const glob = pattern.startsWith('/') || pattern.startsWith('~') ? pattern : `${SSHDIR}/${pattern}`;
        const files: SshdConfigFile[] = [];
        // glob(3) without GLOB_TILDE takes `~` literally, relative to sshd's cwd: treat it as matching nothing.
        const matches = glob.startsWith('/') ? await source.glob(glob) : [];
        if (matches.length > 0 && depth + 1 > MAX_INCLUDE_DEPTH) {
          config.problems.push({
            file: path,
            line,
            message: 'Too many recursive configuration includes',
            include: true,
          });
          continue;
        }
        for (const match of matches) {
          const included = await source.readText(match);
          if (included === undefined) {
            config.problems.push({ file: path, line, message: `Include ${match}: cannot be read`, include: true });
            continue;
          }
          files.push(await parseFile(source, config, match, included, depth + 1));
        }
        targets.push({ pattern, glob, files });
      }
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
  return file;
}

/** Value checks sshd makes whatever the Match state (only for the keywords this module interprets). */
function validateDirective(directive: SshdDirective): string | undefined {
  const { keyword, written, args } = directive;
  if (isSingleKeyword(keyword)) {
    if (SINGLE[keyword].parse(args) === undefined) {
      return `${written}: unsupported value "${args.join(' ')}"`;
    }
  } else if (keyword === 'port') {
    const port = args.length === 1 ? parsePort(args[0]!) : undefined;
    if (port === undefined || port <= 0) return `${written}: badly formatted port number "${args.join(' ')}"`;
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
