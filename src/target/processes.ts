import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ProcessInfo } from './types.js';

/** Live processes from /proc. Processes that exit while we read, or hide their details, are skipped or partial. */
export function listProcesses(procRoot = '/proc'): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const status = readFileSync(`${procRoot}/${entry}/status`, 'utf8');
      const uidLine = /^Uid:\s+(\d+)/m.exec(status);
      const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
      const argv = readFileSync(`${procRoot}/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.at(-1) === '') argv.pop();
      let exe: string | undefined;
      try {
        exe = readlinkSync(`${procRoot}/${entry}/exe`);
      } catch {
        exe = undefined; // kernel threads and other users' processes without ptrace access
      }
      processes.push({ pid, uid: uidLine ? Number(uidLine[1]) : -1, argv, comm, ...(exe ? { exe } : {}) });
    } catch {
      // the process exited between readdir and read
    }
  }
  return processes;
}
