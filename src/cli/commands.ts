import { allChecks } from '../checks/index.js';
import type { DockerInspectInput } from '../discovery/containers.js';
import type { AuditContext, AuditOptions } from '../engine/context.js';
import { SEVERITIES, type Severity } from '../engine/types.js';
import { auditTarget } from '../fleet/audit-host.js';
import { type EmptyAuditFlags, refuseEmptyAudit } from '../fleet/refuse-empty-audit.js';
import { readOptionFile } from '../fs/read-user-file.js';
import { ADDRESSABLE } from '../harden/planners.js';
import { jsonOverLimits, limitMessage, PARSE_LIMITS } from '../parsers/parse-limits.js';
import { formatters } from '../report/index.js';
import { openTarget } from '../target/open.js';
import type { Target } from '../target/types.js';
import { formatCatalogue } from './catalogue.js';
import type { RemoteFlags } from './host-connect.js';
import type { AUDIT_OPTIONS, CHECKS_OPTIONS, Parsed } from './options.js';
import { terminalProgress } from './progress.js';
import { selectChecks } from './select.js';
import { helpWidth as terminalWidth } from './terminal-width.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';
import { loadWaivers } from './waivers.js';
import { writeFileAtomic } from './write-output.js';

function parseFailOn(value: string): Severity | 'none' {
  if (value === 'none' || (SEVERITIES as readonly string[]).includes(value)) return value as Severity | 'none';
  throw new UsageError(`--fail-on ${value}: expected one of ${SEVERITIES.join(', ')}, none`);
}

/**
 * The output of `docker inspect <ids>` saved on the auditing machine: a JSON array (one object is accepted too).
 * Errors say where, never what: the file holds container environments, which may hold the key.
 */
export function readDockerInspect(path: string): DockerInspectInput {
  const text = readOptionFile('--docker-inspect', path);
  const overLimit = jsonOverLimits(text, PARSE_LIMITS.dockerInspect);
  if (overLimit) throw new UsageError(limitMessage(`--docker-inspect ${path}`, overLimit));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const before = position === undefined ? undefined : text.slice(0, Number(position)).split('\n');
    const where = before ? ` at line ${before.length}, column ${before.at(-1)!.length + 1}` : '';
    throw new UsageError(`--docker-inspect ${path}: not valid JSON${where}`);
  }
  const records = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : undefined;
  if (!records) throw new UsageError(`--docker-inspect ${path}: expected the JSON array docker inspect prints`);
  // A file of something else (an engine config, a compose file as JSON) would otherwise audit no container, silently.
  const notContainer = records.findIndex((record) => !isObject(record) || !isObject(record.Config));
  if (notContainer !== -1) {
    throw new UsageError(
      `--docker-inspect ${path}: entry ${notContainer} is not a container record (no "Config" object); expected the output of docker inspect`,
    );
  }
  return { source: path, records };
}

/** Only the flags the refusal reads: a fleet hands them to its worker threads as plain data. */
function emptyAuditFlags(values: EmptyAuditFlags): EmptyAuditFlags {
  return {
    'signer-config': values['signer-config'],
    'node-config': values['node-config'],
    'signer-unit': values['signer-unit'],
    'node-unit': values['node-unit'],
    'allow-empty': values['allow-empty'],
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** --color/--no-color win; then NO_COLOR (https://no-color.org), FORCE_COLOR, TERM=dumb; then: a terminal. */
export function useColor(color: boolean | undefined, toFile: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (color !== undefined) return color;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return !toFile && process.stdout.isTTY === true;
}

function emit(text: string, output: string | undefined): void {
  if (output) writeFileAtomic(output, text);
  else process.stdout.write(text);
}

export async function audit({ values }: Parsed<typeof AUDIT_OPTIONS>): Promise<number> {
  const format = values.format;
  if (!(format in formatters))
    throw new UsageError(`--format ${format}: expected one of ${Object.keys(formatters).join(', ')}`);
  const failOn = parseFailOn(values['fail-on']);
  if (values['pin-file'] !== undefined && !values['pin-file'].startsWith('/'))
    throw new UsageError(`--pin-file ${values['pin-file']}: must be an absolute path inside the target`);
  const checks = selectChecks(allChecks, values.only ?? [], values.skip ?? []);
  if (checks.length === 0)
    throw new UsageError('--only/--skip leave no control to run: a run that checks nothing must not pass');
  const waivers = await loadWaivers(values, allChecks);
  const auditOptions: AuditOptions = {
    ...(values['signer-config'] ? { signerConfig: values['signer-config'] } : {}),
    ...(values['node-config'] ? { nodeConfig: values['node-config'] } : {}),
    ...(values['signer-unit'] ? { signerUnit: values['signer-unit'] } : {}),
    ...(values['node-unit'] ? { nodeUnit: values['node-unit'] } : {}),
    ...(values['pin-file'] ? { pinFile: values['pin-file'] } : {}),
    ...(values['docker-inspect'] ? { dockerInspect: readDockerInspect(values['docker-inspect']) } : {}),
  };
  const toFile = values.output !== undefined;
  const color = useColor(values.color, toFile);
  const remote = values as RemoteFlags;
  // The key-in-git walk's progress, as `scan --history` shows it: one target at a time, a terminal, no --quiet.
  const progress =
    process.stderr.isTTY && values.quiet !== true && remote.inventory === undefined
      ? terminalProgress(process.stderr)
      : undefined;
  if (progress) auditOptions.onHistoryProgress = progress.update;
  const common = {
    checks,
    audit: auditOptions,
    failOn,
    version: toolVersion(),
    ...(waivers ? { waivers } : {}),
  };
  // Fail closed before any control runs, on every host: see refuseEmptyAudit.
  const beforeRun = (ctx: AuditContext, target: Target) => refuseEmptyAudit(ctx, target, values);
  if (remote.inventory !== undefined) {
    if (values.root !== undefined || remote.host !== undefined)
      throw new UsageError('--inventory audits the hosts it lists: leave out --root and --host');
    const { auditFleet } = await import('./fleet.js');
    const fleet = await auditFleet(remote, { ...common, emptyAudit: emptyAuditFlags(values) }, format);
    emit(fleet.text, values.output);
    return fleet.exitCode;
  }
  if (remote.host !== undefined && values.root !== undefined)
    throw new UsageError('--host and --root name different targets: give one');
  // The remote glue (ssh) is loaded only for --host, and without the fleet's: each start-up loads only what it runs.
  const hostGlue = remote.host !== undefined ? await import('./host-target.js') : undefined;
  const target = hostGlue ? await hostGlue.openHostTarget(remote) : await openTarget(values.root);
  let report: Awaited<ReturnType<typeof auditTarget>>['report'];
  try {
    ({ report } = hostGlue
      ? await hostGlue.runWithHostDeadline(target, remote, () => auditTarget(target, { ...common, beforeRun }))
      : await auditTarget(target, { ...common, beforeRun }));
  } finally {
    progress?.stop();
  }
  const formatter = formatters[format as keyof typeof formatters];
  emit(
    formatter(report, {
      color,
      width: toFile ? 80 : terminalWidth(),
      quiet: values.quiet === true,
      hardenable: [...new Set(Object.values(ADDRESSABLE).flat())],
    }),
    values.output,
  );
  return report.summary.exitCode;
}

export function checksCommand({ values }: Parsed<typeof CHECKS_OPTIONS>): number {
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format ${values.format}: expected text or json`);
  emit(formatCatalogue(allChecks, values.format), values.output);
  return 0;
}
