// One audit of one target, local or remote, to a masked report: the path `audit`, `audit --host` and every host of
// `audit --inventory` share, so a remote host is judged exactly as a local one.

import { type AuditContext, type AuditOptions, AuditContext as Context } from '../engine/context.js';
import type { Check } from '../engine/define-check.js';
import { runChecks } from '../engine/runner.js';
import type { Severity } from '../engine/types.js';
import { buildReport, describeDiscovery } from '../report/build.js';
import type { AuditReport } from '../report/types.js';
import type { Target } from '../target/types.js';

export interface HostAudit {
  /** Masked: holds no secret value. */
  report: AuditReport;
  /** The run's context, for fleet facts (fingerprints and public keys only leave it). */
  context: AuditContext;
}

export async function auditTarget(
  target: Target,
  options: { checks: readonly Check[]; audit: AuditOptions; failOn: Severity | 'none'; version: string },
): Promise<HostAudit> {
  const started = performance.now();
  const context = new Context(target, options.audit);
  const results = await runChecks(options.checks, context);
  const discovered = describeDiscovery(await context.discovery());
  const report = buildReport({
    version: options.version,
    target,
    discovered,
    results,
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
