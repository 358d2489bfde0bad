// https://man7.org/linux/man-pages/man5/proc_pid_exe.5.html — /proc/<pid>/exe is the file the process runs, " (deleted)" once unlinked.

import { posix } from 'node:path';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { fileSha256, locateBinary } from '../../facts/binaries/binary-files.js';
import { appliesToSigner, at, services } from '../../facts/services/discovered-services.js';
import { serviceProcesses } from '../../facts/services/service-user.js';
import type { ProcessInfo, Target } from '../../target/types.js';

const DELETED = ' (deleted)';

export type RunningVerdict =
  | { kind: 'matches'; pid: number; exe: string; sha256: string }
  | { kind: 'differs'; pid: number; exe: string; running: string; onDisk: string }
  | { kind: 'deleted'; pid: number; exe: string }
  | { kind: 'unreadable'; pid: number; reason: string };

/**
 * The core of the control, on its own so a test can drive it with a real child process: each process's running
 * image (the kernel's /proc/<pid>/exe) against the SHA-256 of the file on disk.
 */
export async function compareRunningToDisk(
  target: Target,
  processes: readonly ProcessInfo[],
  diskSha256: (exe: string) => Promise<string>,
): Promise<RunningVerdict[]> {
  const verdicts: RunningVerdict[] = [];
  for (const process of processes) {
    if (!process.exe) {
      verdicts.push({
        kind: 'unreadable',
        pid: process.pid,
        reason: '/proc/<pid>/exe is not readable (no ptrace access)',
      });
      continue;
    }
    // Unlinked or replaced (an upgrade renames a new file over it): the running code is no file on disk any more.
    if (process.exe.endsWith(DELETED)) {
      verdicts.push({ kind: 'deleted', pid: process.pid, exe: process.exe.slice(0, -DELETED.length) });
      continue;
    }
    let running: string;
    let onDisk: string;
    try {
      running = await target.processExecutableSha256(process.pid);
      onDisk = await diskSha256(process.exe);
    } catch (error) {
      verdicts.push({
        kind: 'unreadable',
        pid: process.pid,
        reason: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    verdicts.push(
      running === onDisk
        ? { kind: 'matches', pid: process.pid, exe: process.exe, sha256: running }
        : { kind: 'differs', pid: process.pid, exe: process.exe, running, onDisk },
    );
  }
  return verdicts;
}

export default defineCheck({
  id: 'binary/running-matches-disk',
  title: 'The running signer is the binary its unit starts',
  threats: ['binary-backdoor', 'supply-chain'],
  severity: 'medium',
  liveOnly: true,
  description: [
    'Every check on the binary on disk is worth little if the process holding the key runs something else. On the live',
    "host, each running `stacks-signer` process's executable (the kernel's `/proc/<pid>/exe`, which keeps reading the",
    'original file even after it was replaced) must have the same SHA-256 as the file the signer unit starts (without a',
    'unit: the file at the path it was started from). A ` (deleted)` executable means the file was removed or replaced',
    'since the start, the usual trace of an upgrade without a restart, or of a swapped binary covering its tracks: the',
    'running code can no longer be compared with anything, so it fails until the service is restarted. A process',
    'started from another path with identical content passes (the path is shown). A process whose code could not be',
    'compared (its executable or the unit file unreadable) is an error, never a pass. Offline targets have no processes',
    '(`not_evaluable`); no running signer is `not_applicable`.',
  ].join(' '),
  remediation:
    'Restart the signer (`systemctl restart stacks-signer`) so it runs the installed binary; if the binary on disk is not the one you verified, reinstall it from a verified release first (`signer-opsec verify-release`), then restart.',
  references: [
    'https://man7.org/linux/man-pages/man5/proc_pid_exe.5.html',
    'https://github.com/stacks-network/stacks-core/releases',
  ],
  messages: {
    matches: 'Process {{pid}} runs {{exe}}, identical to {{disk}} on disk (SHA-256 {{hash}}).',
    differs: 'Process {{pid}} runs code (SHA-256 {{running}}) that differs from {{disk}} on disk ({{onDisk}}).',
    deleted: 'Process {{pid}} runs {{exe}}, which was deleted or replaced on disk since it started.',
    unreadable: 'Process {{pid}}: {{reason}}.',
    notRunning: 'No stacks-signer process is running.',
  },
  async applies(ctx) {
    const applies = await appliesToSigner(ctx);
    if (applies !== true) return applies;
    return ctx.target.live ? true : { notEvaluable: 'running processes are only visible on the live host' };
  },
  async run(ctx, report) {
    const { signer } = await services(ctx);
    if (!signer) return;
    const processes = await serviceProcesses(ctx, 'signer');
    if (processes.length === 0) return report.notApplicable('notRunning');
    const location = await locateBinary(ctx.target, signer);
    const unitBinary = location.status === 'found' ? location.path : undefined;
    if (location.status !== 'container' && location.status !== 'unknown') report.evidence(location.evidence);
    const diskPath = (exe: string) => unitBinary ?? posix.normalize(exe);
    const verdicts = await compareRunningToDisk(ctx.target, processes, (exe) => fileSha256(ctx, diskPath(exe)));
    const unread: { pid: number; reason: string; evidence: Evidence }[] = [];
    for (const verdict of verdicts) {
      const evidence = (detail: string): Evidence => at(`/proc/${verdict.pid}/exe`, undefined, detail);
      const { pid } = verdict;
      if (verdict.kind === 'matches') {
        const data = { pid, exe: verdict.exe, disk: diskPath(verdict.exe), hash: verdict.sha256.slice(0, 16) };
        report.pass('matches', data, evidence(`-> ${verdict.exe}`));
      } else if (verdict.kind === 'differs') {
        const data = {
          pid,
          disk: diskPath(verdict.exe),
          running: verdict.running.slice(0, 16),
          onDisk: verdict.onDisk.slice(0, 16),
        };
        report.fail('differs', data, evidence(`-> ${verdict.exe}`));
      } else if (verdict.kind === 'deleted') {
        report.fail('deleted', { pid, exe: verdict.exe }, evidence(`-> ${verdict.exe}${DELETED}`));
      } else unread.push({ pid, reason: verdict.reason, evidence: evidence('not compared') });
    }
    // Fail closed: a process whose code could not be compared may run anything, so it is an error (exit 2), never a
    // warn that `--fail-on` lets pass; a mismatch found in another process stays the verdict, this one in evidence.
    const failed = verdicts.some((verdict) => verdict.kind === 'differs' || verdict.kind === 'deleted');
    for (const { pid, reason, evidence } of unread) {
      if (failed) report.evidence({ ...evidence, detail: `not compared: ${reason}` });
      else report.error('unreadable', { pid, reason }, evidence);
    }
  },
});
