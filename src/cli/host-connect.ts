// `audit --host`: the connection starts as soon as the command line is parsed, while the audit's own modules load, so
// the key exchange and the first requests overlap the start-up instead of following it. openHostTarget takes it.
// Small on purpose (the command table imports it): the SSH target is loaded only when a host is named.

import { parseSshDestination } from '../parsers/ssh-destination.js';
import type { SshTarget, SshTargetOptions } from '../target/ssh-target.js';
import { UsageError } from './usage-error.js';

export interface RemoteFlags {
  host?: string;
  become?: boolean;
  'ssh-config'?: string;
  'host-timeout'?: string;
  inventory?: string;
  limit?: string;
  forks?: string;
  'stacker-set'?: string;
  node?: string;
  cycle?: string;
}

const DEFAULT_HOST_TIMEOUT_S = 300;

export function positiveInteger(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > max)
    throw new UsageError(`${flag} ${value}: expected a whole number from 1 to ${max}`);
  return number;
}

export function hostTimeoutMs(flags: RemoteFlags): number {
  return positiveInteger('--host-timeout', flags['host-timeout'], DEFAULT_HOST_TIMEOUT_S, 86_400) * 1000;
}

/** The connection `--host` asks for; a bad destination or timeout is a UsageError. */
export function hostTargetOptions(flags: RemoteFlags): SshTargetOptions {
  const parsed = parseSshDestination(flags.host ?? '');
  if (!parsed.ok) throw new UsageError(`--host ${flags.host}: ${parsed.reason}`);
  return {
    destination: parsed.destination,
    ...(flags['ssh-config'] ? { configFile: flags['ssh-config'] } : {}),
    become: flags.become === true,
    connectTimeoutMs: Math.min(hostTimeoutMs(flags), 15_000),
  };
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
  const target = import('../target/ssh-target.js').then(({ SshTarget }) =>
    SshTarget.open({ ...options, signal: abort.signal }),
  );
  // Its failure is reported when the audit takes it.
  target.catch(() => {});
  const entry: EarlyTarget = { key: JSON.stringify(options), target };
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
  if (!early || early.key !== JSON.stringify(options)) return undefined;
  const { target } = early;
  early = undefined;
  return target;
}
