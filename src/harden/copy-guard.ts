// What may be copied into a validation tree. `sshd -t` and `nft -c` must read every file the target's config includes,
// so copies of them land in our temp directory; an include can name any file (`Include /etc/shadow`, `include
// "/etc/stacks/signer/signer-config.toml"`). A file is copied only when it is config of the tool's kind and holds no
// secret: never a file at a place known to hold secrets, never one with a secret-shaped value (a private key, a
// mnemonic, a password hash, a secret the audit already knows). A refusal names the file, the line and a category,
// never the content; the tool is then not run.

import type { AuditContext } from '../engine/context.js';
import { maskSecrets } from '../facts/secrets/secret-values.js';

/** What the run knows beyond the general rules: the signer's and node's config files, and their secret values. */
export interface CopyPolicy {
  /** Target path → why it may not be copied. */
  secretFiles: ReadonlyMap<string, string>;
  /** Replaces every secret the run knows (the configs' keys and tokens): a line it changes holds one. */
  mask: (text: string) => string;
}

/** The signer's and node's configs hold the key and the tokens: never copied, whatever includes them. */
export async function copyPolicy(ctx: AuditContext): Promise<CopyPolicy> {
  const discovery = await ctx.discovery();
  const secretFiles = new Map<string, string>();
  const signer = discovery.signer?.config;
  const node = discovery.node?.config;
  if (signer && 'path' in signer) secretFiles.set(signer.path, "is the signer's config (holds its private key)");
  if (node && 'path' in node) secretFiles.set(node.path, "is the node's config (holds its keys and tokens)");
  return { secretFiles, mask: (text) => ctx.secrets.mask(text) };
}

export interface CopyRefusal {
  file: string;
  /** 1-based; undefined when the whole file is refused for its place. */
  line?: number;
  why: string;
}

/** Places that hold secrets whatever their content looks like: refused as a whole, for where they are. */
const SECRET_PLACES: readonly { test: (path: string) => boolean; what: string }[] = [
  {
    test: (path) => /^\/etc\/g?shadow-?$/.test(path) || path === '/etc/security/opasswd',
    what: 'holds password hashes',
  },
  { test: (path) => /^\/etc\/ssh\/ssh_host_[^/]*_key$/.test(path), what: 'is an SSH host private key' },
  {
    test: (path) => /\/\.ssh\/(id_[^/]*|[^/]*_key)$/.test(path) && !path.endsWith('.pub'),
    what: 'is an SSH private key',
  },
  { test: (path) => path.startsWith('/etc/ssl/private/'), what: 'is in /etc/ssl/private (TLS private keys)' },
  { test: (path) => path.startsWith('/etc/wireguard/'), what: 'is in /etc/wireguard (WireGuard private keys)' },
  {
    test: (path) =>
      /^\/(etc\/credstore(\.encrypted)?|run\/credentials|run\/credstore(\.encrypted)?)\//.test(path) ||
      path === '/var/lib/systemd/credential.secret',
    what: 'holds systemd credentials',
  },
  { test: (path) => path === '/etc/krb5.keytab', what: 'holds Kerberos keys' },
  { test: (path) => /^\/(proc|sys|dev)\//.test(path), what: 'is a kernel or device file' },
  {
    test: (path) => /\.(key|pem|p12|pfx|jks|keystore|kdbx|gpg|asc)$/i.test(path) || /\/keystores?\//i.test(path),
    what: 'is a key or keystore file',
  },
];

/** Why `path` (as named, or as the target resolved it) may not be copied; `known` adds the signer's and node's files. */
export function secretPlace(
  paths: readonly string[],
  known: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  for (const path of paths) {
    const named = known.get(path);
    if (named !== undefined) return named;
    const place = SECRET_PLACES.find((entry) => entry.test(path));
    if (place) return place.what;
  }
  return undefined;
}

/** crypt(3) hashes as shadow holds them: `$id$` (MD5, SHA-256/512, bcrypt, yescrypt, gost-yescrypt, scrypt). */
const PASSWORD_HASH = /\$(1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[./0-9A-Za-z$]{8,}/;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;

/**
 * The first line holding a value shaped like a secret: a private key (hex, PEM), a BIP-39 mnemonic, the value of
 * a secret-named flag, a password hash, or a secret the run already knows (`mask` replaces those).
 */
export function secretLine(
  text: string,
  mask: (text: string) => string = (line) => line,
): { line: number; why: string } | undefined {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (PASSWORD_HASH.test(line)) return { line: index + 1, why: 'holds a password hash' };
    if (PRIVATE_KEY_BLOCK.test(line)) return { line: index + 1, why: 'holds a private key' };
    if (mask(line) !== line) return { line: index + 1, why: 'holds a secret of the signer or node configs' };
    if (maskSecrets(line) !== line) return { line: index + 1, why: 'holds a value shaped like a secret' };
  }
  return undefined;
}

/** Refusals named in one validation's detail; the rest are found again once these are fixed. */
const MAX_REFUSALS_SHOWN = 5;

/** One validation's detail: the first MAX_REFUSALS_SHOWN refusals, each in describeRefusal's form. */
export function describeRefusals(refusals: readonly CopyRefusal[], tool: string): string {
  return refusals
    .slice(0, MAX_REFUSALS_SHOWN)
    .map((refusal) => describeRefusal(refusal, tool))
    .join('; ');
}

/** "file:line: why; not copied for <tool>": the one form every refusal takes. */
export function describeRefusal(refusal: CopyRefusal, tool: string): string {
  const where = refusal.line === undefined ? refusal.file : `${refusal.file}:${refusal.line}`;
  return `${where}: ${refusal.why}; not copied for ${tool}`;
}

/**
 * Every file of a validation copy checked before anything is written: its place (as named and as resolved), its
 * values, and (`shape`) whether it is config of the tool's kind at all.
 */
export function refuseCopies(
  files: ReadonlyMap<string, string>,
  options: {
    canonical: ReadonlyMap<string, string>;
    policy?: CopyPolicy;
    shape: (text: string, path: string) => { line: number; why: string } | undefined;
    /** What the copy drops (comments, line numbers kept): values are looked for only in what is copied. */
    strip?: (text: string) => string;
  },
): CopyRefusal[] {
  const refusals: CopyRefusal[] = [];
  for (const [path, text] of files) {
    const places = [path, options.canonical.get(path) ?? path];
    const place = secretPlace(places, options.policy?.secretFiles);
    if (place !== undefined) {
      refusals.push({ file: path, why: place });
      continue;
    }
    const found = options.shape(text, path) ?? secretLine(options.strip?.(text) ?? text, options.policy?.mask);
    if (found) refusals.push({ file: path, line: found.line, why: found.why });
  }
  return refusals;
}
