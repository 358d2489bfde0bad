// CLI glue for `audit --host`: the one SSH target it audits, under --host-timeout. Apart from fleet.ts (inventories,
// fleet reports and worker threads), which a single host does not need loaded.

import { withDeadline } from '../fleet/audit-host.js';
import { traceSsh } from '../target/ssh-connection.js';
import { SshTarget } from '../target/ssh-target.js';
import type { Target } from '../target/types.js';
import { hostTargetOptions, hostTimeoutMs, type RemoteFlags, takeEarlyTarget } from './host-connect.js';

/** `--host [ssh://][user@]host[:port]`: connects (an unreachable host is one clear error, exit 2). */
export async function openHostTarget(flags: RemoteFlags): Promise<Target> {
  const options = hostTargetOptions(flags);
  traceSsh('opening the host target');
  try {
    // Usually started already, while this module loaded (connectEarly).
    return await (takeEarlyTarget(options) ?? SshTarget.open(options));
  } catch (error) {
    throw new Error(`--host ${flags.host}: ${(error as { reason?: string }).reason ?? (error as Error).message}`);
  }
}

/** Runs the audit of one target under --host-timeout when it is remote, and closes its connection after. */
export async function runWithHostDeadline<T>(target: Target, flags: RemoteFlags, work: () => Promise<T>): Promise<T> {
  if (!(target instanceof SshTarget)) return work();
  try {
    return await withDeadline(work(), hostTimeoutMs(flags), flags.host ?? target.source, () => target.close());
  } finally {
    traceSsh('audit done');
    target.close();
  }
}
