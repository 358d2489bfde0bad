// `audit --host`: bin/signer-opsec.js starts the ssh master before it loads the CLI (a one-file bundle of its own,
// dist/bundle/cli/early.cjs), so the key exchange overlaps the loading of the CLI, not only what follows it. The
// command line is read here the simple way (long flags, `--flag value` or `--flag=value`); the CLI parses it fully
// and takes this master only when it names exactly the same connection (host-connect.ts), else ends it. Small on
// purpose: everything it imports loads before the CLI.

import { type EarlyMaster, spawnMaster } from '../target/ssh-connection.js';
import { connectionKey, hostTargetOptions, type RemoteFlags } from './host-options.js';

/** Where the early master waits for the CLI (a global symbol: the CLI is another bundle, with its own modules). */
export const EARLY_MASTER = Symbol.for('signer-opsec.early-ssh-master');

export interface EarlyConnection {
  key: string;
  master: EarlyMaster;
  /** The CLI took it (to use, or to end). */
  taken: boolean;
  /** Ends the master and removes its control directory. */
  discard(): void;
}

/** Flags of `audit` that name the connection, or rule out this one (--root, --inventory: no single host). */
const STRING_FLAGS = new Set(['host', 'ssh-config', 'host-timeout', 'root', 'inventory']);

/** The connection flags of an `audit` command line, or undefined when it is not a plain `audit --host`. */
export function earlyFlags(argv: readonly string[]): (RemoteFlags & { root?: string }) | undefined {
  if (argv[0] !== 'audit') return undefined;
  const flags: Record<string, string | boolean> = {};
  for (let index = 1; index < argv.length; index++) {
    const arg = argv[index]!;
    // Help, the end of the options, or a short flag: left to the CLI.
    if (arg === '--' || arg === '--help' || /^-[^-]/.test(arg)) return undefined;
    if (!arg.startsWith('--')) continue;
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    if (name === 'become' && equals === -1) flags.become = true;
    if (!STRING_FLAGS.has(name)) continue;
    if (name in flags) return undefined;
    if (equals !== -1) flags[name] = arg.slice(equals + 1);
    else {
      const value = argv[++index];
      if (value === undefined) return undefined;
      flags[name] = value;
    }
  }
  if (typeof flags.host !== 'string' || flags.root !== undefined || flags.inventory !== undefined) return undefined;
  return flags as RemoteFlags;
}

/**
 * Starts the ssh master of `audit --host` (nothing for any other command line, or one the audit would refuse) and
 * leaves it at EARLY_MASTER for the CLI. A master the CLI never takes is ended when the process exits.
 */
export function spawnEarly(argv: readonly string[]): EarlyConnection | undefined {
  const flags = earlyFlags(argv);
  if (!flags) return undefined;
  let key: string;
  let master: EarlyMaster;
  try {
    const options = hostTargetOptions(flags);
    key = connectionKey(options);
    master = spawnMaster(options);
  } catch {
    // The CLI reports it, in its turn.
    return undefined;
  }
  const early: EarlyConnection = {
    key,
    master,
    taken: false,
    discard: () => {
      early.taken = true;
      master.discard();
    },
  };
  process.once('exit', () => {
    if (!early.taken) early.discard();
  });
  return early;
}
