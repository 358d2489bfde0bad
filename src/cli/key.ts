// signer-opsec key show|backup|restore: the signer key's public facts, and its encrypted keystore.

import { bytesToHex } from '@noble/hashes/utils.js';
import { readOptionFile } from '../fs/read-user-file.js';
import {
  checkKeystoreIdentity,
  decryptKeystore,
  encryptKeystore,
  type Keystore,
  KeystoreError,
  parseKeystore,
} from '../keys/keystore.js';
import { parseSignerConfig } from '../parsers/signer-config.js';
import { fingerprint } from '../stacks/fingerprint.js';
import {
  compressedPublicKey,
  looksLikePlaceholder,
  parsePrivateKeyHex,
  type StacksNetwork,
  signerAddress,
} from '../stacks/keys.js';
import { CommandOutput } from './command-output.js';
import {
  commitInstall,
  describeKey,
  keyFacts,
  ownerLabel,
  preflightWarnings,
  prepareInstall,
  readSignerConfig,
} from './key-config.js';
import {
  optionalUser,
  PROBE_KEY_HEX,
  parseNetwork,
  requireOption,
  rotationNotes,
  writeKeystoreFile,
} from './keygen.js';
import type { KEY_BACKUP_OPTIONS, KEY_RESTORE_OPTIONS, KEY_SHOW_OPTIONS, Parsed } from './options.js';
import { obtainPassphrase } from './passphrase.js';
import { UsageError } from './usage-error.js';
import { writeFileAtomic } from './write-output.js';

interface ConfigKey {
  /** The key bytes as the config holds them (32, or 33 ending in 01). A secret: zero after use. */
  configKey: Uint8Array;
  line: number | undefined;
  network: StacksNetwork | undefined;
}

/** The key of a signer config, parsed as the signer parses it; every problem is a UsageError naming the line. */
function readConfigKey(path: string): ConfigKey {
  const existing = readSignerConfig(path, { forWriting: false });
  if (!existing) throw new UsageError(`${path}: no such file`);
  const parsed = parseSignerConfig(existing.text);
  if (!parsed.ok) {
    const { message, line } = parsed.error;
    throw new UsageError(`${path}${line !== undefined ? `:${line}` : ''}: ${message}`);
  }
  const raw = parsed.config.raw.stacks_private_key;
  const line = parsed.lineOf('stacks_private_key');
  const where = `${path}${line !== undefined ? `:${line}` : ''}`;
  if (raw === undefined) throw new UsageError(`${path}: no stacks_private_key`);
  if (typeof raw !== 'string') throw new UsageError(`${where}: stacks_private_key is not a string`);
  if (looksLikePlaceholder(raw)) throw new UsageError(`${where}: stacks_private_key is a placeholder, not a key`);
  const key = parsePrivateKeyHex(raw);
  if (!key.ok) throw new UsageError(`${where}: ${key.message}`);
  const configKey = key.compressedSuffix ? Uint8Array.from([...key.bytes, 1]) : key.bytes;
  return { configKey, line, network: parsed.config.network };
}

function readKeystoreFile(path: string): Keystore {
  const text = readOptionFile('--keystore', path);
  try {
    const keystore = parseKeystore(JSON.parse(text));
    checkKeystoreIdentity(keystore);
    return keystore;
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`${path}: not JSON, so not a keystore`);
    if (error instanceof KeystoreError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

interface PublicFacts {
  source: { kind: 'config' | 'keystore'; path: string; line?: number };
  publicKey: string;
  addresses: { mainnet: string; testnet: string };
  fingerprint: string;
  keyForm: '64-hex' | '66-hex';
  network?: StacksNetwork;
  /** Keystore only: whether the key was decrypted and matched. The metadata alone is unauthenticated. */
  verified?: boolean;
}

/** Decrypts the keystore and checks its clear metadata (public key, addresses, fingerprint) against the key. */
async function verifyKeystore(path: string, keystore: Keystore, passphraseFile: string | undefined): Promise<void> {
  const passphrase = await obtainPassphrase(passphraseFile, 'decrypt');
  let configKey: Uint8Array;
  try {
    configKey = await decryptKeystore(keystore, passphrase);
  } catch (error) {
    if (error instanceof KeystoreError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
  try {
    if (fingerprint(configKey.subarray(0, 32)) !== keystore.fingerprint)
      throw new UsageError(`${path}: its "fingerprint" does not match the encrypted key; the metadata was changed`);
  } finally {
    configKey.fill(0);
  }
}

async function show({ values }: Parsed<typeof KEY_SHOW_OPTIONS>): Promise<number> {
  if ((values.config === undefined) === (values.keystore === undefined))
    throw new UsageError('key show: pass exactly one of --config FILE or --keystore FILE');
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format ${values.format}: expected text or json`);
  const verify = values.verify || values['passphrase-file'] !== undefined;
  if (verify && values.keystore === undefined)
    throw new UsageError('key show: --verify and --passphrase-file apply to --keystore only');
  let facts: PublicFacts;
  if (values.config !== undefined) {
    const { configKey, line, network } = readConfigKey(values.config);
    try {
      // The signer's semantics: always the compressed public key, whatever the key's length.
      const publicKey = compressedPublicKey(configKey.subarray(0, 32));
      facts = {
        source: { kind: 'config', path: values.config, ...(line !== undefined ? { line } : {}) },
        publicKey: bytesToHex(publicKey),
        addresses: { mainnet: signerAddress(publicKey, 'mainnet'), testnet: signerAddress(publicKey, 'testnet') },
        fingerprint: fingerprint(configKey.subarray(0, 32)),
        keyForm: configKey.length === 33 ? '66-hex' : '64-hex',
        ...(network ? { network } : {}),
      };
    } finally {
      configKey.fill(0);
    }
  } else {
    const path = values.keystore as string;
    const keystore = readKeystoreFile(path);
    if (verify) await verifyKeystore(path, keystore, values['passphrase-file']);
    facts = {
      source: { kind: 'keystore', path },
      publicKey: keystore.publicKey,
      addresses: { ...keystore.addresses },
      fingerprint: keystore.fingerprint,
      keyForm: keystore.ciphertext.length === 66 ? '66-hex' : '64-hex',
      verified: verify,
    };
  }
  if (values.format === 'json') {
    emitText(`${JSON.stringify(facts, null, 2)}\n`, values.output);
    return 0;
  }
  const where = `${facts.source.path}${facts.source.line !== undefined ? `:${facts.source.line}` : ''}`;
  const form = facts.keyForm === '66-hex' ? '66 hex, compressed marker 01' : '64 hex; the signer compresses it';
  const lines = [
    `Signer key in ${facts.source.kind === 'keystore' ? 'keystore ' : ''}${where} (${form})`,
    `  public key   ${facts.publicKey}`,
    `  mainnet      ${facts.addresses.mainnet}${facts.network === 'mainnet' ? '  (the config network)' : ''}`,
    `  testnet      ${facts.addresses.testnet}${facts.network && facts.network !== 'mainnet' ? `  (the config network: ${facts.network})` : ''}`,
    `  fingerprint  ${facts.fingerprint}`,
    ...(facts.verified === undefined
      ? []
      : [
          facts.verified
            ? "  (decrypted with the passphrase: the key matches the keystore's metadata)"
            : "  (from the keystore's metadata; not verified without the passphrase: pass --verify or --passphrase-file)",
        ]),
  ];
  emitText(`${lines.join('\n')}\n`, values.output);
  return 0;
}

function emitText(text: string, output: string | undefined): void {
  if (output !== undefined) writeFileAtomic(output, text);
  else process.stdout.write(text);
}

async function backup({ values }: Parsed<typeof KEY_BACKUP_OPTIONS>): Promise<number> {
  const configPath = requireOption(values.config, '--config', 'key backup');
  const keystorePath = requireOption(values.keystore, '--keystore', 'key backup');
  const { configKey, network } = readConfigKey(configPath);
  try {
    const passphrase = await obtainPassphrase(values['passphrase-file'], 'encrypt');
    const keystore = await encryptKeystore(configKey, passphrase);
    writeKeystoreFile(keystorePath, `${JSON.stringify(keystore, null, 2)}\n`);
    const lines = [
      `Wrote the encrypted keystore ${keystorePath} (mode 600) for:`,
      ...describeKey(configKey.subarray(0, 32), network ?? 'mainnet'),
    ];
    lines.push('Store it offline; restore with `signer-opsec key restore --keystore FILE --config FILE`.');
    const out = new CommandOutput('key backup', values);
    for (const line of lines) out.line(line);
    return out.finish(0, {
      config: configPath,
      keystore: keystorePath,
      key: keyFacts(configKey.subarray(0, 32), network ?? 'mainnet'),
    });
  } finally {
    configKey.fill(0);
  }
}

async function restore({ values }: Parsed<typeof KEY_RESTORE_OPTIONS>): Promise<number> {
  const keystorePath = requireOption(values.keystore, '--keystore', 'key restore');
  const configPath = requireOption(values.config, '--config', 'key restore');
  const network = parseNetwork(values.network);
  const user = optionalUser(values.user);
  const keystore = readKeystoreFile(keystorePath);
  const existing = readSignerConfig(configPath);
  const request = { configPath, network, user, rotate: values.rotate };
  const probe = prepareInstall({ ...request, rotate: true, keyHex: PROBE_KEY_HEX }, existing);
  if (probe.previous.kind === 'key' && bytesToHex(compressedPublicKey(probe.previous.bytes)) === keystore.publicKey) {
    const out = new CommandOutput('key restore', values);
    out.line(`${configPath} already holds the keystore's key (public key ${keystore.publicKey}); nothing written.`);
    return out.finish(0, { config: configPath, keystore: keystorePath, status: 'unchanged' });
  }
  prepareInstall({ ...request, keyHex: PROBE_KEY_HEX }, existing);
  preflightWarnings(values['require-offline']);
  const passphrase = await obtainPassphrase(values['passphrase-file'], 'decrypt');
  let configKey: Uint8Array;
  try {
    configKey = await decryptKeystore(keystore, passphrase);
  } catch (error) {
    if (error instanceof KeystoreError) throw new UsageError(`${keystorePath}: ${error.message}; nothing was written`);
    throw error;
  }
  try {
    const prepared = prepareInstall({ ...request, keyHex: bytesToHex(configKey) }, existing);
    const result = commitInstall(configPath, prepared);
    const lines = [
      `${prepared.created ? 'Created' : 'Updated'} ${configPath} with the key from ${keystorePath} (stacks_private_key, line ${prepared.line}; mode 600, owner ${ownerLabel(prepared.uid, prepared.gid)}).`,
      ...describeKey(configKey.subarray(0, 32), prepared.network),
      ...rotationNotes(prepared.previous, prepared.network, result.backupPath),
    ];
    const out = new CommandOutput('key restore', values);
    for (const line of lines) out.line(line);
    return out.finish(0, {
      config: configPath,
      keystore: keystorePath,
      status: 'restored',
      key: keyFacts(configKey.subarray(0, 32), prepared.network),
    });
  } finally {
    configKey.fill(0);
  }
}

const SUBCOMMANDS = { show, backup, restore } as const;

export async function keyCommand(parsed: Parsed<never>, sub: string | undefined): Promise<number> {
  const run =
    sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS] : undefined;
  if (!run) throw new UsageError(`key: expected show, backup or restore${sub ? `, not "${sub}"` : ''} (try --help)`);
  return await run(parsed);
}
