// signer-opsec keygen: a new signer key from the OS CSPRNG straight into the signer config (and an encrypted backup),
// printing only its public key and address.
import { unlinkSync } from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { errnoWords } from '../fs/errno-words.js';
import { generatePrivateKey, signerKeyHex } from '../keys/generate.js';
import { encryptKeystore } from '../keys/keystore.js';
import type { StacksNetwork } from '../stacks/keys.js';
import { CommandOutput } from './command-output.js';
import {
  commitInstall,
  describeKey,
  keyFacts,
  ownerLabel,
  preflightWarnings,
  prepareInstall,
  readSignerConfig,
  resolveUser,
  type ServiceUser,
} from './key-config.js';
import type { KEYGEN_OPTIONS, Parsed } from './options.js';
import { obtainPassphrase } from './passphrase.js';
import { UsageError } from './usage-error.js';

/** A syntactically valid stand-in, to find out whether the config can take a key before one is generated. */
export const PROBE_KEY_HEX = `${'0'.repeat(63)}101`;

export function parseNetwork(value: string | undefined): StacksNetwork | undefined {
  if (value === undefined || value === 'mainnet' || value === 'testnet') return value;
  throw new UsageError(`--network ${value}: expected mainnet or testnet`);
}

export function optionalUser(name: string | undefined): ServiceUser | undefined {
  return name === undefined ? undefined : resolveUser(name);
}

export function requireOption(value: string | undefined, name: string, command: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command}: ${name} FILE is required`);
  return value;
}

/** Writes a keystore JSON next to nothing else: 600, never over an existing file. */
export function writeKeystoreFile(path: string, json: string): void {
  try {
    writeFileAtomic(path, json, { mode: 0o600, noClobber: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} already exists: a keystore is never overwritten`);
    throw new UsageError(`${path}: cannot write the keystore: ${errnoWords(error)}`);
  }
}

export async function keygen({ values }: Parsed<typeof KEYGEN_OPTIONS>): Promise<number> {
  const configPath = requireOption(values.config, '--config', 'keygen');
  const network = parseNetwork(values.network);
  const user = optionalUser(values.user);
  if (values['passphrase-file'] !== undefined && values.backup === undefined)
    throw new UsageError('--passphrase-file is only used with --backup FILE');
  const request = { configPath, network, user, rotate: values.rotate };
  const existing = readSignerConfig(configPath);
  // Every refusal (malformed TOML, a key already there, a network mismatch) comes before a key exists.
  prepareInstall({ ...request, keyHex: PROBE_KEY_HEX }, existing);
  preflightWarnings(values['require-offline']);
  const passphrase =
    values.backup !== undefined ? await obtainPassphrase(values['passphrase-file'], 'encrypt') : undefined;

  const privateKey = generatePrivateKey();
  const keyHex = signerKeyHex(privateKey);
  const configKey = hexToBytes(keyHex);
  try {
    const prepared = prepareInstall({ ...request, keyHex }, existing);
    if (values.backup !== undefined && passphrase !== undefined) {
      const keystore = await encryptKeystore(configKey, passphrase);
      writeKeystoreFile(values.backup, `${JSON.stringify(keystore, null, 2)}\n`);
    }
    let result: ReturnType<typeof commitInstall>;
    try {
      result = commitInstall(configPath, prepared);
    } catch (error) {
      // The key never reached the config: a backup of it would be a stray copy of a key nobody uses.
      if (values.backup !== undefined) unlinkSync(values.backup);
      throw error;
    }
    const lines = [
      `${prepared.created ? 'Created' : 'Updated'} ${configPath} with a new signer key (stacks_private_key, line ${prepared.line}; mode 600, owner ${ownerLabel(prepared.uid, prepared.gid)}).`,
      ...describeKey(privateKey, prepared.network),
    ];
    if (values.backup !== undefined) lines.push(`Encrypted backup: ${values.backup} (mode 600). Store it offline.`);
    if (prepared.created)
      lines.push('Fill in node_host, endpoint, auth_password and db_path before starting the signer.');
    lines.push(...rotationNotes(prepared.previous, prepared.network, result.backupPath));
    const out = new CommandOutput('keygen', values);
    for (const line of lines) out.line(line);
    return out.finish(0, {
      config: configPath,
      key: keyFacts(privateKey, prepared.network),
      ...(values.backup !== undefined ? { keystore: values.backup } : {}),
    });
  } finally {
    privateKey.fill(0);
    configKey.fill(0);
  }
}

export function rotationNotes(
  previous: ReturnType<typeof prepareInstall>['previous'],
  network: StacksNetwork,
  backupPath: string | undefined,
): string[] {
  if (previous.kind === 'none') return [];
  const lines = ['Replaced key:'];
  if (previous.kind === 'key') lines.push(...describeKey(previous.bytes, network));
  else lines.push(`  (not a valid key: ${previous.message})`);
  if (backupPath) lines.push(`The old config was backed up to ${backupPath} (mode 600): it holds the old key.`);
  lines.push(
    'Register the new public key as your signer key (stack-stx / stack-extend / stack-aggregation-commit with a new',
    'signer signature): until a cycle with the new key starts, the old key is the one whose weight counts, so rotate',
    'at a cycle boundary or keep the old key signing until then. Then destroy the backup of the old key.',
  );
  return lines;
}
