// The connection options of `audit --host`, from its flags: shared by the CLI and by the connection bin/ starts before
// the CLI has loaded (early-ssh.ts), so that both name the same connection. Small on purpose: it loads first.

import { parseSshDestination } from '../parsers/ssh-destination.js';
import type { SshTargetOptions } from '../target/ssh-target.js';
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

/** What names one connection: an early one is taken only by the audit that asks for exactly it. */
export function connectionKey(options: SshTargetOptions): string {
  return JSON.stringify(options);
}
