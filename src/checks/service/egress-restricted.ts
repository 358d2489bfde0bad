// https://www.freedesktop.org/software/systemd/man/latest/systemd.resource-control.html#IPAddressAllow=ADDRESS[/PREFIXLENGTH]%E2%80%A6 — a backdoored signer can't send the key anywhere but the node.
import { BlockList } from 'node:net';
import type { LoadedUnit } from '../../discovery/units.js';
import { findDropIns, UNIT_SEARCH_PATH } from '../../discovery/units.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { facts } from '../../facts/index.js';
import { at } from '../../facts/services/discovered-services.js';
import { appliesToSignerUnit, loadedUnit, where } from '../../facts/services/unit-settings.js';
import { classifyHost, parseHostPort } from '../../net/address.js';
import { lookupHost } from '../../parsers/hosts.js';
import { ipVersion } from '../../parsers/ip-version.js';
import { type EffectiveUnit, mergeUnit, type UnitAssignment } from '../../parsers/systemd-unit.js';
import { splitWords } from '../../parsers/systemd-words.js';

type Family = 'ipv4' | 'ipv6';

interface Subnet {
  address: string;
  prefix: number;
  family: Family;
}

/** One word of IPAddressAllow=/IPAddressDeny=, with the subnets it stands for. */
export interface AccessEntry {
  written: string;
  subnets: Subnet[];
  assignment: UnitAssignment;
}

// The symbolic names of systemd.resource-control(5).
const NAMED: Record<string, Subnet[]> = {
  any: [
    { address: '0.0.0.0', prefix: 0, family: 'ipv4' },
    { address: '::', prefix: 0, family: 'ipv6' },
  ],
  localhost: [
    { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
    { address: '::1', prefix: 128, family: 'ipv6' },
  ],
  'link-local': [
    { address: '169.254.0.0', prefix: 16, family: 'ipv4' },
    { address: 'fe80::', prefix: 64, family: 'ipv6' },
  ],
  multicast: [
    { address: '224.0.0.0', prefix: 4, family: 'ipv4' },
    { address: 'ff00::', prefix: 8, family: 'ipv6' },
  ],
};
const LOOPBACK = NAMED.localhost!;

/** "10.0.0.5", "10.0.0.0/8", "::1/128" or a symbolic name; undefined when systemd would reject it. */
export function parseAccessWord(word: string): Subnet[] | undefined {
  const named = NAMED[word];
  if (named) return named;
  const [address = '', prefixText, extra] = word.split('/');
  const version = ipVersion(address);
  if (version === 0 || extra !== undefined) return undefined;
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d+$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return [{ address, prefix, family }];
}

function contains(outer: Subnet, address: string, family: Family): boolean {
  if (outer.family !== family) return false;
  const list = new BlockList();
  list.addSubnet(outer.address, outer.prefix, outer.family);
  return list.check(address, family);
}

/** True when every address of `inner` lies in `outer`. */
function within(inner: Subnet, outer: Subnet): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.address, inner.family);
}

function entriesOf(unit: EffectiveUnit, section: string, key: string): AccessEntry[] {
  return unit.list(section, key).flatMap((assignment) =>
    splitWords(assignment.value).words.map((written) => ({
      written,
      subnets: parseAccessWord(written) ?? [],
      assignment,
    })),
  );
}

/** "system.slice" → system.slice, -.slice; "a-b.slice" → a-b.slice, a.slice, -.slice (systemd.slice(5)). */
export function sliceChain(slice: string): string[] {
  const chain: string[] = [];
  let name = slice.replace(/\.slice$/, '');
  while (name !== '-' && name !== '') {
    chain.push(`${name}.slice`);
    const dash = name.lastIndexOf('-');
    name = dash > 0 ? name.slice(0, dash) : '-';
  }
  chain.push('-.slice');
  return chain;
}

/** A slice unit with its drop-ins; the lists of a unit's slices add to its own. */
async function loadSlice(ctx: AuditContext, name: string): Promise<EffectiveUnit> {
  const files: { path: string; text: string }[] = [];
  for (const directory of UNIT_SEARCH_PATH) {
    const path = `${directory}/${name}`;
    const text = await ctx.target.readText(path).catch(() => undefined);
    if (text !== undefined) {
      files.push({ path, text });
      break;
    }
  }
  // findDropIns also returns the service.d/ drop-ins every service gets: not a slice's.
  const dropIns = (await findDropIns(ctx.target, [name], [])).filter((path) => !path.includes('/service.d/'));
  for (const path of dropIns) {
    const text = await ctx.target.readText(path).catch(() => undefined);
    if (text !== undefined) files.push({ path, text });
  }
  return mergeUnit(name, files);
}

interface NodeAddresses {
  host: string;
  /** Undefined when node_host is a name the target's /etc/hosts does not map, or the config is unreadable. */
  addresses: string[] | undefined;
  why?: string;
  evidence: Evidence[];
}

async function nodeAddresses(ctx: AuditContext): Promise<NodeAddresses> {
  const { signer } = await ctx.discovery();
  const state = signer?.config;
  if (state?.status !== 'ok') {
    return {
      host: 'unknown',
      addresses: undefined,
      why: 'the signer config (node_host) could not be read',
      evidence: [],
    };
  }
  const value = state.parsed.config.nodeHost;
  const evidence = [at(state.path, state.parsed.lineOf('node_host'), `node_host = "${value ?? ''}"`)];
  const host = value === undefined ? undefined : parseHostPort(value)?.host;
  if (!host)
    return { host: value ?? 'unset', addresses: undefined, why: 'node_host is missing or not host:port', evidence };
  if (ipVersion(host)) return { host, addresses: [host], evidence };
  // The signer tries every address of "localhost"; 127.0.0.1 is the one that must get through.
  if (classifyHost(host) === 'loopback') return { host, addresses: ['127.0.0.1'], evidence };
  const mapped = lookupHost(await facts(ctx).hosts(), host);
  if (mapped.length === 0) {
    return {
      host,
      addresses: undefined,
      why: `node_host ${host} is a name the target's /etc/hosts does not map`,
      evidence,
    };
  }
  const addresses = mapped.map((entry) => entry.address).filter((address) => ipVersion(address) !== 0);
  return {
    host,
    addresses,
    evidence: [...evidence, at('/etc/hosts', mapped[0]!.line, `${host} → ${addresses.join(', ')}`)],
  };
}

function familyOf(address: string): Family {
  return ipVersion(address) === 4 ? 'ipv4' : 'ipv6';
}

function entryEvidence(entry: AccessEntry, detail: string): Evidence {
  return at(entry.assignment.file, entry.assignment.line, `${entry.assignment.key}=${entry.written}: ${detail}`);
}

export default defineCheck({
  id: 'service/egress-restricted',
  title: 'The signer can only talk to loopback and its node',
  threats: ['binary-backdoor', 'host-compromise'],
  severity: 'medium',
  description: [
    "The signer needs exactly one peer: its stacks-node (`node_host`, which also posts events to the signer's",
    '`endpoint`). systemd can enforce that per service with `IPAddressDeny=any` and an `IPAddressAllow=` list: a',
    'backdoored or exploited signer then cannot send the key anywhere, whatever the host firewall allows.',
    '',
    "What is read: `IPAddressDeny=`/`IPAddressAllow=` of the signer's effective unit and of its slices (`Slice=`,",
    "default system.slice, up to -.slice), whose lists systemd combines with the unit's. They are list settings: each",
    'assignment adds, an empty one resets. The deny list must cover every IPv4 and IPv6 address (`any`, or both',
    '`0.0.0.0/0` and `::/0`). Every allowed entry must be loopback (`localhost`, inside 127.0.0.0/8, `::1`) or exactly',
    "one of the node's addresses: `node_host` from the signer config, a name resolved through the target's /etc/hosts",
    "(never DNS), or exactly one of this host's own addresses the signer uses: the address `endpoint` or",
    "`metrics_endpoint` binds, and, when `endpoint` binds every address, the host a local node's `[[events_observer]]`",
    'posts to on its port (a colocated node reaching the signer on a private address connects from that address).',
    'Anything wider fails and is named: `any`, a subnet (even a private one: every host on it could',
    'receive the key), `multicast`, and `link-local` (it reaches the cloud metadata service at 169.254.169.254 and',
    'every neighbour on the segment). When `node_host` is a name /etc/hosts does not map, single addresses that may',
    "be the node are a warning. The reverse mistake also fails: a deny list that blocks the node's own address, so",
    'the signer cannot reach its node.',
    '',
    'Only the signer is read: the stacks-node needs the internet (P2P, bitcoind). Note that a remote metrics scraper',
    "or a DNS server off the host are blocked too under this policy: scrape through loopback, and give the node's",
    'address, not a name, or map the name in /etc/hosts. The filter needs a kernel with cgroup BPF (any current',
    'distribution kernel), a mounted cgroup v2 hierarchy, and a systemd allowed to call bpf(): on a live host with no',
    'cgroup v2, or whose PID 1 runs under a seccomp filter (systemd in a container), systemd may run the signer',
    'unfiltered, and a restriction that passes otherwise is a warning naming why.',
  ].join('\n'),
  remediation: [
    'Add a drop-in (`systemctl edit stacks-signer`) with `[Service]` `IPAddressDeny=any` and `IPAddressAllow=localhost`',
    'plus `IPAddressAllow=<node address>` when the node runs on another host (for example `IPAddressAllow=10.0.0.5`);',
    'remove wider entries. Then `systemctl daemon-reload && systemctl restart stacks-signer` and check the signer',
    'still reaches its node (`journalctl -u stacks-signer`).',
  ].join(' '),
  references: [
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.resource-control.html#IPAddressAllow=ADDRESS[/PREFIXLENGTH]%E2%80%A6',
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
  ],
  messages: {
    denyMissing:
      '{{unit}} sets no IPAddressDeny=any (nor do its slices {{slices}}): a backdoored signer can send the key to any address.',
    denyPartial: '{{unit}}: IPAddressDeny= covers only {{covered}} ({{entries}}); expected IPAddressDeny=any.',
    allowOther:
      '{{unit}}: IPAddressAllow={{entry}} ({{where}}) lets the signer reach {{what}}; only loopback and the node ({{node}}) should be allowed.',
    allowInvalid: '{{unit}}: an IPAddressAllow= entry ({{where}}) is not an address systemd accepts.',
    allowMaybeNode:
      '{{unit}}: IPAddressAllow={{entry}} ({{where}}) may be the node, but this cannot be confirmed: {{why}}.',
    nodeBlocked:
      '{{unit}}: IPAddressDeny= blocks the node at {{address}} (node_host {{host}}) and no IPAddressAllow= entry admits it: the signer cannot reach its node.',
    restricted: '{{unit}}: IPAddressDeny=any, and IPAddressAllow= admits only {{allowed}}.',
    notEnforced:
      '{{unit}}: IPAddressDeny=any, and IPAddressAllow= admits only {{allowed}}, but this host may not enforce it: {{why}}.',
  },
  applies: appliesToSignerUnit,
  async run(ctx, report) {
    const { signer } = await ctx.discovery();
    if (!signer) return;
    const unit: LoadedUnit = loadedUnit(signer);
    const name = unit.name;
    const slices = sliceChain(unit.effective.get('Service', 'Slice')?.value ?? 'system.slice');
    const sliceUnits = await Promise.all(slices.map((slice) => loadSlice(ctx, slice)));
    const deny = [
      ...entriesOf(unit.effective, 'Service', 'IPAddressDeny'),
      ...sliceUnits.flatMap((slice) => entriesOf(slice, 'Slice', 'IPAddressDeny')),
    ];
    const allow = [
      ...entriesOf(unit.effective, 'Service', 'IPAddressAllow'),
      ...sliceUnits.flatMap((slice) => entriesOf(slice, 'Slice', 'IPAddressAllow')),
    ];

    if (deny.length === 0) {
      const files = [...unit.effective.files, ...sliceUnits.flatMap((slice) => slice.files)];
      return report.fail(
        'denyMissing',
        { unit: name, slices: slices.join(', ') },
        at(unit.effective.files[0], undefined, `no IPAddressDeny= in ${files.join(', ')}`),
      );
    }
    const denyEvidence = deny.map((entry) => entryEvidence(entry, 'denied'));
    const covers = (family: Family) =>
      deny.some((entry) => entry.subnets.some((subnet) => subnet.family === family && subnet.prefix === 0));
    const uncovered = (['ipv4', 'ipv6'] as const).filter((family) => !covers(family));
    if (uncovered.length > 0) {
      const covered = uncovered.length === 2 ? 'some addresses' : `${uncovered[0] === 'ipv4' ? 'IPv6' : 'IPv4'}`;
      report.fail(
        'denyPartial',
        { unit: name, covered, entries: deny.map((entry) => entry.written).join(' ') },
        denyEvidence,
      );
    }

    const node = await nodeAddresses(ctx);
    report.evidence(node.evidence);
    // The host's own addresses the signer binds or hears its local node on admit no other host.
    const own = (await facts(ctx).signerLocalAddresses()).map((entry) => entry.address);
    const isSingle = (subnet: Subnet, address: string) =>
      subnet.prefix === (subnet.family === 'ipv4' ? 32 : 128) && contains(subnet, address, familyOf(address));
    const isNodeAddress = (subnet: Subnet) =>
      (node.addresses?.some((address) => isSingle(subnet, address)) ?? false) ||
      own.some((address) => isSingle(subnet, address));
    const nodeLabel = node.addresses
      ? `${node.host}${node.addresses[0] !== node.host ? ` = ${node.addresses.join(', ')}` : ''}`
      : node.host;
    const allowedLabels: string[] = [];
    let problems = uncovered.length;
    for (const entry of allow) {
      const data = { unit: name, entry: entry.written, where: where(entry.assignment), node: nodeLabel };
      if (entry.subnets.length === 0) {
        problems++;
        // Not an address, so it could be any text the unit holds (a pasted token): named by its place, never quoted.
        report.warn(
          'allowInvalid',
          { unit: name, where: where(entry.assignment) },
          at(
            entry.assignment.file,
            entry.assignment.line,
            `${entry.assignment.key}=…: not an address, ignored by systemd`,
          ),
        );
        continue;
      }
      const outside = entry.subnets.filter(
        (subnet) => !LOOPBACK.some((loopback) => within(subnet, loopback)) && !isNodeAddress(subnet),
      );
      if (outside.length === 0) {
        allowedLabels.push(entry.written);
        continue;
      }
      problems++;
      const single = outside.every((subnet) => subnet.prefix === (subnet.family === 'ipv4' ? 32 : 128));
      if (single && node.addresses === undefined && entry.written !== 'any') {
        report.warn(
          'allowMaybeNode',
          { ...data, why: node.why ?? 'the node address is unknown' },
          entryEvidence(entry, 'unverified'),
        );
        continue;
      }
      const what = describeReach(entry.written, outside);
      report.fail('allowOther', { ...data, what }, entryEvidence(entry, what));
    }

    // Ingress and egress are both filtered: the node must be admitted or the signer is cut off from it.
    for (const address of node.addresses ?? []) {
      const family = familyOf(address);
      const denied = deny.some((entry) => entry.subnets.some((subnet) => contains(subnet, address, family)));
      const allowed = allow.some((entry) => entry.subnets.some((subnet) => contains(subnet, address, family)));
      if (denied && !allowed) {
        problems++;
        report.fail('nodeBlocked', { unit: name, address, host: node.host }, denyEvidence);
      }
    }
    if (problems === 0) {
      const allowed = allowedLabels.length > 0 ? allowedLabels.join(' ') : 'nothing';
      const evidence = [...denyEvidence, ...allow.map((entry) => entryEvidence(entry, 'allowed'))];
      const unenforceable = ctx.target.live ? await unenforceableReason(ctx) : undefined;
      if (unenforceable)
        return report.warn('notEnforced', { unit: name, allowed, why: unenforceable }, [
          ...evidence,
          at('/proc/1/status', undefined, `the filter is configured; enforcement is not assured: ${unenforceable}`),
        ]);
      report.pass('restricted', { unit: name, allowed }, evidence);
    }
  },
});

/**
 * Live only: why systemd may run the signer unfiltered, or undefined. systemd attaches IPAddressDeny=/IPAddressAllow=
 * as cgroup BPF programs: that needs a cgroup v2 hierarchy (unified, or hybrid's /sys/fs/cgroup/unified), and the
 * bpf() call, which a container's seccomp filter on PID 1 (systemd-nspawn's, Docker's) may refuse. Without either,
 * systemd proceeds without the filter (it logs this at debug level only).
 */
async function unenforceableReason(ctx: AuditContext): Promise<string | undefined> {
  const mounts = await ctx.target.readText('/proc/self/mountinfo').catch(() => undefined);
  if (mounts !== undefined && !/ - cgroup2 /.test(mounts))
    return 'no cgroup v2 hierarchy is mounted (/proc/self/mountinfo), and systemd needs one for its BPF filters';
  const init = await ctx.target.readText('/proc/1/status').catch(() => undefined);
  const seccomp = init === undefined ? undefined : /^Seccomp:\s*(\d+)/m.exec(init)?.[1];
  if (seccomp !== undefined && seccomp !== '0')
    return 'systemd (PID 1) itself runs under a seccomp filter, as in a container, which may refuse the bpf() call it needs to attach the filter';
  return undefined;
}

function describeReach(written: string, outside: Subnet[]): string {
  if (written === 'any') return 'every address';
  if (written === 'link-local')
    return 'link-local addresses (the cloud metadata service 169.254.169.254, every neighbour on the segment)';
  if (written === 'multicast') return 'multicast groups';
  const subnet = outside[0]!;
  const single = subnet.prefix === (subnet.family === 'ipv4' ? 32 : 128);
  if (single) return `${subnet.address}, which is not the node`;
  return `every address in ${subnet.address}/${subnet.prefix}`;
}
