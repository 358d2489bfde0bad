// Every port SSH is reachable on, from every place that can set one: sshd_config (Port, ListenAddress), the
// ssh/sshd unit's ExecStart (`-p`, `-o Port=`, `-o ListenAddress=`) after its EnvironmentFile=/Environment=
// expansion, ssh.socket's ListenStream= (socket activation, drop-ins applied), and on a live host the ports sshd
// processes actually listen on. A superset is safe: the firewall never closes SSH. https://man.openbsd.org/sshd.8

import { parseEnvironmentFile } from '../../checks/service-environment.js';
import { findDropIns, loadUnit, UNIT_SEARCH_PATH } from '../../discovery/units.js';
import type { AuditContext } from '../../engine/context.js';
import { parseExecLine } from '../../parsers/exec-command.js';
import { mergeUnit, type UnitProblem } from '../../parsers/systemd-unit.js';
import type { Target } from '../../target/types.js';

export interface SshPortSource {
  port: number;
  /** Where it was found: "sshd_config Port", "ssh.service ExecStart -p", "ssh.socket ListenStream=", "sshd listening (pid 12)". */
  source: string;
}

/** The port of a ListenAddress (`host:port`, `[v6]:port`); undefined when it names none (Port applies). */
export function listenAddressPort(value: string): number | undefined {
  const first = value.split(/\s+/)[0] ?? '';
  const match = /^\[[^\]]*\]:(\d+)$/.exec(first) ?? (first.split(':').length === 2 ? /:(\d+)$/.exec(first) : null);
  return validPort(match ? Number(match[1]) : undefined);
}

function validPort(port: number | undefined): number | undefined {
  return port !== undefined && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** Ports sshd's command line sets: `-p N`, `-pN`, `-o Port=N`, `-oPort N`, `-o ListenAddress=host:port`. */
export function sshdArgvPorts(argv: readonly string[]): number[] {
  const ports: number[] = [];
  for (let index = 1; index < argv.length; index++) {
    const arg = argv[index]!;
    let value: string | undefined;
    let option: 'p' | 'o' | undefined;
    if (arg === '-p' || arg === '-o') {
      option = arg === '-p' ? 'p' : 'o';
      value = argv[++index];
    } else if (/^-p\d/.test(arg)) [option, value] = ['p', arg.slice(2)];
    else if (arg.startsWith('-o')) [option, value] = ['o', arg.slice(2)];
    if (value === undefined || option === undefined) continue;
    if (option === 'p') {
      const port = validPort(Number(value));
      if (port !== undefined) ports.push(port);
      continue;
    }
    const match = /^\s*(\w+)\s*(?:=\s*|\s+)(.*)$/.exec(value);
    const keyword = match?.[1]?.toLowerCase();
    if (keyword === 'port') {
      const port = validPort(Number(match![2]!.trim()));
      if (port !== undefined) ports.push(port);
    } else if (keyword === 'listenaddress') {
      const port = listenAddressPort(match![2]!.trim());
      if (port !== undefined) ports.push(port);
    }
  }
  return ports;
}

/** `$VAR` and `${VAR}` replaced as systemd does in ExecStart= (unknown variables become empty). */
export function expandVariables(value: string, variables: ReadonlyMap<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, braced, bare) => {
    return variables.get((braced ?? bare) as string) ?? '';
  });
}

async function unitPorts(target: Target): Promise<SshPortSource[]> {
  const found: SshPortSource[] = [];
  for (const name of ['ssh.service', 'sshd.service']) {
    const unit = await loadUnit(target, name).catch(() => undefined);
    if (!unit?.loaded) continue;
    const variables = new Map<string, string>();
    for (const assignment of unit.effective.list('Service', 'EnvironmentFile')) {
      const path = assignment.value.replace(/^-/, '');
      const text = await target.readText(path).catch(() => undefined);
      for (const entry of parseEnvironmentFile(text ?? '')) variables.set(entry.name, entry.value);
    }
    for (const word of unit.effective.words('Service', 'Environment')) {
      const equals = word.indexOf('=');
      if (equals > 0) variables.set(word.slice(0, equals), word.slice(equals + 1));
    }
    for (const assignment of unit.effective.list('Service', 'ExecStart')) {
      for (const command of parseExecLine(expandVariables(assignment.value, variables)).commands) {
        for (const port of sshdArgvPorts(command.argv)) found.push({ port, source: `${name} ExecStart` });
      }
    }
  }
  return found;
}

/** ListenStream= of ssh.socket with its drop-ins (an empty assignment resets the list, as systemd does). */
async function socketPorts(target: Target): Promise<SshPortSource[]> {
  const name = 'ssh.socket';
  let main: string | undefined;
  for (const directory of UNIT_SEARCH_PATH) {
    if ((await target.stat(`${directory}/${name}`).catch(() => undefined))?.type === 'file') {
      main = `${directory}/${name}`;
      break;
    }
  }
  if (!main) return [];
  const problems: UnitProblem[] = [];
  // findDropIns also walks service.d/, which belongs to services only.
  const dropIns = (await findDropIns(target, [name], problems)).filter((path) => !path.includes('/service.d/'));
  const files: { path: string; text: string }[] = [];
  for (const path of [main, ...dropIns]) {
    const text = await target.readText(path).catch(() => undefined);
    if (text !== undefined) files.push({ path, text });
  }
  const unit = mergeUnit(name, files);
  return unit.list('Socket', 'ListenStream').flatMap((assignment) => {
    const value = assignment.value.trim();
    const port = /^\d+$/.test(value) ? validPort(Number(value)) : listenAddressPort(value);
    return port === undefined ? [] : [{ port, source: `${name} ListenStream= (${assignment.file})` }];
  });
}

/** Live: the TCP ports held by processes whose comm or executable is sshd. */
async function listeningPorts(target: Target): Promise<SshPortSource[]> {
  const processes = await target.processes();
  const sshd = new Set(
    processes
      .filter((process) => process.comm === 'sshd' || /(^|\/)sshd( \(deleted\))?$/.test(process.exe ?? ''))
      .map((process) => process.pid),
  );
  const sockets = await target.listeningSockets();
  return sockets.flatMap((socket) => {
    const holder = socket.pids.find((pid) => sshd.has(pid));
    return holder === undefined ? [] : [{ port: socket.port, source: `sshd listening (pid ${holder})` }];
  });
}

/** Every SSH port found, with where; sorted by port, one entry per port and source. */
export async function findSshPorts(ctx: AuditContext): Promise<SshPortSource[]> {
  const found: SshPortSource[] = [];
  const sshd = await ctx.sshd();
  if (sshd.present) {
    const { settings } = await sshd.effective();
    for (const port of settings.ports) found.push({ port: port.value, source: 'sshd_config Port' });
    for (const address of settings.listenaddresses) {
      const port = listenAddressPort(address.value);
      if (port !== undefined) found.push({ port, source: 'sshd_config ListenAddress' });
    }
  }
  found.push(...(await unitPorts(ctx.target)), ...(await socketPorts(ctx.target)));
  if (ctx.target.live) found.push(...(await listeningPorts(ctx.target)));
  const seen = new Set<string>();
  return found
    .filter((entry) => !seen.has(`${entry.port} ${entry.source}`) && seen.add(`${entry.port} ${entry.source}`))
    .sort((a, b) => a.port - b.port);
}

/** The server side of `SSH_CONNECTION` ("client_ip client_port server_ip server_port"), when it is well formed. */
export function sshSession(value: string | undefined): { client: string; port: number } | undefined {
  const fields = value?.trim().split(/\s+/) ?? [];
  if (fields.length !== 4) return undefined;
  const port = validPort(Number(fields[3]));
  return port === undefined ? undefined : { client: fields[0]!, port };
}
