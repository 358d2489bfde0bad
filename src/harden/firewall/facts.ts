// What the firewall planner reads from the target (through ctx.target only): a container engine, the
// nftables.service unit (which file it loads, which target enables it), and /etc/nftables.conf with every file it
// includes. The SSH ports are in src/discovery/ssh-ports.ts.

import { loadUnit } from '../../discovery/units.js';
import { parseExecLine } from '../../parsers/exec-command.js';
import { expandGlob } from '../../parsers/glob.js';
import { appendAll } from '../../parsers/lists.js';
import { includeStatements, resolveIncludePath } from '../../parsers/nftables-syntax.js';
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

export interface NftablesTree {
  /** Each file nft reads (by the path its include names) → its text. */
  files: Map<string, string>;
  /** `${file}\0${pattern}` → the files that `include "pattern"` in `file` names, resolved inside the target. */
  includes: Map<string, string[]>;
  /** Each file's path in the target once symlinks and `..` are resolved by the target: where a copy of it goes. */
  canonical: Map<string, string>;
  /** What could not be read, and why. */
  unreadable: string[];
}

/** The key of `includes`. */
export function includeKey(file: string, pattern: string): string {
  return `${file}\0${pattern}`;
}

/**
 * `mainPath` and every file it includes (recursively), as nft would read them, every path resolved by the target
 * (so `..` and symlinks stay inside it). A missing main file gives an empty map.
 */
export async function readNftablesTree(target: Target, mainPath: string): Promise<NftablesTree> {
  const tree: NftablesTree = { files: new Map(), includes: new Map(), canonical: new Map(), unreadable: [] };
  const pending = [mainPath];
  while (pending.length > 0 && tree.files.size < 256) {
    const path = pending.shift()!;
    if (tree.files.has(path)) continue;
    let text: string;
    try {
      if (!(await target.stat(path))) {
        if (path !== mainPath) tree.unreadable.push(`${path}: included but missing`);
        continue;
      }
      tree.canonical.set(path, await target.realpath(path));
      text = await target.readText(path, { maxBytes: 4 * 1024 * 1024 });
    } catch (error) {
      tree.unreadable.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    tree.files.set(path, text);
    for (const { pattern } of includeStatements(text)) {
      const found = await expandGlob(resolveIncludePath(pattern), {
        readDir: (dir) => target.readDir(dir).catch(() => undefined),
        exists: async (candidate) => (await target.stat(candidate).catch(() => undefined))?.type === 'file',
      });
      tree.includes.set(includeKey(path, pattern), found);
      appendAll(pending, found);
    }
  }
  return tree;
}

export interface WireguardInterface {
  /** wg-quick's interface name: the file name without `.conf`. */
  name: string;
  file: string;
  /** [Interface] ListenPort=; undefined when the interface only dials out (a random port). */
  listenPort?: number;
  /** [Interface] Address= entries (CIDR), to tell whether the node is reached through this tunnel. */
  addresses: string[];
}

/**
 * /etc/wireguard/*.conf, enabled or not (wg-quick@ may be started by hand). Only ListenPort and Address are read:
 * the file also holds the interface's PrivateKey, which never leaves this function. wg-quick(8), wg(8).
 */
export async function wireguardInterfaces(target: Target): Promise<WireguardInterface[]> {
  const directory = '/etc/wireguard';
  const names = (await target.readDir(directory).catch(() => [] as string[])).filter((name) => name.endsWith('.conf'));
  const found: WireguardInterface[] = [];
  for (const entry of names.sort()) {
    // wg-quick's own rule for interface names; anything else it refuses to bring up (and nft could not quote).
    if (!/^[A-Za-z0-9_=+.-]{1,15}\.conf$/.test(entry)) continue;
    const file = `${directory}/${entry}`;
    const text = await target.readText(file, { maxBytes: 1024 * 1024 }).catch(() => undefined);
    if (text === undefined) continue;
    let section = '';
    let listenPort: number | undefined;
    const addresses: string[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*$/, '').trim();
      const header = /^\[(\w+)\]$/.exec(line);
      if (header) section = header[1]!.toLowerCase();
      const setting = /^(\w+)\s*=\s*(.*)$/.exec(line);
      if (section !== 'interface' || !setting) continue;
      const key = setting[1]!.toLowerCase();
      if (key === 'listenport' && /^\d+$/.test(setting[2]!) && Number(setting[2]) > 0 && Number(setting[2]) < 65536) {
        listenPort = Number(setting[2]);
      } else if (key === 'address') {
        appendAll(
          addresses,
          setting[2]!
            .split(',')
            .map((address) => address.trim())
            .filter(Boolean),
        );
      }
    }
    found.push({ name: entry.slice(0, -'.conf'.length), file, ...(listenPort ? { listenPort } : {}), addresses });
  }
  return found;
}
