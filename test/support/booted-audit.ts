// signer-opsec on a booted host: run inside it (live), or from outside on its tree (--root), with the same build.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/example-hosts.js';
import { type BootedHost, type RunResult, TOOL_DIR } from './booted-host.js';

export interface AuditResult {
  id: string;
  status: string;
  message?: string;
  evidence?: unknown;
}

export interface AuditRun {
  code: number;
  results: Map<string, AuditResult>;
  raw: string;
}

/** Controls only a live host can settle: both sides' verdicts are compared only where neither says it can't tell. */
export const LIVE_ONLY = ['topology/listening-sockets', 'binary/running-matches-disk', 'binary/supported-version'];

/** `signer-opsec ARGS` inside the container, as root, with the host's node (Debian 12's is too old). */
export function toolInside(host: BootedHost, args: readonly string[], env: Record<string, string> = {}) {
  return host.exec(`${TOOL_DIR}/node`, [`${TOOL_DIR}/bin/signer-opsec.js`, ...args], { env });
}

export async function liveAudit(host: BootedHost, args: readonly string[] = []): Promise<AuditRun> {
  return parseAudit(await toolInside(host, ['audit', '--format', 'json', ...args]), `live audit of ${host.name}`);
}

export async function offlineAudit(root: string, args: readonly string[] = []): Promise<AuditRun> {
  const result = await new Promise<RunResult>((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot(), 'bin', 'signer-opsec.js'), 'audit', '--root', root, '--format', 'json', ...args],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 128) : 0, stdout, stderr }),
    );
  });
  return parseAudit(result, `offline audit of ${root}`);
}

function parseAudit(result: RunResult, what: string): AuditRun {
  if (result.code > 1)
    throw new Error(`${what} exited ${result.code}: ${result.stderr}${result.stdout.slice(0, 4000)}`);
  let report: { results: AuditResult[] };
  try {
    report = JSON.parse(result.stdout) as { results: AuditResult[] };
  } catch {
    throw new Error(`${what} printed no JSON report: ${result.stderr}${result.stdout.slice(0, 4000)}`);
  }
  return { code: result.code, results: new Map(report.results.map((entry) => [entry.id, entry])), raw: result.stdout };
}

export interface VerdictDifference {
  id: string;
  live: string;
  offline: string;
  liveMessage?: string;
  offlineMessage?: string;
}

/**
 * Differences only the live host can explain: the offline tree shows the configuration, the live host also whether
 * the kernel and cgroup setup enforce it. Each is recognised by the live message saying so.
 */
const EXPLAINED: readonly { id: string; live: string; offline: string; message: RegExp }[] = [
  { id: 'service/egress-restricted', live: 'warn', offline: 'pass', message: /this host may not enforce it/ },
];

/**
 * Controls both sides evaluated (neither `not_evaluable`) whose statuses differ, live-only controls and the
 * explained differences aside.
 */
export function verdictDifferences(live: AuditRun, offline: AuditRun): VerdictDifference[] {
  const differences: VerdictDifference[] = [];
  for (const [id, liveResult] of live.results) {
    if (LIVE_ONLY.includes(id)) continue;
    const offlineResult = offline.results.get(id);
    if (!offlineResult) {
      differences.push({ id, live: liveResult.status, offline: 'missing' });
      continue;
    }
    if (liveResult.status === 'not_evaluable' || offlineResult.status === 'not_evaluable') continue;
    const explained = EXPLAINED.some(
      (entry) =>
        entry.id === id &&
        entry.live === liveResult.status &&
        entry.offline === offlineResult.status &&
        entry.message.test(liveResult.message ?? ''),
    );
    if (liveResult.status !== offlineResult.status && !explained)
      differences.push({
        id,
        live: liveResult.status,
        offline: offlineResult.status,
        ...(liveResult.message ? { liveMessage: liveResult.message } : {}),
        ...(offlineResult.message ? { offlineMessage: offlineResult.message } : {}),
      });
  }
  return differences;
}
