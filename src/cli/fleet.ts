// CLI glue for `audit --inventory`: option entries, then calls into the fleet modules (`audit --host`: host-target.ts).

import { fleetChecks } from '../checks/fleet/index.js';
import { runFleetCheck } from '../engine/define-fleet-check.js';
import { buildFleetReport } from '../fleet/build.js';
import { type FleetRunOptions, runFleet } from '../fleet/run-fleet.js';
import { fleetWeight } from '../fleet/weight.js';
import { readOptionFile } from '../fs/read-user-file.js';
import { applyLimit, hostConnection, parseInventory } from '../parsers/ansible-inventory.js';
import { formatFleetJson } from '../report/fleet-json.js';
import { formatFleetText } from '../report/fleet-text.js';
import { formatFleetHtml } from '../report/html/index.js';
import { hostTimeoutMs, positiveInteger, type RemoteFlags } from './host-connect.js';
import { loadStackerSetForFleet } from './threat.js';
import { UsageError } from './usage-error.js';

export const REMOTE_OPTIONS = {
  host: { type: 'string' },
  become: { type: 'boolean' },
  'ssh-config': { type: 'string' },
  'host-timeout': { type: 'string' },
  inventory: { type: 'string' },
  limit: { type: 'string' },
  forks: { type: 'string' },
  'stacker-set': { type: 'string' },
  node: { type: 'string' },
  cycle: { type: 'string' },
} as const;

export type { RemoteFlags } from './host-connect.js';

const DEFAULT_FORKS = 10;

export async function auditFleet(
  flags: RemoteFlags,
  options: Omit<FleetRunOptions, 'forks' | 'hostTimeoutMs' | 'sshConfig' | 'become'>,
  format: string,
): Promise<{ text: string; exitCode: number }> {
  if (format !== 'text' && format !== 'json' && format !== 'html')
    throw new UsageError(`--format ${format}: a fleet report is text, json or html`);
  const path = flags.inventory!;
  const text = readOptionFile('--inventory', path);
  const parsed = parseInventory(text, path);
  if (!parsed.ok) throw new UsageError(`--inventory ${path}${parsed.line ? `:${parsed.line}` : ''}: ${parsed.reason}`);
  const limited = applyLimit(parsed.inventory, flags.limit);
  if (!limited.ok) throw new UsageError(limited.reason);
  if (limited.hosts.length === 0)
    throw new UsageError(`--inventory ${path}: no host to audit${flags.limit ? ` after --limit ${flags.limit}` : ''}`);
  const forks = positiveInteger('--forks', flags.forks, DEFAULT_FORKS, 256);
  // Load the stacker set first: a bad file or an unreachable node is a usage error before any host is contacted.
  const stackerSet = await loadStackerSetForFleet(flags);
  const started = performance.now();
  const run = await runFleet(
    limited.hosts.map((host) => hostConnection(parsed.inventory, host)),
    {
      ...options,
      forks,
      hostTimeoutMs: hostTimeoutMs(flags),
      become: flags.become === true,
      ...(flags['ssh-config'] ? { sshConfig: flags['ssh-config'] } : {}),
    },
  );
  const fleetResults = fleetChecks.map((check) => runFleetCheck(check, run.fleetHosts));
  const weight = stackerSet ? fleetWeight(stackerSet, run.fleetHosts) : undefined;
  const report = buildFleetReport({
    version: options.version,
    inventory: { source: path, ...(flags.limit ? { limit: flags.limit } : {}) },
    hosts: run.outcomes,
    fleetResults,
    failOn: options.failOn,
    durationMs: performance.now() - started,
    ...(weight ? { weight } : {}),
  });
  const output =
    format === 'json'
      ? formatFleetJson(report)
      : format === 'html'
        ? formatFleetHtml(
            report.hosts.flatMap((host) => (host.report ? [{ name: host.name, report: host.report }] : [])),
            {
              notAudited: report.hosts.flatMap((host) =>
                host.report ? [] : [{ name: host.name, reason: host.reason ?? host.status }],
              ),
              fleetResults: report.fleetResults,
            },
          )
        : formatFleetText(report, { color: false });
  return { text: output, exitCode: report.summary.exitCode };
}
