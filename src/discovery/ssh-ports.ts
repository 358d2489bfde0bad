// Every port SSH is reachable on, from every place that can set one: sshd_config (Port, ListenAddress), the
// ssh/sshd unit's ExecStart (`-p`, `-o Port=`, `-o ListenAddress=`) after its EnvironmentFile=/Environment=
// expansion, ssh.socket's ListenStream= (socket activation, drop-ins applied), and on a live host the ports sshd
// processes actually listen on. One discovery for the audit and harden: the firewall keeps `all` open (a superset
// never locks anyone out) and the audit accepts exactly those; `listening` applies sshd's and systemd's precedence
// for a control that asks which port sshd really serves. https://man.openbsd.org/sshd.8#p

import { parseEnvironmentFile } from '../facts/services/service-environment.js';
import { enablingLink } from '../net/firewall/load.js';
import { parseExecLine } from '../parsers/exec-command.js';
import { mergeUnit, type UnitProblem } from '../parsers/systemd-unit.js';
import type { Target } from '../target/types.js';
import type { SshdFacts } from './sshd.js';
import { findDropIns, loadUnit, UNIT_SEARCH_PATH } from './units.js';

/** Which mechanism set a port: they override one another (sshd(8) `-p`, socket activation). */
export type SshPortKind =
  | 'config-port'
  | 'config-listen'
  | 'argv-port'
  | 'argv-option'
  | 'argv-listen'
  | 'socket'
  | 'listening';

export interface SshPortSource {
  port: number;
  kind: SshPortKind;
  /** Where it was found: "sshd_config Port", "ssh.service ExecStart -p", "ssh.socket ListenStream=", "sshd listening (pid 12)". */
  source: string;
  file?: string;
  line?: number;
}

export interface SshPorts {
  /** Every port SSH may be reachable on, sorted, one entry per port and source: what the firewall keeps open. */
  all: SshPortSource[];
  /** The ports sshd serves once precedence is applied (live listeners, an enabled ssh.socket, `-p` over Port). */
  listening: SshPortSource[];
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
  return sshdArgvSettings(argv).ports.map((entry) => entry.port);
}

interface ArgvSettings {
  ports: { port: number; kind: 'argv-port' | 'argv-option' | 'argv-listen' }[];
  /** A `-o ListenAddress=` without a port: it listens on the Port/-p ports. */
  listenWithoutPort: boolean;
}

function sshdArgvSettings(argv: readonly string[]): ArgvSettings {
  const ports: ArgvSettings['ports'] = [];
  let listenWithoutPort = false;
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
      if (port !== undefined) ports.push({ port, kind: 'argv-port' });
      continue;
    }
    const match = /^\s*(\w+)\s*(?:=\s*|\s+)(.*)$/.exec(value);
    const keyword = match?.[1]?.toLowerCase();
    if (keyword === 'port') {
      const port = validPort(Number(match![2]!.trim()));
      if (port !== undefined) ports.push({ port, kind: 'argv-option' });
    } else if (keyword === 'listenaddress') {
      const port = listenAddressPort(match![2]!.trim());
      if (port !== undefined) ports.push({ port, kind: 'argv-listen' });
      else listenWithoutPort = true;
    }
  }
  return { ports, listenWithoutPort };
}

/** `$VAR` and `${VAR}` replaced as systemd does in ExecStart= (unknown variables become empty). */
export function expandVariables(value: string, variables: ReadonlyMap<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, braced, bare) => {
    return variables.get((braced ?? bare) as string) ?? '';
  });
}

interface UnitPorts {
  found: SshPortSource[];
  listenWithoutPort: boolean;
}

async function unitPorts(target: Target): Promise<UnitPorts> {
  const found: SshPortSource[] = [];
  let listenWithoutPort = false;
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
        const settings = sshdArgvSettings(command.argv);
        listenWithoutPort ||= settings.listenWithoutPort;
        for (const { port, kind } of settings.ports) {
          const flag = kind === 'argv-port' ? '-p' : kind === 'argv-listen' ? '-o ListenAddress=' : '-o Port=';
          found.push({ port, kind, source: `${name} ExecStart ${flag}`, file: assignment.file, line: assignment.line });
        }
      }
    }
  }
  return { found, listenWithoutPort };
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
    if (port === undefined) return [];
    return [
      { port, kind: 'socket' as const, source: `${name} ListenStream=`, file: assignment.file, line: assignment.line },
    ];
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
    return holder === undefined
      ? []
      : [{ port: socket.port, kind: 'listening' as const, source: `sshd listening (pid ${holder})` }];
  });
}

function unique(entries: SshPortSource[]): SshPortSource[] {
  const seen = new Set<string>();
  return entries
    .filter((entry) => !seen.has(`${entry.port} ${entry.source}`) && seen.add(`${entry.port} ${entry.source}`))
    .sort((a, b) => a.port - b.port);
}

/**
 * What sshd serves, by precedence: live listeners are the truth; an enabled ssh.socket hands sshd its sockets, so
 * sshd_config's Port is not listened on; `-p` replaces Port (sshd(8)); a ListenAddress with a port listens there only,
 * and Port (or -p) applies when no ListenAddress is set or one names no port.
 */
function applyPrecedence(
  all: SshPortSource[],
  socketEnabled: boolean,
  listenWithoutPort: boolean,
  anyListenAddress: boolean,
): SshPortSource[] {
  const of = (...kinds: SshPortKind[]) => all.filter((entry) => kinds.includes(entry.kind));
  const live = of('listening');
  if (live.length > 0) return live;
  const socket = of('socket');
  if (socketEnabled && socket.length > 0) return socket;
  const commandLine = of('argv-port');
  const listen = of('config-listen', 'argv-listen');
  const ports = commandLine.length > 0 ? commandLine : of('config-port', 'argv-option');
  const anyListen = anyListenAddress || listen.length > 0;
  return unique([...(!anyListen || listenWithoutPort ? ports : []), ...listen]);
}

/** Every SSH port found (and which sshd serves), with where. Reads through the target only. */
export async function findSshPorts(target: Target, sshd: SshdFacts): Promise<SshPorts> {
  const found: SshPortSource[] = [];
  let listenWithoutPort = false;
  let anyListenAddress = false;
  if (sshd.present) {
    const { settings } = await sshd.effective();
    for (const port of settings.ports) {
      const where = port.file ? { file: port.file, ...(port.line ? { line: port.line } : {}) } : {};
      const source = port.file ? 'sshd_config Port' : 'sshd default Port';
      found.push({ port: port.value, kind: 'config-port', source, ...where });
    }
    for (const address of settings.listenaddresses) {
      anyListenAddress = true;
      const port = listenAddressPort(address.value);
      if (port === undefined) listenWithoutPort = true;
      else {
        const where = address.file ? { file: address.file, ...(address.line ? { line: address.line } : {}) } : {};
        found.push({ port, kind: 'config-listen', source: 'sshd_config ListenAddress', ...where });
      }
    }
  }
  const units = await unitPorts(target);
  found.push(...units.found, ...(await socketPorts(target)));
  if (target.live) found.push(...(await listeningPorts(target)));
  const all = unique(found);
  const socketEnabled = (await enablingLink(target, 'ssh.socket')) !== undefined;
  const listening = applyPrecedence(
    all,
    socketEnabled,
    listenWithoutPort || units.listenWithoutPort,
    anyListenAddress || units.listenWithoutPort,
  );
  return { all, listening };
}

/** The distinct port numbers of some entries, ascending. */
export function portNumbers(entries: readonly SshPortSource[]): number[] {
  return [...new Set(entries.map((entry) => entry.port))].sort((a, b) => a - b);
}

/** The server side of `SSH_CONNECTION` ("client_ip client_port server_ip server_port"), when it is well formed. */
export function sshSession(value: string | undefined): { client: string; port: number } | undefined {
  const fields = value?.trim().split(/\s+/) ?? [];
  if (fields.length !== 4) return undefined;
  const port = validPort(Number(fields[3]));
  return port === undefined ? undefined : { client: fields[0]!, port };
}
