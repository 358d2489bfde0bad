// Semantics of the sshd settings this project reads: accepted values (as servconf.c parses them), the value
// `sshd -T` prints, Debian 12 defaults, and whether a Match block may override them (copy_set_server_options).

export type YesNo = 'yes' | 'no';
/** As `sshd -T` prints it: `prohibit-password` is shown as its older synonym `without-password`. */
export type PermitRootLogin = 'yes' | 'no' | 'without-password' | 'forced-commands-only';

/** Single-valued settings SshdEffective exposes. */
export const SINGLE_KEYWORDS = [
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'pubkeyauthentication',
  'permitrootlogin',
  'permitemptypasswords',
  'x11forwarding',
  'hostbasedauthentication',
  'gssapiauthentication',
  'usepam',
  'authenticationmethods',
] as const;
export type SingleKeyword = (typeof SINGLE_KEYWORDS)[number];

export function isSingleKeyword(keyword: string): keyword is SingleKeyword {
  return (SINGLE_KEYWORDS as readonly string[]).includes(keyword);
}

export interface SingleSpec {
  /** Canonical value for an argument, or undefined when sshd rejects it. */
  parse(args: string[]): string | undefined;
  fallback: string;
  /** Copied from the Match pass by copy_set_server_options (false for global-only settings). */
  matchable: boolean;
}

const YES_NO: Record<string, YesNo> = { yes: 'yes', no: 'no' };
const yesNo = (args: string[]) => single(args, (v) => YES_NO[v.toLowerCase()]);
const PERMIT_ROOT: Record<string, PermitRootLogin> = {
  'without-password': 'without-password',
  'prohibit-password': 'without-password',
  'forced-commands-only': 'forced-commands-only',
  yes: 'yes',
  no: 'no',
};

// Defaults are what Debian 12's `sshd -T` prints for an empty config.
export const SINGLE: Record<SingleKeyword, SingleSpec> = {
  passwordauthentication: { parse: yesNo, fallback: 'yes', matchable: true },
  kbdinteractiveauthentication: { parse: yesNo, fallback: 'yes', matchable: true },
  pubkeyauthentication: { parse: yesNo, fallback: 'yes', matchable: true },
  permitrootlogin: {
    parse: (args) => single(args, (v) => PERMIT_ROOT[v.toLowerCase()]),
    fallback: 'without-password',
    matchable: true,
  },
  permitemptypasswords: { parse: yesNo, fallback: 'no', matchable: true },
  x11forwarding: { parse: yesNo, fallback: 'no', matchable: true },
  hostbasedauthentication: { parse: yesNo, fallback: 'no', matchable: true },
  gssapiauthentication: { parse: yesNo, fallback: 'no', matchable: true },
  usepam: { parse: yesNo, fallback: 'no', matchable: false },
  authenticationmethods: { parse: parseAuthenticationMethods, fallback: 'any', matchable: true },
};

function single(args: string[], parse: (value: string) => string | undefined): string | undefined {
  return args.length === 1 ? parse(args[0]!) : undefined;
}

const AUTH_METHODS = new Set(['none', 'publickey', 'gssapi-with-mic', 'password', 'keyboard-interactive', 'hostbased']);

/** servconf.c sAuthenticationMethods + auth2.c auth2_methods_valid(). */
function parseAuthenticationMethods(args: string[]): string | undefined {
  if (args.length === 0) return undefined;
  if (args.includes('any')) return args.length === 1 ? 'any' : undefined;
  const valid = args.every((list) => list.split(',').every((method) => AUTH_METHODS.has(method.replace(/:.*$/, ''))));
  return valid ? args.join(' ') : undefined;
}

const METHOD_FLAG: Record<string, SingleKeyword | undefined> = {
  publickey: 'pubkeyauthentication',
  password: 'passwordauthentication',
  'keyboard-interactive': 'kbdinteractiveauthentication',
  hostbased: 'hostbasedauthentication',
  'gssapi-with-mic': 'gssapiauthentication',
};

/** sshd.c's startup check: some AuthenticationMethods list must use only enabled methods (`none` always is). */
export function methodsSatisfiable(methods: string, value: (keyword: SingleKeyword) => string): boolean {
  if (methods === 'any') return true;
  const enabled = (method: string) => {
    const flag = METHOD_FLAG[method.replace(/:.*$/, '')];
    return flag === undefined || value(flag) === 'yes';
  };
  return methods.split(' ').some((list) => list.split(',').every(enabled));
}
