import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { allChecks } from '../checks/index.js';
import type { DockerInspectInput } from '../discovery/containers.js';
import type { AuditOptions } from '../engine/context.js';
import { SEVERITIES, type Severity } from '../engine/types.js';
import { auditTarget } from '../fleet/audit-host.js';
import { formatters } from '../report/index.js';
import { openTarget } from '../target/open.js';
import { formatCatalogue } from './catalogue.js';
import { auditFleet, openHostTarget, REMOTE_OPTIONS, type RemoteFlags, runWithHostDeadline } from './fleet.js';
import { selectChecks } from './select.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';
import { loadWaivers } from './waivers.js';
import { writeFileAtomic } from './write-output.js';

const AUDIT_OPTIONS = {
  root: { type: 'string' },
  format: { type: 'string', default: 'text' },
  output: { type: 'string' },
  'fail-on': { type: 'string', default: 'high' },
  only: { type: 'string', multiple: true },
  skip: { type: 'string', multiple: true },
  'signer-config': { type: 'string' },
  'node-config': { type: 'string' },
  'signer-unit': { type: 'string' },
  'node-unit': { type: 'string' },
  'pin-file': { type: 'string' },
  'docker-inspect': { type: 'string' },
  waivers: { type: 'string' },
  'no-waivers': { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  ...REMOTE_OPTIONS,
} satisfies ParseArgsConfig['options'];

function parseFailOn(value: string): Severity | 'none' {
  if (value === 'none' || (SEVERITIES as readonly string[]).includes(value)) return value as Severity | 'none';
  throw new UsageError(`--fail-on ${value}: expected one of ${SEVERITIES.join(', ')}, none`);
}

/**
 * The output of `docker inspect <ids>` saved on the auditing machine: a JSON array (one object is accepted too).
 * Errors say where, never what: the file holds container environments, which may hold the key.
 */
export function readDockerInspect(path: string): DockerInspectInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--docker-inspect ${path}: ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
    );
  }
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function useColor(flags: { color?: boolean; 'no-color'?: boolean }, toFile: boolean): boolean {
  if (flags['no-color']) return false;
  if (flags.color) return true;
  return !toFile && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

function emit(text: string, output: string | undefined): void {
  if (output) writeFileAtomic(output, text);
  else process.stdout.write(text);
}

export async function audit(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: AUDIT_OPTIONS, strict: true, allowPositionals: false });
  const format = values.format;
  if (!(format in formatters))
    throw new UsageError(`--format ${format}: expected one of ${Object.keys(formatters).join(', ')}`);
  const failOn = parseFailOn(values['fail-on']);
  if (values['pin-file'] !== undefined && !values['pin-file'].startsWith('/'))
    throw new UsageError(`--pin-file ${values['pin-file']}: must be an absolute path inside the target`);
  const checks = selectChecks(allChecks, values.only ?? [], values.skip ?? []);
  const waivers = loadWaivers(values, allChecks);
  const auditOptions: AuditOptions = {
    ...(values['signer-config'] ? { signerConfig: values['signer-config'] } : {}),
    ...(values['node-config'] ? { nodeConfig: values['node-config'] } : {}),
    ...(values['signer-unit'] ? { signerUnit: values['signer-unit'] } : {}),
    ...(values['node-unit'] ? { nodeUnit: values['node-unit'] } : {}),
    ...(values['pin-file'] ? { pinFile: values['pin-file'] } : {}),
    ...(values['docker-inspect'] ? { dockerInspect: readDockerInspect(values['docker-inspect']) } : {}),
  };
  const color = useColor(values, values.output !== undefined);
  const remote = values as RemoteFlags;
  if (remote.inventory !== undefined) {
    if (values.root !== undefined || remote.host !== undefined)
      throw new UsageError('--inventory audits the hosts it lists: leave out --root and --host');
    const fleet = await auditFleet(remote, { checks, audit: auditOptions, failOn, version: toolVersion(), ...(waivers ? { waivers } : {}) }, format);
    emit(fleet.text, values.output);
    return fleet.exitCode;
  }
  if (remote.host !== undefined && values.root !== undefined)
    throw new UsageError('--host and --root name different targets: give one');
  const target = remote.host !== undefined ? await openHostTarget(remote) : await openTarget(values.root);
  const { report } = await runWithHostDeadline(target, remote, () =>
    auditTarget(target, { checks, audit: auditOptions, failOn, version: toolVersion(), ...(waivers ? { waivers } : {}) }),
  );
  const formatter = formatters[format as keyof typeof formatters];
  emit(formatter(report, { color }), values.output);
  return report.summary.exitCode;
}

export function checksCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'text' } }, strict: true });
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format ${values.format}: expected text or json`);
  process.stdout.write(formatCatalogue(allChecks, values.format));
  return 0;
}
