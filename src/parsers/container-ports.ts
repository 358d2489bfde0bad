// Published ports as compose writes them (https://docs.docker.com/reference/compose-file/services/#ports) and as
// the engine stores them (`HostConfig.PortBindings`, https://docs.docker.com/reference/api/engine/): pure text → data.

export interface PublishedPort {
  /** The host address as written, brackets removed; "" means all interfaces (0.0.0.0 and ::). */
  hostIp: string;
  /** The host port or range as written; "" means a random port the engine picks. */
  hostPort: string;
  /** First and last container port (equal unless a range). */
  containerPort: number;
  containerPortEnd: number;
  protocol: string;
  /** The entry as written, for evidence. */
  written: string;
}

/** A host address as written in a mapping: an IPv6 address in brackets. */
function showHostIp(hostIp: string): string {
  if (hostIp === '') return '';
  return hostIp.includes(':') ? `[${hostIp}]:` : `${hostIp}:`;
}

function portRange(text: string): [number, number] | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535 || last < first) return undefined;
  return [first, last];
}

/**
 * `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, ranges allowed, an IPv6 host address in brackets
 * (`[::1]:30000:30000`). A bare container port publishes it on a random host port of every interface.
 */
export function parseShortPort(entry: string): PublishedPort | undefined {
  const written = entry.trim();
  const slash = written.lastIndexOf('/');
  const protocol = slash === -1 ? 'tcp' : written.slice(slash + 1).toLowerCase();
  let rest = slash === -1 ? written : written.slice(0, slash);
  let hostIp = '';
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracketed) {
    hostIp = bracketed[1]!;
    rest = bracketed[2]!;
  }
  const parts = rest.split(':');
  const containerText = parts.pop()!;
  let hostPort = '';
  if (parts.length > 0) hostPort = parts.pop()!;
  // Whatever is left is the host address (an unbracketed IPv6 address keeps its colons).
  if (parts.length > 0) {
    if (bracketed) return undefined;
    hostIp = parts.join(':');
  }
  const range = portRange(containerText);
  if (!range || (hostPort !== '' && !portRange(hostPort)) || !/^(tcp|udp|sctp)$/.test(protocol)) return undefined;
  return { hostIp, hostPort, containerPort: range[0], containerPortEnd: range[1], protocol, written };
}

/** The long syntax: `{ target, published, host_ip, protocol, mode }`. */
export function parseLongPort(entry: Record<string, unknown>): PublishedPort | undefined {
  const range = portRange(String(entry.target ?? ''));
  if (!range) return undefined;
  const hostPort = entry.published === undefined || entry.published === null ? '' : String(entry.published);
  if (hostPort !== '' && !portRange(hostPort)) return undefined;
  const hostIp = typeof entry.host_ip === 'string' ? entry.host_ip.replace(/^\[|\]$/g, '') : '';
  const protocol = typeof entry.protocol === 'string' ? entry.protocol.toLowerCase() : 'tcp';
  const written = `${showHostIp(hostIp)}${hostPort ? `${hostPort}:` : ''}${entry.target}/${protocol}`;
  return { hostIp, hostPort, containerPort: range[0], containerPortEnd: range[1], protocol, written };
}

/** A compose `ports:` list; entries that can't be read are returned as problems, by position, never dropped silently. */
export function parseComposePorts(value: unknown): { ports: PublishedPort[]; problems: string[] } {
  const ports: PublishedPort[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { ports, problems };
  if (!Array.isArray(value)) return { ports, problems: ['ports: is not a list'] };
  value.forEach((entry, index) => {
    const parsed =
      typeof entry === 'string' || typeof entry === 'number'
        ? parseShortPort(String(entry))
        : entry && typeof entry === 'object'
          ? parseLongPort(entry as Record<string, unknown>)
          : undefined;
    if (parsed) ports.push(parsed);
    else problems.push(`ports[${index}] is not a port mapping`);
  });
  return { ports, problems };
}

/** `HostConfig.PortBindings`: `{"30000/tcp": [{"HostIp": "", "HostPort": "30000"}]}`. */
export function parsePortBindings(value: unknown): PublishedPort[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, bindings]) => {
    const [portText = '', protocol = 'tcp'] = key.split('/');
    const range = portRange(portText);
    if (!range || !Array.isArray(bindings)) return [];
    return bindings.map((binding) => {
      const { HostIp, HostPort } = (binding ?? {}) as { HostIp?: unknown; HostPort?: unknown };
      const hostIp = typeof HostIp === 'string' ? HostIp.replace(/^\[|\]$/g, '') : '';
      const hostPort = typeof HostPort === 'string' || typeof HostPort === 'number' ? String(HostPort) : '';
      return {
        hostIp,
        hostPort,
        containerPort: range[0],
        containerPortEnd: range[1],
        protocol,
        written: `${showHostIp(hostIp)}${hostPort ? `${hostPort}:` : ''}${key}`,
      };
    });
  });
}

/** `PublishAllPorts` (`docker run -P`): every exposed port on a random host port of every interface. */
export function publishAllExposed(exposedPorts: unknown): PublishedPort[] {
  if (!exposedPorts || typeof exposedPorts !== 'object') return [];
  return parsePortBindings(
    Object.fromEntries(Object.keys(exposedPorts as Record<string, unknown>).map((key) => [key, [{}]])),
  ).map((port) => ({ ...port, written: `-P ${port.written}` }));
}

export function publishesPort(published: PublishedPort, port: number): boolean {
  return published.protocol === 'tcp' && published.containerPort <= port && port <= published.containerPortEnd;
}
