// Review fixes of the firewall planner: where SSH ports come from (units, sockets, live sshd, this session), a
// never-enabled ruleset judged whole, the nftables unit's own file and target, container engines and a node in a
// bridged container, and the IPv6 rules (MLD, DHCPv6) read cleanly by the audit's firewall model.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sshdArgvPorts } from '../../../src/discovery/ssh-ports.js';
import { AuditContext } from '../../../src/engine/context.js';
import { parseRuleset, sessionFindings } from '../../../src/harden/firewall/guard.js';
import { planFirewall } from '../../../src/harden/firewall/plan.js';
import { mergeIntoNftablesConf, renderFirewallBlock } from '../../../src/harden/firewall/render.js';
import { decideLayout } from '../../../src/harden/layout.js';
import type { HardenLayout, PlanPart, WriteFileChange } from '../../../src/harden/types.js';
import { evaluateInbound } from '../../../src/net/firewall/evaluate.js';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { rootServicesHost } from '../../support/harden-hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';

const LAYOUT: HardenLayout = { colocated: true, notes: [], signer: { nodeAddresses: [] }, node: { p2pPort: 20444 } };
const DEBIAN_UNIT =
  '[Unit]\nDescription=nftables\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n[Install]\nWantedBy=sysinit.target\n';
const RHEL_UNIT =
  '[Unit]\nDescription=Netfilter Tables\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/sbin/nft -f /etc/sysconfig/nftables.conf\n[Install]\nWantedBy=multi-user.target\n';
/** A stale operator file: flush ruleset and a drop policy that accepts only 22. */
const STALE = `#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport 22 accept\n\t}\n}\n`;

function host(files: FileSpec): FileSpec {
  return {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n',
    'etc/group': 'root:x:0:\nadmin:x:1000:\n',
    'usr/sbin/sshd': { content: '#!/bin/sh\n', mode: 0o755 },
    'lib/systemd/system/ssh.service': '[Service]\nExecStart=/usr/sbin/sshd -D\n',
    'lib/systemd/system/nftables.service': DEBIAN_UNIT,
    ...files,
  };
}

async function plan(
  files: FileSpec,
  options: { live?: boolean; consoleAccess?: boolean; layout?: HardenLayout } = {},
): Promise<PlanPart> {
  const tree = await materialiseFiles(files);
  try {
    const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: options.live ?? false }));
    const layout = options.layout ?? LAYOUT;
    const part = await planFirewall({ ctx, layout, options: { consoleAccess: options.consoleAccess ?? false } });
    assert.ok(part);
    return part;
  } finally {
    tree.cleanup();
  }
}

const conf = (part: PlanPart) =>
  part.changes.find(
    (change): change is WriteFileChange => change.kind === 'write' && change.path === '/etc/nftables.conf',
  );
const sshRule = (part: PlanPart) => /tcp dport (.*) accept comment "ssh"/.exec(conf(part)?.content ?? '')?.[1];

describe('a ruleset that does not load at boot today is judged whole', () => {
  test('stale never-enabled nftables.conf that keeps only 22 while sshd listens on 2222: refused, no override', async () => {
    const part = await plan(host({ 'etc/ssh/sshd_config': 'Port 2222\n', 'etc/nftables.conf': STALE }));
    const refusal = part.refusals.find((entry) => entry.code === 'firewall-lockout');
    assert.ok(refusal, JSON.stringify(part.refusals));
    assert.equal(refusal.override, undefined);
    assert.match(refusal.message, /SSH port 2222 would be closed.*not loaded at boot today/);
  });

  test('the same file already enabled: what boots today is not ours to refuse, only noted', async () => {
    const part = await plan(
      host({
        'etc/ssh/sshd_config': 'Port 2222\n',
        'etc/nftables.conf': STALE,
        'etc/systemd/system/sysinit.target.wants/nftables.service': { symlink: '/lib/systemd/system/nftables.service' },
      }),
    );
    assert.deepEqual(part.refusals, []);
    assert.ok(part.notes.some((note) => /already so before harden: ipv4: the SSH port 2222/.test(note)));
  });
});

describe('SSH ports come from every place that sets one', () => {
  test('sshd argv: -p, -pN, -o Port=, -oPort N, -o ListenAddress=host:port', () => {
    assert.deepEqual(
      sshdArgvPorts([
        'sshd',
        '-D',
        '-p',
        '2201',
        '-p2202',
        '-o',
        'Port=2203',
        '-oPort 2204',
        '-o',
        'ListenAddress=[::1]:2205',
      ]),
      [2201, 2202, 2203, 2204, 2205],
    );
  });

  test('ssh.service ExecStart with $SSHD_OPTS from its EnvironmentFile', async () => {
    const part = await plan(
      host({
        'etc/ssh/sshd_config': 'PasswordAuthentication no\n',
        'etc/default/ssh': 'SSHD_OPTS="-p 2222"\n',
        'lib/systemd/system/ssh.service':
          '[Service]\nEnvironmentFile=-/etc/default/ssh\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n',
      }),
    );
    assert.equal(sshRule(part), '{ 22, 2222 }');
    assert.ok(
      part.notes.some((note) =>
        /2222 \(ssh\.service ExecStart -p, (\/usr)?\/lib\/systemd\/system\/ssh\.service:\d+\)/.test(note),
      ),
    );
  });

  test('ssh.socket ListenStream= with a drop-in that resets the list', async () => {
    const part = await plan(
      host({
        'etc/ssh/sshd_config': 'Port 22\n',
        'lib/systemd/system/ssh.socket': '[Socket]\nListenStream=22\nAccept=no\n',
        'etc/systemd/system/ssh.socket.d/listen.conf': '[Socket]\nListenStream=\nListenStream=0.0.0.0:2222\n',
      }),
    );
    assert.equal(sshRule(part), '{ 22, 2222 }');
    assert.ok(
      part.notes.some((note) => /2222 \(ssh\.socket ListenStream=, \/etc\/systemd\/system\/ssh\.socket\.d/.test(note)),
    );
  });

  test('no SSH port anywhere: refused, and --i-have-console-access overrides', async () => {
    const files: FileSpec = {
      'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
      'lib/systemd/system/nftables.service': DEBIAN_UNIT,
    };
    const refused = await plan(files);
    assert.equal(refused.refusals[0]?.code, 'no-ssh-port');
    assert.equal(refused.refusals[0]?.override, '--i-have-console-access');
    const overridden = await plan(files, { consoleAccess: true });
    assert.deepEqual(overridden.refusals, []);
    assert.equal(sshRule(overridden), undefined);
  });

  test('live: the port a running sshd listens on is kept open though no file names it', async () => {
    const work = mkdtempSync(join(tmpdir(), 'so-live-sshd-'));
    let sshd: ChildProcess | undefined;
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'key')]);
      // sshd refuses to start without its privilege separation directory.
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      const port = 20000 + (process.pid % 20000);
      sshd = spawn(
        '/usr/sbin/sshd',
        [
          '-D',
          '-f',
          '/dev/null',
          '-h',
          join(work, 'key'),
          '-p',
          String(port),
          '-o',
          'ListenAddress=127.0.0.1',
          '-o',
          'PidFile=none',
        ],
        {
          stdio: 'ignore',
        },
      );
      let part: PlanPart | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        part = await plan(host({ 'etc/ssh/sshd_config': 'Port 22\n' }), { live: true });
        if (part.notes.some((note) => note.includes(`${port} (sshd listening`))) break;
        await new Promise((done) => setTimeout(done, 100));
      }
      assert.ok(
        part?.notes.some((note) => note.includes(`${port} (sshd listening (pid ${sshd!.pid})`)),
        part?.notes.join('\n'),
      );
      assert.match(sshRule(part!) ?? '', new RegExp(`\\b${port}\\b`));
    } finally {
      sshd?.kill();
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('live over SSH: the session port (SSH_CONNECTION) is kept open; a whole file that cuts it is refused without override', async () => {
    const saved = process.env['SSH_CONNECTION'];
    process.env['SSH_CONNECTION'] = '198.51.100.7 50123 192.0.2.10 2200';
    try {
      const kept = await plan(host({ 'etc/ssh/sshd_config': 'Port 22\n' }), { live: true });
      assert.match(sshRule(kept) ?? '', /\b2200\b/);
      assert.ok(kept.notes.some((note) => /2200 \(this SSH session \(SSH_CONNECTION\)\)/.test(note)));
      assert.equal(kept.refusals.filter((entry) => entry.code === 'firewall-cuts-session').length, 0);
      const cut = await plan(
        host({
          'etc/ssh/sshd_config': 'Port 22\n',
          'etc/nftables.conf': STALE.replace('ct state established,related accept\n', ''),
          'etc/systemd/system/sysinit.target.wants/nftables.service': {
            symlink: '/lib/systemd/system/nftables.service',
          },
        }),
        { live: true },
      );
      const session = cut.refusals.filter((entry) => entry.code === 'firewall-cuts-session');
      assert.ok(session.length > 0, JSON.stringify(cut.refusals));
      assert.ok(session.every((entry) => entry.override === undefined));
      assert.match(session[0]!.message, /port 2200/);
    } finally {
      if (saved === undefined) delete process.env['SSH_CONNECTION'];
      else process.env['SSH_CONNECTION'] = saved;
    }
  });

  test('the session check reads the model: a ruleset without our SSH rule fails it', () => {
    const block = renderFirewallBlock({ sshPorts: [22], nodeAddresses: [] });
    const ruleset = parseRuleset('/x', new Map([['/x', mergeIntoNftablesConf(undefined, block) as string]]));
    assert.deepEqual(sessionFindings(ruleset, { client: '198.51.100.7', port: 22 }), []);
    assert.match(sessionFindings(ruleset, { client: '2001:db8::7', port: 2200 }).join(), /port 2200 would be closed/);
  });
});

describe('the nftables unit decides which file loads at boot and where it is enabled', () => {
  test('RHEL: the unit loads /etc/sysconfig/nftables.conf: no link, a note, inbound-firewall not claimed', async () => {
    const files = host({ 'etc/ssh/sshd_config': 'Port 22\n', 'usr/lib/systemd/system/nftables.service': RHEL_UNIT });
    delete files['lib/systemd/system/nftables.service'];
    const part = await plan(files);
    assert.deepEqual(part.errors, []);
    assert.deepEqual(
      part.changes.map((change) => change.kind),
      ['write'],
    );
    assert.deepEqual(part.addresses, []);
    assert.ok(
      part.notes.some((note) => /loads \/etc\/sysconfig\/nftables\.conf, not \/etc\/nftables\.conf/.test(note)),
    );
  });

  test('a unit wanted by multi-user.target is linked there', async () => {
    const part = await plan(
      host({
        'etc/ssh/sshd_config': 'Port 22\n',
        'lib/systemd/system/nftables.service': DEBIAN_UNIT.replace('sysinit.target', 'multi-user.target'),
      }),
    );
    const link = part.changes.find((change) => change.kind === 'symlink');
    assert.equal(link?.path, '/etc/systemd/system/multi-user.target.wants/nftables.service');
    assert.deepEqual(part.addresses, ['topology/inbound-firewall']);
  });

  test('a unit that loads no file is not enabled', async () => {
    const part = await plan(
      host({
        'etc/ssh/sshd_config': 'Port 22\n',
        'lib/systemd/system/nftables.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=sysinit.target\n',
      }),
    );
    assert.equal(part.changes.filter((change) => change.kind === 'symlink').length, 0);
    assert.deepEqual(part.addresses, []);
  });
});

describe('containers', () => {
  for (const path of ['snap/bin/docker', 'usr/local/bin/k3s', 'var/lib/libvirt', 'var/lib/rancher']) {
    test(`${path} counts as a container engine: no forward chain`, async () => {
      const part = await plan(host({ 'etc/ssh/sshd_config': 'Port 22\n', [path]: { content: '', mode: 0o755 } }));
      assert.doesNotMatch(conf(part)!.content, /chain forward/);
      assert.ok(part.notes.some((note) => note.includes(`/${path}`)));
    });
  }

  test('live: a docker0 interface counts as a container engine', async () => {
    const part = await plan(host({ 'etc/ssh/sshd_config': 'Port 22\n', 'sys/class/net/docker0': { dir: true } }), {
      live: true,
    });
    assert.doesNotMatch(conf(part)!.content, /chain forward/);
  });

  test('node in a bridged compose container, signer under systemd: the firewall area errors out', async () => {
    const files = rootServicesHost();
    delete files['etc/systemd/system/stacks-node.service'];
    files['opt/stacks/docker-compose.yml'] =
      'services:\n  node:\n    image: blockstack/stacks-core:3.1.0.0.0\n    ports:\n      - "20444:20444"\n';
    const tree = await materialiseFiles(files);
    try {
      const ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
      const layout = await decideLayout(ctx);
      const part = (await planFirewall({ ctx, layout, options: { consoleAccess: false } }))!;
      assert.match(part.errors.join('\n'), /the node runs in a container .*container bridge, not loopback/);
      assert.deepEqual(part.changes, []);
    } finally {
      tree.cleanup();
    }
  });
});

describe('IPv6: MLD and DHCPv6 replies', () => {
  test('accepted from link-local only, and read cleanly by the model: UDP 546 opens no TCP port', () => {
    const text = mergeIntoNftablesConf(
      undefined,
      renderFirewallBlock({ sshPorts: [22], p2pPort: 20444, nodeAddresses: [] }),
    ) as string;
    assert.match(
      text,
      /icmpv6 type \{ mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report \} ip6 saddr fe80::\/10 accept/,
    );
    assert.match(text, /ip6 saddr fe80::\/10 udp sport 547 udp dport 546 accept/);
    const ruleset = parseRuleset('/etc/nftables.conf', new Map([['/etc/nftables.conf', text]]));
    assert.deepEqual(ruleset.problems, []);
    assert.equal(evaluateInbound(ruleset, { family: 'ipv6', port: 546, source: 'fe80::1' }).reach, 'closed');
    for (const family of inboundExposure(ruleset)) {
      assert.deepEqual(
        family.open.map((open) => `${open.ports.from} ${open.reach}`),
        ['22 open', '20444 open'],
      );
    }
  });
});
