// What the firewall planner reads from the target (through ctx.target only): a container engine, the
// nftables.service unit (which file it loads, which target enables it), and /etc/nftables.conf with every file it
// includes. The SSH ports are in src/discovery/ssh-ports.ts.

import { loadUnit } from '../../discovery/units.js';
import { parseExecLine } from '../../parsers/exec-command.js';
import { expandGlob } from '../../parsers/glob.js';
import { resolveIncludePath } from '../../parsers/nftables-syntax.js';
import type { Target } from '../../target/types.js';

/** Any of these present means containers may rely on forwarding (Docker's, Podman's, k3s's, libvirt's FORWARD rules). */
export const CONTAINER_ENGINE_PATHS = [
  '/usr/bin/dockerd',
  '/usr/sbin/dockerd',
  '/snap/bin/docker',
  '/var/snap/docker',
  '/usr/bin/containerd',
  '/usr/local/bin/containerd',
  '/usr/bin/podman',
  '/usr/local/bin/k3s',
  '/var/lib/rancher',
  '/usr/sbin/libvirtd',
  '/var/lib/libvirt',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/containers',
];

/** Live: bridge interfaces container and VM engines create. */
const ENGINE_INTERFACE = /^(docker0|cni.*|virbr.*|podman.*)$/;

export async function containerEngine(target: Target): Promise<string | undefined> {
  for (const path of CONTAINER_ENGINE_PATHS) {
    if (await target.lstat(path).catch(() => undefined)) return path;
  }
  if (target.live) {
    const interfaces = await target.readDir('/sys/class/net').catch(() => [] as string[]);
    const bridge = interfaces.find((name) => ENGINE_INTERFACE.test(name));
    if (bridge) return `/sys/class/net/${bridge}`;
  }
  return undefined;
}

export interface NftablesUnit {
  /** The unit file systemd would load. */
  path: string;
  /** The file its ExecStart loads (`nft -f FILE`); undefined when it loads none. */
  loads?: string;
  /** Its [Install] WantedBy= targets (`systemctl enable` links it into the first one's .wants). */
  wantedBy: string[];
}

/** nftables.service as systemd would load it (search path and drop-ins); undefined when not installed. */
export async function nftablesUnit(
  target: Target,
): Promise<NftablesUnit | { path: string; problem: string } | undefined> {
  const unit = await loadUnit(target, 'nftables.service').catch(() => undefined);
  if (!unit) return undefined;
  if (!unit.loaded) {
    return { path: unit.path, problem: unit.masked ? 'is masked' : 'cannot be read' };
  }
  let loads: string | undefined;
  for (const assignment of unit.effective.list('Service', 'ExecStart')) {
    for (const command of parseExecLine(assignment.value).commands) {
      const flag = command.argv.findIndex((arg) => arg === '-f' || arg === '--file');
      if (flag >= 0 && command.argv[flag + 1] !== undefined) loads ??= command.argv[flag + 1];
    }
  }
  return { path: unit.path, ...(loads ? { loads } : {}), wantedBy: unit.effective.words('Install', 'WantedBy') };
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
