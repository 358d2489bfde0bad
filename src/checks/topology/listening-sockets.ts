// https://man7.org/linux/man-pages/man5/proc_pid_net.5.html — /proc/net/tcp: what the host actually listens on.
import { findSshPorts, portNumbers } from '../../discovery/ssh-ports.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck } from '../../engine/define-check.js';
import { appliesToSignerOrNode, at } from '../../facts/services/discovered-services.js';
import { classifyHost, parseHostPort } from '../../net/address.js';
import type { ListeningSocket, ProcessInfo } from '../../target/types.js';

/** stacks-node's P2P port when `p2p_bind` is unset. */
const DEFAULT_P2P_PORT = 20444;

function portOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseHostPort(value)?.port;
}

/** The ports a signer host may serve beyond loopback, and why each one is allowed. */
async function allowedPorts(ctx: AuditContext) {
  const { signer, node } = await ctx.discovery();
  const nodeConfig = node?.config.status === 'ok' ? node.config.parsed.config : undefined;
  const signerConfig = signer?.config.status === 'ok' ? signer.config.parsed.config : undefined;
  const p2p = portOf(nodeConfig?.node.p2pBind) ?? DEFAULT_P2P_PORT;
  const ssh = portNumbers((await findSshPorts(ctx.target, await ctx.sshd())).all);
  return { p2p, ssh, endpoint: portOf(signerConfig?.endpoint) };
}

function describeHolder(socket: ListeningSocket, processes: Map<number, ProcessInfo>): string {
  const holders = socket.pids.map((pid) => {
    const process = processes.get(pid);
    if (!process) return `pid ${pid}`;
    const exe = process.exe ? `, ${process.exe}` : '';
    return `${process.comm} (pid ${pid}${exe})`;
  });
  return holders.length > 0 ? holders.join(', ') : 'no visible process';
}

function holderUid(socket: ListeningSocket, processes: Map<number, ProcessInfo>): number {
  const process = socket.pids.map((pid) => processes.get(pid)).find((found) => found !== undefined);
  return process && process.uid >= 0 ? process.uid : socket.uid;
}

function showAddress(socket: ListeningSocket): string {
  return socket.address.includes(':') ? `[${socket.address}]:${socket.port}` : `${socket.address}:${socket.port}`;
}

export default defineCheck({
  id: 'topology/listening-sockets',
  title: 'Only the expected ports listen beyond loopback',
  threats: ['host-compromise'],
  severity: 'medium',
  liveOnly: true,
  description: [
    'What the configs say and what the host listens on can differ: a forgotten exporter, a debug server, a second signer',
    'started by hand, `docker-proxy` for a published port. This control reads the TCP sockets in LISTEN state from',
    '`/proc/net/tcp` and `/proc/net/tcp6` and finds the process holding each one through the `socket:[inode]` links in',
    '`/proc/<pid>/fd`; the user is the process uid mapped through `/etc/passwd`.',
    '',
    'Listeners on loopback are ignored. Beyond loopback a signer host needs only: the node P2P port (from `[node] p2p_bind`,',
    'default 20444), the SSH port(s) (sshd_config, `-p` in the ssh unit, `ssh.socket`, the ports sshd holds), and the signer endpoint port when it is bound to a',
    'private address (a node on another host of the private network must reach it). Any other listener on a wildcard or',
    'public address fails and is named with its process and user. Another listener on a private address (a metrics endpoint',
    'scraped over the private network, a node RPC for a remote signer) is a warning: reachable only from that network, but',
    'still surface to account for. The check is about the host, so it runs whether or not a signer was discovered.',
    '',
    'Live only: an offline image has no sockets (`not_evaluable`). A process of another user is only attributed when the',
    'audit runs as root; otherwise the socket is named by its owner uid.',
  ].join('\n'),
  remediation:
    'For each named listener: bind it to 127.0.0.1 in its configuration (signer `endpoint`/`metrics_endpoint`, node `rpc_bind`/`prometheus_bind`), or stop and disable the service if it does not belong on a signer host. For a port published by Docker, publish it on `127.0.0.1:` only.',
  references: [
    'https://man7.org/linux/man-pages/man5/proc_pid_net.5.html',
    'https://docs.stacks.co/operate/run-a-signer',
  ],
  messages: {
    loopbackOnly: 'No TCP listener beyond loopback.',
    allowed: '{{address}} is {{why}}: {{process}}.',
    exposed: '{{address}} listens on {{kind}}: {{process}}, user {{user}}.',
    privateListener:
      '{{address}} listens on a private address: {{process}}, user {{user}}; beyond loopback only P2P, SSH and the signer endpoint are expected.',
  },
  // A host that runs neither signer nor node is not this tool's business; on one that does, only live sockets count.
  async applies(ctx) {
    const applies = await appliesToSignerOrNode(ctx);
    if (applies !== true) return applies;
    return ctx.target.live ? true : { notEvaluable: 'listening sockets can only be read on the live host' };
  },
  async run(ctx, report) {
    const sockets = await ctx.target.listeningSockets();
    const processes = new Map((await ctx.target.processes()).map((process) => [process.pid, process]));
    const users = await ctx.users();
    const allowed = await allowedPorts(ctx);
    const listeners: Record<string, unknown>[] = [];
    let beyondLoopback = 0;
    for (const socket of sockets) {
      const kind = classifyHost(socket.address);
      if (kind === 'loopback') continue;
      beyondLoopback += 1;
      const address = showAddress(socket);
      const process = describeHolder(socket, processes);
      const uid = holderUid(socket, processes);
      const user = users.userName(uid);
      const evidence = at(socket.file, socket.line, `${address} ${process}, uid ${uid} (${user})`);
      listeners.push({ address: socket.address, port: socket.port, process, uid, user });
      const why =
        socket.port === allowed.p2p
          ? 'the node P2P port'
          : allowed.ssh.includes(socket.port)
            ? 'an SSH port'
            : socket.port === allowed.endpoint && kind === 'private'
              ? 'the signer endpoint on a private address'
              : undefined;
      if (why) report.pass('allowed', { address, why, process }, evidence);
      else if (kind === 'private') report.warn('privateListener', { address, process, user }, evidence);
      else
        report.fail(
          'exposed',
          { address, process, user, kind: kind === 'wildcard' ? 'all interfaces' : 'a public address' },
          evidence,
        );
    }
    report.data({ listeners });
    if (beyondLoopback === 0) report.pass('loopbackOnly');
  },
});
