// Reading and rewriting the signer config for keygen and key restore: every check happens before the first byte is
// written, and the write is atomic with mode 600 and the right owner from the start.
import { fstatSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { backupFile, writeFileAtomic } from '../fs/atomic-write.js';
import { errnoWords } from '../fs/errno-words.js';
import { readUserFileBytes, USER_FILE_LIMITS } from '../fs/read-user-file.js';
import { setStacksPrivateKey } from '../keys/config-edit.js';
import { signerConfigTemplate } from '../keys/config-template.js';
import { describeOnlineState, externalInterfaces, ipv4DefaultRoutes, ipv6DefaultRoutes } from '../keys/online-state.js';
import { parsePasswd } from '../parsers/passwd.js';
import { fingerprint } from '../stacks/fingerprint.js';
import { looksLikePlaceholder, parsePrivateKeyHex, type StacksNetwork, signerIdentity } from '../stacks/keys.js';
import { UsageError } from './usage-error.js';

export interface ServiceUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user from /etc/passwd (its primary group becomes the file's group). */
export function resolveUser(name: string): ServiceUser {
  const entry = parsePasswd(readFileSync('/etc/passwd', 'utf8')).entries.find((user) => user.name === name);
  if (!entry) throw new UsageError(`--user ${name}: no such user in /etc/passwd`);
  return { name: entry.name, uid: entry.uid, gid: entry.gid };
}

export function userName(uid: number): string {
  const entry = parsePasswd(readFileSync('/etc/passwd', 'utf8')).entries.find((user) => user.uid === uid);
  return entry?.name ?? String(uid);
}

export interface ExistingConfig {
  text: string;
  uid: number;
  gid: number;
}

/**
 * The config's text, or undefined when there is none yet. Directories and non-UTF-8 files are refused; so are symlinks
 * when the config is to be written (`forWriting`), since reading one to show a public key changes nothing.
 */
export function readSignerConfig(path: string, { forWriting = true } = {}): ExistingConfig | undefined {
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = forWriting ? lstatSync(path) : statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw configError(path, error);
    try {
      if (!lstatSync(dirname(path)).isDirectory()) throw new UsageError(`${dirname(path)} is not a directory`);
    } catch (dirError) {
      if (dirError instanceof UsageError) throw dirError;
      throw new UsageError(`${path}: its directory ${dirname(path)} does not exist`);
    }
    return undefined;
  }
  // Replacing a symlink would swap the link for a file and leave its target, which the signer may read, unchanged.
  if (stats.isSymbolicLink()) throw new UsageError(`${path} is a symlink: pass the path of the file it points to`);
  if (!stats.isFile()) throw new UsageError(`${path} is not a regular file`);
  // Checked again on the opened descriptor, with a size bound: the path may have changed since the lstat.
  const bytes = readUserFileBytes(path, { label: `--config ${path}`, maxBytes: USER_FILE_LIMITS['--config'] });
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text, uid: stats.uid, gid: stats.gid };
  } catch {
    throw new UsageError(`${path} is not UTF-8 text, so not a TOML config; nothing was written`);
  } finally {
    bytes.fill(0);
  }
}

function configError(path: string, error: unknown): UsageError {
  return new UsageError(`${path}: cannot read it: ${errnoWords(error)}`);
}

export type ExistingKey = { kind: 'none' } | { kind: 'key'; bytes: Uint8Array } | { kind: 'invalid'; message: string };

/** What `stacks_private_key` holds now. An empty value or a template placeholder counts as no key. */
export function classifyExistingKey(previous: string | undefined): ExistingKey {
  if (previous === undefined || previous.trim() === '' || looksLikePlaceholder(previous)) return { kind: 'none' };
  const parsed = parsePrivateKeyHex(previous);
  if (!parsed.ok) return { kind: 'invalid', message: parsed.message };
  return { kind: 'key', bytes: parsed.bytes };
}

export interface InstallRequest {
  configPath: string;
  /** The key as the config will hold it (64 or 66 hex). A secret. */
  keyHex: string;
  network: StacksNetwork | undefined;
  user: ServiceUser | undefined;
  rotate: boolean;
}

export interface PreparedInstall {
  text: string;
  created: boolean;
  line: number;
  network: StacksNetwork;
  uid: number;
  gid: number;
  previous: ExistingKey;
  existing: ExistingConfig | undefined;
}

/** Everything short of writing: the new text, owner, and whether a key would be replaced. Throws UsageError to refuse. */
export function prepareInstall(request: InstallRequest, existing: ExistingConfig | undefined): PreparedInstall {
  const { configPath, keyHex, user } = request;
  if (!existing) {
    const network = request.network ?? 'mainnet';
    const text = signerConfigTemplate(network, keyHex);
    const line = text.split('\n').findIndex((l) => l.startsWith('stacks_private_key')) + 1;
    const uid = user?.uid ?? process.getuid?.() ?? 0;
    const gid = user?.gid ?? process.getgid?.() ?? 0;
    return { text, created: true, line, network, uid, gid, previous: { kind: 'none' }, existing };
  }
  const edit = setStacksPrivateKey(existing.text, keyHex);
  if (!edit.ok) throw new UsageError(`${configPath}: ${edit.message}; nothing was written`);
  const previous = classifyExistingKey(edit.previous);
  const configured = networkOf(existing.text);
  if (request.network && configured && request.network !== configured)
    throw new UsageError(`--network ${request.network}, but ${configPath} says network = "${configured}"`);
  if (previous.kind !== 'none' && !request.rotate) {
    const what =
      previous.kind === 'key'
        ? `a key (public key ${signerIdentity(previous.bytes, 'mainnet').publicKeyHex}, fingerprint ${fingerprint(previous.bytes)})`
        : `a value in stacks_private_key (${previous.message})`;
    throw new UsageError(
      `${configPath} already holds ${what}; pass --rotate to replace it (the old config is backed up first)`,
    );
  }
  return {
    text: edit.text,
    created: false,
    line: edit.line,
    network: request.network ?? configured ?? 'mainnet',
    uid: user?.uid ?? existing.uid,
    gid: user?.gid ?? existing.gid,
    previous,
    existing,
  };
}

function networkOf(text: string): StacksNetwork | undefined {
  const match = /^[ \t]*network[ \t]*=[ \t]*["'](mainnet|testnet|mocknet)["']/m.exec(text);
  return match?.[1] as StacksNetwork | undefined;
}

export interface InstallResult {
  backupPath: string | undefined;
}

/** Backs the old config up (when a key is replaced), then writes the new text: 600, owner set before the content. */
export function commitInstall(configPath: string, prepared: PreparedInstall): InstallResult {
  const backupPath = prepared.previous.kind !== 'none' ? backupFile(configPath, { mode: 0o600 }) : undefined;
  const bytes = Buffer.from(prepared.text, 'utf8');
  try {
    writeFileAtomic(configPath, bytes, { mode: 0o600, uid: prepared.uid, gid: prepared.gid });
  } catch (error) {
    throw new UsageError(`${configPath}: cannot write it: ${errnoWords(error)}; the file is unchanged`);
  } finally {
    bytes.fill(0);
  }
  return { backupPath };
}

/** Live machine state, read from the kernel's tables; undefined when offline. Files that can't be read count as no route. */
export function onlineWarning(): string | undefined {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  return describeOnlineState({
    defaultRoutes: [...ipv4DefaultRoutes(read('/proc/net/route')), ...ipv6DefaultRoutes(read('/proc/net/ipv6_route'))],
    interfaces: externalInterfaces(networkInterfaces()),
  });
}

/**
 * Checked before a key is generated or restored: warns on stderr (or refuses with --require-offline) when the machine is
 * online, and when stdout is a file others can read (the output holds no key, but ties the address to this operator).
 */
export function preflightWarnings(requireOffline: boolean): void {
  const online = onlineWarning();
  if (online && requireOffline) throw new UsageError(`--require-offline: ${online}`);
  if (online) process.stderr.write(`signer-opsec: warning: ${online}; generate and handle signer keys offline\n`);
  if (process.stdout.isTTY) return;
  try {
    const stats = fstatSync(1);
    if (stats.isFile() && (stats.mode & 0o044) !== 0)
      process.stderr.write(
        `signer-opsec: warning: standard output is a file readable by others (mode ${(stats.mode & 0o777).toString(8)}); it will hold the public key and address\n`,
      );
  } catch {
    // stdout closed: nothing will be printed anyway.
  }
}

export function ownerLabel(uid: number, gid: number): string {
  return `${userName(uid)} (uid ${uid}, gid ${gid})`;
}

/** Public facts of a config key, for printing. */
/** Public facts of a key for --format json: never the key itself. */
export function keyFacts(keyBytes: Uint8Array, network: StacksNetwork) {
  const identity = signerIdentity(keyBytes, network);
  return { publicKey: identity.publicKeyHex, address: identity.address, network, fingerprint: fingerprint(keyBytes) };
}

export function describeKey(keyBytes: Uint8Array, network: StacksNetwork): string[] {
  const identity = signerIdentity(keyBytes, network);
  return [
    `  public key   ${identity.publicKeyHex}`,
    `  address      ${identity.address} (${network})`,
    `  fingerprint  ${fingerprint(keyBytes)}`,
  ];
}
