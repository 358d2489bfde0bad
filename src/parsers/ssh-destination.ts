// `--host [ssh://][user@]host[:port]` as OpenSSH reads a destination. Pure: text in, parts out.

export interface SshDestination {
  host: string;
  user?: string;
  port?: number;
}

export type SshDestinationResult = { ok: true; destination: SshDestination } | { ok: false; reason: string };

/** A host name, an IPv4 address, or an IPv6 address in brackets; no shell or ssh option characters. */
const HOST_NAME = /^[A-Za-z0-9_.-]+$/;
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;

export function parseSshDestination(text: string): SshDestinationResult {
  let rest = text.trim();
  if (rest.startsWith('ssh://')) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  if (rest === '') return { ok: false, reason: 'empty host' };
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USER_NAME.test(user)) return { ok: false, reason: `"${user}" is not a user name` };
  }
  let host = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return { ok: false, reason: 'an IPv6 address in [ ] is not closed' };
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return { ok: false, reason: `unexpected "${after}" after the address` };
    if (after !== '') portText = after.slice(1);
    if (!IPV6.test(host)) return { ok: false, reason: `"${host}" is not an IPv6 address` };
  } else {
    const colon = rest.indexOf(':');
    if (colon !== -1) {
      if (rest.indexOf(':', colon + 1) !== -1)
        return { ok: false, reason: 'write an IPv6 address in brackets: [addr]:port' };
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
    // A leading "-" would be read by ssh as an option.
    if (!HOST_NAME.test(host) || host.startsWith('-')) return { ok: false, reason: `"${host}" is not a host name` };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
      return { ok: false, reason: `port "${portText}" is not 1-65535` };
  }
  return { ok: true, destination: { host, ...(user ? { user } : {}), ...(port ? { port } : {}) } };
}

/** The destination as the report names it: user@host:port, IPv6 in brackets. */
export function formatSshDestination(destination: SshDestination): string {
  const host = destination.host.includes(':') ? `[${destination.host}]` : destination.host;
  return `${destination.user ? `${destination.user}@` : ''}${host}${destination.port ? `:${destination.port}` : ''}`;
}
