import { type ParseArgsConfig, parseArgs } from 'node:util';
import { allChecks } from '../checks/index.js';
import { AuditContext } from '../engine/context.js';
import { runChecks } from '../engine/runner.js';
import { SEVERITIES, type Severity } from '../engine/types.js';
import { buildReport, describeDiscovery } from '../report/build.js';
import { formatters } from '../report/index.js';
import { openTarget } from '../target/open.js';
import { formatCatalogue } from './catalogue.js';
import { selectChecks } from './select.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';
import { writeFileAtomic } from './write-output.js';

const HELP = `signer-opsec — OpSec audit for Stacks signer hosts

Usage:
  signer-opsec audit [options]     audit this host, or another system's root with --root
  signer-opsec checks [--format text|json]
                                   list the control catalogue
  signer-opsec --version | --help

Audit options:
  --root DIR|FILE.tar     audit a directory holding a system's root, or a tar of one (docker export);
                          default: the live host (/)
  --format text|json      report format (default text)
  --output FILE           write the report to FILE (atomically) instead of standard output
  --fail-on SEVERITY      exit 1 when a control of this severity or higher fails:
                          critical|high|medium|low|info|none (default high)
  --only ID|FAMILY        run only these controls (repeatable, comma-separated)
  --skip ID|FAMILY        skip these controls (repeatable, comma-separated)
  --signer-config PATH    the signer config inside the target (skips discovery)
  --node-config PATH      the node config inside the target
  --signer-unit NAME      the signer's systemd unit (e.g. stacks-signer.service)
  --node-unit NAME        the node's systemd unit
  --color / --no-color    force colour on or off (default: on when writing to a terminal, unless NO_COLOR)

Exit codes: 0 nothing at or above --fail-on failed · 1 something did · 2 usage or tool error, or a control
could not be evaluated because of an error (the report says which and why).
`;

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
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

function parseFailOn(value: string): Severity | 'none' {
  if (value === 'none' || (SEVERITIES as readonly string[]).includes(value)) return value as Severity | 'none';
  throw new UsageError(`--fail-on ${value}: expected one of ${SEVERITIES.join(', ')}, none`);
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

async function audit(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: AUDIT_OPTIONS, strict: true, allowPositionals: false });
  const format = values.format;
  if (!(format in formatters))
    throw new UsageError(`--format ${format}: expected one of ${Object.keys(formatters).join(', ')}`);
  const failOn = parseFailOn(values['fail-on']);
  const checks = selectChecks(allChecks, values.only ?? [], values.skip ?? []);
  const started = performance.now();
  const target = await openTarget(values.root);
  const ctx = new AuditContext(target, {
    ...(values['signer-config'] ? { signerConfig: values['signer-config'] } : {}),
    ...(values['node-config'] ? { nodeConfig: values['node-config'] } : {}),
    ...(values['signer-unit'] ? { signerUnit: values['signer-unit'] } : {}),
    ...(values['node-unit'] ? { nodeUnit: values['node-unit'] } : {}),
  });
  const results = await runChecks(checks, ctx);
  const discovered = describeDiscovery(await ctx.discovery());
  const report = buildReport({
    version: toolVersion(),
    target,
    discovered,
    results,
    failOn,
    durationMs: performance.now() - started,
  });
  // Mask before formatting: no formatter ever sees a secret value.
  const masked = ctx.secrets.maskDeep(report);
  const formatter = formatters[format as keyof typeof formatters];
  emit(formatter(masked, { color: useColor(values, values.output !== undefined) }), values.output);
  return report.summary.exitCode;
}

function checksCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'text' } }, strict: true });
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format ${values.format}: expected text or json`);
  process.stdout.write(formatCatalogue(allChecks, values.format));
  return 0;
}

/** The only place that picks an exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'audit':
        return await audit(rest);
      case 'checks':
        return checksCommand(rest);
      case '--version':
      case '-V':
        process.stdout.write(`${toolVersion()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (try --help)`);
    }
  } catch (error) {
    const known = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`signer-opsec: ${message}\n`);
    if (!known && process.env.SIGNER_OPSEC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}
