// The machine-readable report. Keys are rebuilt in the contract's order so output is stable whatever built the report.

import { type Evidence, SEVERITIES, STATUSES } from '../engine/types.js';
import { docsPage } from './docs-page.js';
import type {
  AuditReport,
  Discovered,
  DiscoveredService,
  Formatter,
  ReportResult,
  ReportSummary,
  ReportWaivers,
  ResultWaiver,
} from './types.js';

function orderedEvidence(evidence: Evidence): Evidence {
  return { file: evidence.file, line: evidence.line, detail: evidence.detail };
}

function orderedService(service: DiscoveredService | undefined): DiscoveredService | undefined {
  if (!service) return undefined;
  const { unit, container } = service;
  return {
    role: service.role,
    source: service.source,
    unit: unit && { name: unit.name, path: unit.path, dropIns: [...unit.dropIns] },
    container: container && { file: container.file, service: container.service, image: container.image },
    configPath: service.configPath,
    configStatus: service.configStatus,
    binary: service.binary,
    user: service.user,
    notes: [...service.notes],
  };
}

function orderedDiscovered(discovered: Discovered): Discovered {
  return {
    signer: orderedService(discovered.signer),
    node: orderedService(discovered.node),
    notes: [...discovered.notes],
  };
}

function orderedSummary(summary: ReportSummary): ReportSummary {
  return {
    total: summary.total,
    byStatus: Object.fromEntries(STATUSES.map((s) => [s, summary.byStatus[s] ?? 0])) as ReportSummary['byStatus'],
    failedBySeverity: Object.fromEntries(
      SEVERITIES.map((s) => [s, summary.failedBySeverity[s] ?? 0]),
    ) as ReportSummary['failedBySeverity'],
    score: summary.score,
    failOn: summary.failOn,
    exitCode: summary.exitCode,
    durationMs: summary.durationMs,
    waived: {
      total: summary.waived.total,
      byStatus: Object.fromEntries(
        STATUSES.map((s) => [s, summary.waived.byStatus[s] ?? 0]),
      ) as ReportSummary['byStatus'],
    },
  };
}

function orderedWaiver(waiver: ResultWaiver | undefined): ResultWaiver | undefined {
  if (!waiver) return undefined;
  return {
    state: waiver.state,
    justification: waiver.justification,
    expires: waiver.expires,
    file: waiver.file,
    line: waiver.line,
  };
}

function orderedWaivers(waivers: ReportWaivers): ReportWaivers {
  return {
    file: waivers.file,
    entries: waivers.entries.map((entry) => ({
      id: entry.id,
      justification: entry.justification,
      expires: entry.expires,
      hosts: entry.hosts,
      run: entry.run,
      line: entry.line,
      state: entry.state,
    })),
  };
}

export function orderedResult(result: ReportResult): ReportResult {
  return {
    id: result.id,
    title: result.title,
    family: result.family,
    threats: [...result.threats],
    severity: result.severity,
    status: result.status,
    message: result.message,
    evidence: result.evidence.map(orderedEvidence),
    remediation: result.remediation,
    references: [...result.references],
    docs: docsPage(result.id),
    severityReason: result.severityReason,
    data: result.data,
    waiver: orderedWaiver(result.waiver),
  };
}

/** The report as the contract orders it; undefined optional fields disappear when serialised. */
export function orderedReport(report: AuditReport): AuditReport {
  return {
    schemaVersion: report.schemaVersion,
    tool: { name: report.tool.name, version: report.tool.version },
    target: {
      kind: report.target.kind,
      source: report.target.source,
      live: report.target.live,
      host: report.target.host,
    },
    generatedAt: report.generatedAt,
    discovered: orderedDiscovered(report.discovered),
    waivers: orderedWaivers(report.waivers),
    summary: orderedSummary(report.summary),
    results: report.results.map(orderedResult),
  };
}

export const formatJson: Formatter = (report) => JSON.stringify(orderedReport(report), null, 2) + '\n';
