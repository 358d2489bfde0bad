// https://wiki.nftables.org/wiki-nftables/index.php/Simple_ruleset_for_a_server — default-drop inbound, open only what must be.
import { findSshPorts } from '../../discovery/ssh-ports.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import type { Evidence } from '../../engine/types.js';
import { facts } from '../../facts/index.js';
import {
  allPrivate,
  describeSources,
  onlyFrom,
  openPortEvidence,
  originEvidence,
} from '../../facts/network/firewall-reach.js';
import { appliesToSignerOrNode, at } from '../../facts/services/discovered-services.js';
import { parseHostPort } from '../../net/address.js';
import { forwardedPorts, type OpenPort } from '../../net/firewall/exposure.js';
import { formatPorts, type PortRange } from '../../parsers/firewall/model.js';

const DEFAULT_P2P_PORT = 20444;

interface Expected {
  /** Ports that may be open to anyone: SSH and the node's P2P port. */
  public: Map<number, string>;
  signerPort?: number;
  nodeAddresses: string[];
}

function covers(range: PortRange, port: number): boolean {
  return range.from <= port && port <= range.to;
}

export default defineCheck({
  id: 'topology/inbound-firewall',
  title: 'A default-drop firewall lets in only P2P, SSH and the node',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "The OpSec guide's core advice: only P2P in, the signer reachable only from the node, nothing else. This control",
    'reads the firewall that filters inbound traffic — live, the kernel ruleset (`nft -j list ruleset`, or',
    '`iptables-save`/`ip6tables-save` for legacy iptables); offline, the files a boot loads: `/etc/nftables.conf` and its',
    '`include`s when `nftables.service` is enabled (a `*.wants/nftables.service` link), `/etc/iptables/rules.v4|v6` when',
    '`netfilter-persistent` is, ufw when `/etc/ufw/ufw.conf` has `ENABLED=yes` (`user.rules`/`user6.rules`, default',
    'policy from `/etc/default/ufw`) — and follows a new inbound TCP connection through every input chain (policies,',
    'jumps, `ct state`, source addresses, port sets, `lo`) for IPv4 and IPv6. Passes when, in both families, the',
    "default is drop/reject, only the SSH ports and the node's P2P port (`p2p_bind`,",
    'default 20444; expected only when a node runs here) are open to anyone — the SSH ports are every port sshd can',
    'listen on: `Port`/`ListenAddress` of the effective sshd config, `-p`/`-o Port=`/`-o ListenAddress=` in the',
    "ssh/sshd unit's `ExecStart` (with its `EnvironmentFile=`, e.g. `SSHD_OPTS`), `ssh.socket`'s `ListenStream=`, and",
    "live the ports sshd processes hold — and the signer endpoint's port is open at",
    "most to the node's address (`node_host`); open to other private addresses too (the node's subnet) it fails,",
    'naming them. Fails with no active firewall, a default-accept family (IPv6 left open',
    'while IPv4 is closed fails too: use an `inet` table), or any other port open to anyone. Live, an empty kernel',
    'ruleset fails even when config files exist: nothing loaded them. Ports open only to private addresses are listed',
    'but accepted; ports open only on one interface, or only to public addresses, warn. A rule the model does not',
    'understand is never taken as accept or drop: the ports it could open are reported as possibly open (warn).',
    'Ports published by destination NAT (Docker `-p`) reach containers through the forward hook, not input: a closed',
    'input chain does not close them, and they are judged like input ports. Offline, an enabled `/etc/nftables.conf` that',
    '`nft -f` would reject (a block never closed, a word that is no nft expression or statement such as `acept`, a jump',
    'to an undefined chain, an include that is missing or cannot be opened) is an error naming file:line and why: `nft -f`',
    'is atomic, so nothing of it loads and the host boots with no nftables ruleset.',
  ].join(' '),
  remediation:
    'Load a default-drop ruleset for both families, e.g. an nftables `table inet filter` whose input chain has `policy drop`, accepts `ct state established,related` and `iif "lo"`, opens the SSH port and 20444 to all, and the signer endpoint port only with `ip saddr <node address>`; enable it with `systemctl enable --now nftables`. Publish container ports on 127.0.0.1 only.',
  references: [
    'https://wiki.nftables.org/wiki-nftables/index.php/Simple_ruleset_for_a_server',
    'https://docs.stacks.co/operate/run-a-signer',
    'https://manpages.debian.org/bookworm/nftables/nft.8.en.html',
  ],
  messages: {
    none: 'No active firewall: {{reason}}.',
    unreadable: "The kernel's firewall ruleset could not be read: {{reason}}.",
    defaultOpen: '{{family}}: inbound connections to ports no rule names are accepted (default accept).',
    defaultPossiblyOpen: '{{family}}: the default for inbound connections depends on a rule that is not understood.',
    extraOpen: '{{family}} tcp/{{ports}} is open to {{sources}}; only SSH and P2P should be.',
    possiblyOpen: '{{family}} tcp/{{ports}} is possibly open to {{sources}}.',
    interfaceOpen:
      '{{family}} tcp/{{ports}} is open to {{sources}}; make sure that interface carries only trusted peers.',
    publicSources: '{{family}} tcp/{{ports}} is open to specific public addresses ({{sources}}).',
    signerOpen: "{{family}}: the signer endpoint port {{port}} is open to {{sources}}, not only to the node's address.",
    signerBeyondNode:
      "{{family}}: the signer endpoint port {{port}} is open to private addresses beyond the node's ({{sources}}).",
    forwarded:
      '{{family}} tcp/{{ports}} is published to {{to}} by destination NAT and not closed by the forward chain ({{reach}}).',
    notUnderstood: 'The firewall configuration has statements that were not understood; the verdict is conservative.',
    restricted: 'Inbound default drop; open: {{summary}}.',
  },
  applies: appliesToSignerOrNode,
  async run(ctx, report) {
    const firewall = await ctx.firewall();
    if (firewall.unreadable)
      return report.notEvaluable('unreadable', { reason: firewall.unreadable }, firewall.inactive);
    if (firewall.rejected?.length) throw rejectedError(firewall.rejected);
    if (!firewall.ruleset) return report.fail('none', { reason: firewall.reason ?? 'none found' }, firewall.inactive);
    report.evidence([...firewall.active, ...firewall.inactive]);
    const exposure = (await facts(ctx).firewallExposure())!;
    const expected = await expectedPorts(ctx);
    const summary: string[] = [];
    for (const family of exposure) {
      const data = { family: family.family };
      if (family.defaultReach === 'open') {
        report.fail(
          'defaultOpen',
          data,
          family.defaultDecidedBy.map((origin) => originEvidence(origin)),
        );
        continue;
      }
      if (family.defaultReach === 'possibly-open') {
        report.warn(
          'defaultPossiblyOpen',
          data,
          family.defaultDecidedBy.map((origin) => originEvidence(origin)),
        );
      }
      for (const entry of family.open) {
        summary.push(`${entry.family} ${formatPorts(entry.ports)} (${describeSources(entry)})`);
        judgeOpen(entry, expected, report);
      }
    }
    for (const forward of forwardedPorts(firewall.ruleset)) {
      if (forward.reach === 'closed') continue;
      const allowed = forward.ports.every((range) =>
        [...expected.public.keys()].some((port) => range.from === port && range.to === port),
      );
      if (allowed) continue;
      const item = {
        family: forward.family,
        ports: forward.ports.map(formatPorts).join(', '),
        to: forward.to,
        reach: forward.reach,
      };
      const evidence = [originEvidence(forward.origin), ...forward.decidedBy.map((origin) => originEvidence(origin))];
      if (forward.reach === 'open') report.fail('forwarded', item, evidence);
      else report.warn('forwarded', item, evidence);
    }
    if (firewall.ruleset.problems.length > 0) {
      report.warn(
        'notUnderstood',
        {},
        firewall.ruleset.problems.map((problem) => at(problem.file, problem.line, problem.message)),
      );
    }
    report.data({
      origin: firewall.origin,
      families: exposure.map((family) => ({
        family: family.family,
        default: family.defaultReach,
        open: family.open.map((entry) => ({
          ports: formatPorts(entry.ports),
          sources: entry.sources,
          ...(entry.interfaces ? { interfaces: entry.interfaces } : {}),
          reach: entry.reach,
        })),
      })),
    });
    report.pass('restricted', { summary: summary.join('; ') || 'nothing' }, []);
  },
});

function judgeOpen(entry: OpenPort, expected: Expected, report: Reporter<string>): void {
  const evidence: Evidence = openPortEvidence(entry);
  const uncertain = entry.uncertain.map((origin) => originEvidence(origin, `not understood: ${origin.text}`));
  const data = { family: entry.family, ports: formatPorts(entry.ports), sources: describeSources(entry) };
  const isPublicPort = entry.ports.from === entry.ports.to && expected.public.has(entry.ports.from);
  if (isPublicPort) {
    report.evidence(evidence);
    return;
  }
  if (expected.signerPort !== undefined && covers(entry.ports, expected.signerPort)) {
    const signerData = { family: entry.family, port: expected.signerPort, sources: describeSources(entry) };
    if (onlyFrom(entry, expected.nodeAddresses)) report.evidence(evidence);
    else if (entry.sources !== 'any' && allPrivate(entry)) report.fail('signerBeyondNode', signerData, [evidence]);
    else report.fail('signerOpen', signerData, [evidence, ...uncertain]);
    if (entry.ports.from === entry.ports.to) return;
  }
  if (entry.sources === 'any' && entry.interfaces) report.warn('interfaceOpen', data, [evidence]);
  else if (entry.sources === 'any' && entry.reach === 'possibly-open') {
    report.warn('possiblyOpen', data, [evidence, ...uncertain]);
  } else if (entry.sources === 'any') report.fail('extraOpen', data, [evidence]);
  else if (allPrivate(entry)) report.evidence(evidence);
  else report.warn('publicSources', data, [evidence, ...uncertain]);
}

/** The enabled ruleset would not load at boot: no verdict about its rules holds, so name where and why. */
function rejectedError(rejected: Evidence[]): CheckError {
  const where = rejected
    .slice(0, 3)
    .map((item) => `${item.file ?? '?'}${item.line ? `:${item.line}` : ''} ${item.detail}`);
  const more = rejected.length > 3 ? ` (and ${rejected.length - 3} more)` : '';
  return new CheckError(`The enabled firewall does not load at boot: ${where.join('; ')}${more}.`, rejected[0]);
}

async function expectedPorts(ctx: AuditContext): Promise<Expected> {
  const publicPorts = new Map<number, string>();
  // The ports harden keeps open too: sshd_config, the unit's -p/-o, ssh.socket, live sshd listeners.
  for (const entry of (await findSshPorts(ctx.target, await ctx.sshd())).all) publicPorts.set(entry.port, 'ssh');
  const { signer, node } = await ctx.discovery();
  if (node) {
    const bind = node.config.status === 'ok' ? node.config.parsed.config.node.p2pBind : undefined;
    publicPorts.set((bind ? parseHostPort(bind)?.port : undefined) ?? DEFAULT_P2P_PORT, 'p2p');
  }
  const endpoint = signer?.config.status === 'ok' ? signer.config.parsed.config.endpoint : undefined;
  const signerPort = endpoint ? parseHostPort(endpoint)?.port : undefined;
  return {
    public: publicPorts,
    ...(signerPort !== undefined ? { signerPort } : {}),
    nodeAddresses: await facts(ctx).nodeAddresses(),
  };
}
