// One audit of one target, local or remote, to a masked report: the path `audit`, `audit --host` and every host of
// `audit --inventory` share, so a remote host is judged exactly as a local one.

import { type AuditContext, type AuditOptions, AuditContext as Context } from '../engine/context.js';
import type { Check } from '../engine/define-check.js';
import { runChecks } from '../engine/runner.js';
import type { Severity } from '../engine/types.js';
import { targetHostName } from '../facts/host/host-name.js';
import { buildReport, describeDiscovery } from '../report/build.js';
import type { AuditReport } from '../report/types.js';
import { attachWaivers, checksToRun, resolveWaivers, utcDay, type WaiverFile } from '../report/waivers.js';
import type { Target } from '../target/types.js';

export interface HostAudit {
  /** Masked: holds no secret value. */
  report: AuditReport;
  /** The run's context, for fleet facts (fingerprints and public keys only leave it). */
  context: AuditContext;
}

export interface AuditTargetOptions {
  checks: readonly Check[];
  audit: AuditOptions;
  failOn: Severity | 'none';
  version: string;
  /** The waivers file read on the auditing machine (never from the target). */
  waivers?: WaiverFile;
  /** The name a waiver's `hosts` glob matches: the inventory name in a fleet; else the target's own. */
  hostName?: string;
  /** Runs before any control, with the run's context: throws to refuse the audit (nothing to audit here). */
  beforeRun?: (context: AuditContext, target: Target) => Promise<void>;
}

export async function auditTarget(target: Target, options: AuditTargetOptions): Promise<HostAudit> {
  const startedAt = new Date();
  const started = performance.now();
  const host = options.hostName ?? (await targetHostName(target));
  const waivers = resolveWaivers(options.waivers, options.checks, host, utcDay(startedAt));
  const context = new Context(target, options.audit);
  await options.beforeRun?.(context, target);
  const ran = await runChecks(checksToRun(options.checks, waivers), context);
  const results = attachWaivers(options.checks, ran, waivers);
  const discovered = describeDiscovery(await context.discovery());
  const report = buildReport({
    version: options.version,
    target,
    ...(host !== undefined ? { host } : {}),
    startedAt,
    discovered,
    results,
    waivers: waivers.report,
    failOn: options.failOn,
    durationMs: performance.now() - started,
  });
  // Mask before formatting: no formatter ever sees a secret value.
  return { report: context.secrets.maskDeep(report), context };
}

/** Rejects after `ms` (then `onTimeout` stops the work: closing the connection fails whatever is pending). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: not finished within ${Math.round(ms / 1000)} s (--host-timeout)`));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
