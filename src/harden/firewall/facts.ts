// What the firewall planner reads from the target (through ctx.target only): the SSH ports in use, a container
// engine, the nftables.service unit, and /etc/nftables.conf with every file it includes.

import type { AuditContext } from '../../engine/context.js';
import { expandGlob } from '../../parsers/glob.js';
import { resolveIncludePath } from '../../parsers/nftables-syntax.js';
import type { Target } from '../../target/types.js';

/** Where Debian and RHEL install nftables.service; /lib first, as Debian's own enabling link names it. */
export const NFTABLES_UNIT_PATHS = [
  '/etc/systemd/system/nftables.service',
  '/lib/systemd/system/nftables.service',
  '/usr/lib/systemd/system/nftables.service',
];

/** Any of these present means containers may rely on forwarding (Docker's and Podman's FORWARD rules). */
const CONTAINER_ENGINE_PATHS = [
  '/usr/bin/dockerd',
  '/usr/sbin/dockerd',
  '/usr/bin/containerd',
  '/usr/bin/podman',
  '/var/lib/docker',
  '/var/lib/containers',
];

/** The port of a ListenAddress (`host:port`, `[v6]:port`); undefined when it names none (Port applies). */
export function listenAddressPort(value: string): number | undefined {
  const first = value.split(/\s+/)[0] ?? '';
  const match = /^\[[^\]]*\]:(\d+)$/.exec(first) ?? (first.split(':').length === 2 ? /:(\d+)$/.exec(first) : null);
  const port = match ? Number(match[1]) : undefined;
  return port !== undefined && port > 0 && port < 65536 ? port : undefined;
}

/** Every port sshd listens on: all Port values and every ListenAddress port (a superset is safe: never closes SSH). */
export async function currentSshPorts(ctx: AuditContext): Promise<number[]> {
  const sshd = await ctx.sshd();
  if (!sshd.present) return [];
  const { settings } = await sshd.effective();
  const ports = new Set(settings.ports.map((port) => port.value));
  for (const address of settings.listenaddresses) {
    const port = listenAddressPort(address.value);
    if (port !== undefined) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export async function containerEngine(target: Target): Promise<string | undefined> {
  for (const path of CONTAINER_ENGINE_PATHS) {
    if (await target.lstat(path).catch(() => undefined)) return path;
  }
  return undefined;
}

export async function nftablesUnitPath(target: Target): Promise<string | undefined> {
  for (const path of NFTABLES_UNIT_PATHS) {
    const found = await target.stat(path).catch(() => undefined);
    if (found?.type === 'file') return path;
  }
  return undefined;
}

/**
 * `mainPath` and every file it includes (recursively), as nft would read them; `unreadable` names what could not
 * be read and why. A missing main file gives an empty map.
 */
export async function readNftablesTree(
  target: Target,
  mainPath: string,
): Promise<{ files: Map<string, string>; unreadable: string[] }> {
  const files = new Map<string, string>();
  const unreadable: string[] = [];
  const pending = [mainPath];
  while (pending.length > 0 && files.size < 256) {
    const path = pending.shift()!;
    if (files.has(path)) continue;
    let text: string;
    try {
      if (!(await target.stat(path))) {
        if (path !== mainPath) unreadable.push(`${path}: included but missing`);
        continue;
      }
      text = await target.readText(path, { maxBytes: 4 * 1024 * 1024 });
    } catch (error) {
      unreadable.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    files.set(path, text);
    for (const match of text.matchAll(/^\s*include\s+"([^"]*)"/gm)) {
      const found = await expandGlob(resolveIncludePath(match[1]!), {
        readDir: (dir) => target.readDir(dir).catch(() => undefined),
        exists: async (candidate) => (await target.stat(candidate).catch(() => undefined))?.type === 'file',
      });
      pending.push(...found);
    }
  }
  return { files, unreadable };
}
