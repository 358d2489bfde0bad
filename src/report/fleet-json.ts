// The fleet report as JSON (schema/fleet.schema.json): each host's report in the single-host contract's order.
import type { FleetReport } from '../fleet/types.js';
import { orderedReport, orderedResult } from './json.js';

export function formatFleetJson(report: FleetReport): string {
  const ordered: FleetReport = {
    schemaVersion: report.schemaVersion,
    kind: report.kind,
    tool: report.tool,
    inventory: report.inventory,
    summary: report.summary,
    hosts: report.hosts.map((host) => ({
      name: host.name,
      destination: host.destination,
      status: host.status,
      ...(host.reason !== undefined ? { reason: host.reason } : {}),
      ...(host.report ? { report: orderedReport(host.report) } : {}),
    })),
    fleetResults: report.fleetResults.map(orderedResult),
    matrix: report.matrix,
    ...(report.weight ? { weight: report.weight } : {}),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
