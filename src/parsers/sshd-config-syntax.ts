// Line-level syntax of sshd_config as OpenSSH 9.2 (Debian 12) reads it: servconf.c's keyword table and
// misc.c's strdelim()/argv_split(), reproduced so quoting, `=` and comments split exactly as sshd splits them.

/** Where a keyword may appear: `global` keywords are fatal inside a Match block (servconf.c SSHCFG_GLOBAL). */
export type KeywordScope = 'global' | 'all';

export interface KeywordInfo {
  /** The name `sshd -T` prints for this keyword (the first table entry with the same opcode). */
  canonical: string;
  scope: KeywordScope;
  /** Deprecated/unsupported/ignored keywords are accepted and have no effect. */
  ignored?: boolean;
}

// name[:canonical] per scope; `~` marks keywords sshd accepts but ignores (deprecated/unsupported in this build).
const GLOBAL_KEYWORDS =
  'usepam ~pamauthenticationviakbdint port hostkey hostdsakey:hostkey hostkeyagent pidfile modulifile ~serverkeybits ' +
  'logingracetime ~keyregenerationinterval syslogfacility ~rhostsauthentication hostkeyalgorithms ' +
  'dsaauthentication:pubkeyauthentication kerberosorlocalpasswd kerberosticketcleanup ~kerberosgetafstoken ' +
  '~kerberostgtpassing ~afstokenpassing gssapicleanupcredentials gssapicleanupcreds:gssapicleanupcredentials ' +
  'gssapistrictacceptorcheck gssapikeyexchange gssapistorecredentialsonrekey gssapikexalgorithms ' +
  '~gssusesessionccache ~gssapiusesessioncredcache ~checkmail listenaddress addressfamily printmotd printlastlog ' +
  'ignoreuserknownhosts xauthlocation strictmodes ~permitblacklistedkeys permituserenvironment ~uselogin compression ' +
  'tcpkeepalive keepalive:tcpkeepalive ciphers macs ~protocol maxstartups persourcemaxstartups persourcenetblocksize ' +
  'usedns ~verifyreversemapping ~reversemappingcheck ~useprivilegeseparation hostcertificate kexalgorithms ' +
  'versionaddendum fingerprinthash securitykeyprovider debianbanner';

const ALL_KEYWORDS =
  'permitrootlogin loglevel logverbose ~rhostsrsaauthentication hostbasedauthentication ' +
  'hostbasedusesnamefrompacketonly hostbasedacceptedalgorithms ' +
  'hostbasedacceptedkeytypes:hostbasedacceptedalgorithms ~rsaauthentication pubkeyauthentication ' +
  'pubkeyacceptedalgorithms pubkeyacceptedkeytypes:pubkeyacceptedalgorithms pubkeyauthoptions kerberosauthentication ' +
  'gssapiauthentication passwordauthentication kbdinteractiveauthentication ' +
  'challengeresponseauthentication:kbdinteractiveauthentication skeyauthentication:kbdinteractiveauthentication ' +
  'ignorerhosts x11forwarding x11displayoffset x11uselocalhost permitemptypasswords rekeylimit allowtcpforwarding ' +
  'allowagentforwarding allowusers denyusers allowgroups denygroups gatewayports subsystem maxauthtries maxsessions ' +
  'banner clientaliveinterval clientalivecountmax authorizedkeysfile ~authorizedkeysfile2 acceptenv setenv ' +
  'permittunnel permittty permituserrc match permitopen permitlisten forcecommand chrootdirectory revokedkeys ' +
  'trustedusercakeys authorizedprincipalsfile include ipqos authorizedkeyscommand authorizedkeyscommanduser ' +
  'authorizedprincipalscommand authorizedprincipalscommanduser authenticationmethods streamlocalbindmask ' +
  'streamlocalbindunlink allowstreamlocalforwarding disableforwarding exposeauthinfo rdomain casignaturealgorithms ' +
  'requiredrsasize channeltimeout unusedconnectiontimeout';

function buildKeywordTable(): Map<string, KeywordInfo> {
  const table = new Map<string, KeywordInfo>();
  const add = (list: string, scope: KeywordScope) => {
    for (const entry of list.split(' ')) {
      const ignored = entry.startsWith('~');
      const [name, canonical] = (ignored ? entry.slice(1) : entry).split(':') as [string, string | undefined];
      table.set(name, { canonical: canonical ?? name, scope, ...(ignored ? { ignored } : {}) });
    }
  };
  add(GLOBAL_KEYWORDS, 'global');
  add(ALL_KEYWORDS, 'all');
  return table;
}

const KEYWORDS = buildKeywordTable();

/** Looks a keyword up case-insensitively (servconf.c parse_token uses strcasecmp). */
export function lookupKeyword(keyword: string): KeywordInfo | undefined {
  return KEYWORDS.get(keyword.toLowerCase());
}

/** Every keyword name sshd 9.2 accepts, aliases included (lowercase). */
export function knownKeywords(): string[] {
  return [...KEYWORDS.keys()];
}

const WHITESPACE = ' \t\r\n';

/** A cursor over the rest of a line, as the `char **s` that strdelim() advances; undefined once exhausted. */
export interface LineCursor {
  rest: string | undefined;
}

/**
 * misc.c strdelim(): the next token, split on whitespace, a double-quoted run, or a single `=`.
 * Returns undefined both at the end and for an unmatched quote (sshd treats both as "no token").
 */
export function strdelim(cursor: LineCursor): string | undefined {
  const s = cursor.rest;
  if (s === undefined) return undefined;
  let at = -1;
  for (let i = 0; i < s.length; i++) {
    if (WHITESPACE.includes(s[i]!) || s[i] === '"' || s[i] === '=') {
      at = i;
      break;
    }
  }
  if (at < 0) {
    cursor.rest = undefined;
    return s;
  }
  if (s[at] === '"') {
    // The quote is removed and the token runs to the next quote, keeping what preceded the first one.
    const close = s.indexOf('"', at + 1);
    if (close < 0) {
      cursor.rest = undefined;
      return undefined;
    }
    const token = s.slice(0, at) + s.slice(at + 1, close);
    cursor.rest = s.slice(close + 1 + countLeading(s, close + 1, WHITESPACE));
    return token;
  }
  const token = s.slice(0, at);
  const sawEquals = s[at] === '=';
  let next = at + 1 + countLeading(s, at + 1, WHITESPACE);
  if (s[next] === '=' && !sawEquals) next = next + 1 + countLeading(s, next + 1, WHITESPACE);
  cursor.rest = s.slice(next);
  return token;
}

function countLeading(s: string, from: number, chars: string): number {
  let n = 0;
  while (from + n < s.length && chars.includes(s[from + n]!)) n++;
  return n;
}

/**
 * misc.c argv_split(str, ..., terminate_on_comment=1): words split on spaces/tabs, single or double quotes,
 * backslash escapes of quotes, backslash and (unquoted) space; a `#` starting a word ends the line.
 * Returns undefined for an unterminated quote ("invalid quotes").
 */
export function argvSplit(s: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\') {
        const next = s[i + 1];
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) i++;
        arg += s[i]!;
      } else if (quote === '' && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== '' && c === quote) {
        quote = '';
      } else {
        arg += c;
      }
    }
    if (i >= s.length && quote !== '') return undefined;
    args.push(arg);
  }
  return args;
}

export type SplitLine =
  | { kind: 'blank' }
  | { kind: 'error'; keyword: string; message: string }
  | { kind: 'directive'; keyword: string; rest: string; args: string[] };

const TRAILING_SPACE = ' \t\r\n\f';

/**
 * `s` without the trailing run of `chars`, scanning back from the end once. The regex /[ \t]+$/ retries at every
 * whitespace run that is not at the end, so a line of long inner whitespace runs took quadratic time (issue #18).
 */
function trimTrailing(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** One line of a config file as process_server_config_line_depth() sees it (after load_server_config's strip). */
export function splitConfigLine(rawLine: string): SplitLine {
  // load_server_config strips leading " \t\r"; the line parser strips trailing whitespace and \f.
  const line = trimTrailing(rawLine.replace(/^[ \t\r]+/, ''), TRAILING_SPACE);
  const cursor: LineCursor = { rest: line };
  let keyword = strdelim(cursor);
  if (keyword === undefined) return { kind: 'blank' };
  if (keyword === '') keyword = strdelim(cursor);
  if (keyword === undefined || keyword === '' || keyword.startsWith('#')) return { kind: 'blank' };
  const rest = cursor.rest;
  if (rest === undefined || rest === '') {
    // The keyword is not quoted: it may not be one (a shadow line included as config is one long "keyword").
    return { kind: 'error', keyword, message: 'no argument after keyword' };
  }
  const args = argvSplit(rest);
  if (args === undefined) return { kind: 'error', keyword, message: 'invalid quotes' };
  return { kind: 'directive', keyword, rest, args };
}

/**
 * The first line that is no sshd configuration (its first word is no sshd keyword): a file an Include names must
 * be config before it is copied for `sshd -t` (an included /etc/shadow fails on its first line). Only the line.
 */
export function sshdShapeProblem(text: string): { line: number; why: string } | undefined {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const split = splitConfigLine(lines[index]!);
    if (split.kind !== 'blank' && lookupKeyword(split.keyword) === undefined) {
      return { line: index + 1, why: 'is not sshd configuration (a line starts with no sshd keyword)' };
    }
  }
  return undefined;
}

/**
 * The text with every comment line emptied (sshd reads it as a blank line, so line numbers are kept): free text a
 * validation copy has no use for, and which may hold anything.
 */
export function withoutCommentLines(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^[ \t\r]*#/.test(line) ? '' : line))
    .join('\n');
}
