// The refusal that runs before any control, on every host (local, --host, each fleet host, in a fleet worker too).
import { UsageError } from '../cli/usage-error.js';
import { loadUnit } from '../discovery/units.js';
import type { AuditContext } from '../engine/context.js';
import type { Target } from '../target/types.js';

/** The audit flags the refusal reads: plain data, so a fleet worker thread can rebuild the same refusal. */
export interface EmptyAuditFlags {
  'signer-config'?: string | undefined;
  'node-config'?: string | undefined;
  'signer-unit'?: string | undefined;
  'node-unit'?: string | undefined;
  'allow-empty'?: boolean | undefined;
}

/**
 * Fail closed before any control runs: a named --signer-config/--signer-unit/… that is not in the target is a typo
 * (discovery would otherwise fall back and audit something else, or nothing); a target holding neither a signer nor a
 * node is the wrong directory, and a report of N/A rows must not pass a CI job. A node-only host (the signer runs
 * elsewhere) is a real topology and audits normally.
 */
export async function refuseEmptyAudit(ctx: AuditContext, target: Target, values: EmptyAuditFlags): Promise<void> {
  const where = target.kind === 'live' ? 'this host' : target.source;
  for (const flag of ['signer-unit', 'node-unit'] as const) {
    const name = values[flag];
    if (name !== undefined && !(await loadUnit(target, name)))
      throw new UsageError(
        `--${flag} ${name}: no such systemd unit in ${where} (check the name: systemctl list-units)`,
      );
  }
  const discovery = await ctx.discovery();
  for (const [flag, service] of [
    ['signer-config', discovery.signer],
    ['node-config', discovery.node],
  ] as const) {
    const path = values[flag];
    if (path !== undefined && (!service || service.config.status === 'missing'))
      throw new UsageError(`--${flag} ${path}: no such file in ${where} (paths are inside the target)`);
  }
  if (!discovery.signer && !discovery.node && !values['allow-empty']) {
    throw new UsageError(
      `nothing to audit here: no signer and no node found in ${where} (no systemd unit, well-known config or container); ` +
        'name them with --signer-config/--signer-unit, audit a tar or root with --root, or pass --allow-empty',
    );
  }
}
