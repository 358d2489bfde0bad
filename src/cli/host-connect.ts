// `audit --host`: the connection starts as soon as the command line is parsed, while the audit's own modules load, so
// the key exchange and the first requests overlap the start-up instead of following it. openHostTarget takes it.
// Small on purpose (the command table imports it): the SSH target is loaded only when a host is named.

import type { EarlyMaster } from '../target/ssh-connection.js';
import type { SshTarget, SshTargetOptions } from '../target/ssh-target.js';
import { EARLY_MASTER, type EarlyConnection } from './early-ssh.js';
import { connectionKey, hostTargetOptions, type RemoteFlags } from './host-options.js';

export {
  connectionKey,
  hostTargetOptions,
  hostTimeoutMs,
  positiveInteger,
  type RemoteFlags,
} from './host-options.js';

/**
 * The ssh master bin/signer-opsec.js started before the CLI loaded (early-ssh.ts), when it is the connection these
 * options name: taken once. Any other is ended (a command line it misread).
 */
async function takeEarlyMaster(key: string): Promise<EarlyMaster | undefined> {
  const slot = (globalThis as Record<symbol, Promise<EarlyConnection | undefined> | undefined>)[EARLY_MASTER];
  const early = await slot;
  if (!early || early.taken) return undefined;
  early.taken = true;
  if (early.key === key) return early.master;
  early.discard();
  return undefined;
}

interface EarlyTarget {
  key: string;
  target: Promise<SshTarget>;
}

let early: EarlyTarget | undefined;

/**
 * Starts connecting to the host `audit --host` names (nothing for other flags, or flags the audit will refuse) and
 * returns what ends that connection when the audit never takes it (a usage error found later, say).
 */
export function connectEarly(flags: RemoteFlags & { root?: string }): (() => void) | undefined {
  if (flags.host === undefined || flags.root !== undefined || flags.inventory !== undefined) return undefined;
  let options: SshTargetOptions;
  try {
    options = hostTargetOptions(flags);
  } catch {
    // openHostTarget says what is wrong, in its turn.
    return undefined;
  }
  const abort = new AbortController();
  const target = import('../target/ssh-target.js').then(async ({ SshTarget }) => {
    const master = await takeEarlyMaster(connectionKey(options));
    return SshTarget.open({ ...options, signal: abort.signal }, master);
  });
  // Its failure is reported when the audit takes it.
  target.catch(() => {});
  const entry: EarlyTarget = { key: connectionKey(options), target };
  early = entry;
  return () => {
    if (early !== entry) return;
    early = undefined;
    abort.abort();
    target.then((opened) => opened.close()).catch(() => {});
  };
}

/** The connection connectEarly started for these options, handed over once (the audit then closes it). */
export function takeEarlyTarget(options: SshTargetOptions): Promise<SshTarget> | undefined {
  if (!early || early.key !== connectionKey(options)) return undefined;
  const { target } = early;
  early = undefined;
  return target;
}
