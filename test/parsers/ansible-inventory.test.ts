import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  applyLimit,
  effectiveHostVars,
  expandHostPattern,
  hostConnection,
  type Inventory,
  MAX_RANGE_HOSTS,
  parseIniInventory,
  parseInventory,
  parseInventoryJson,
  parseYamlInventory,
  splitShellWords,
} from '../../src/parsers/ansible-inventory.js';

function ok(result: ReturnType<typeof parseIniInventory>): Inventory {
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.inventory;
}

const INI = `# signers
lonely ansible_host=10.0.0.9

[signers]
signer-a ansible_host=10.0.0.1 ansible_user=audit
signer-b:2222 ansible_host=10.0.0.2 ansible_ssh_common_args='-o ProxyJump=bastion -o "IdentityAgent none"'
web[01:03].example.com

[nodes]
node-a ansible_host=10.0.1.1 ansible_become=true

[prod:children]
signers
nodes

[prod:vars]
ansible_user=ops
ansible_ssh_private_key_file=/keys/prod
`;

const YAML = `
all:
  vars:
    ansible_user: ops
  children:
    signers:
      hosts:
        signer-a:
          ansible_host: 10.0.0.1
          ansible_user: audit
        signer-b:
          ansible_host: 10.0.0.2
          ansible_port: 2222
    nodes:
      hosts:
        node-a:
          ansible_host: 10.0.1.1
          ansible_become: yes
      vars:
        ansible_ssh_private_key_file: /keys/nodes
`;

describe('Ansible inventories', () => {
  test('INI: groups, children, group vars, host:port, ranges, quoted common args', () => {
    const inventory = ok(parseIniInventory(INI));
    assert.deepEqual(inventory.hostOrder, [
      'lonely',
      'signer-a',
      'signer-b',
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
      'node-a',
    ]);
    assert.deepEqual(inventory.groups.get('ungrouped')?.hosts, ['lonely']);
    assert.deepEqual(inventory.groups.get('prod')?.children, ['signers', 'nodes']);
    const a = hostConnection(inventory, 'signer-a');
    // The host's own variable wins over its group's.
    assert.deepEqual(a, {
      name: 'signer-a',
      address: '10.0.0.1',
      user: 'audit',
      become: false,
      identityFile: '/keys/prod',
      extraArgs: [],
    });
    const b = hostConnection(inventory, 'signer-b');
    assert.equal(b.port, 2222);
    assert.equal(b.user, 'ops');
    assert.deepEqual(b.extraArgs, ['-o', 'ProxyJump=bastion', '-o', 'IdentityAgent none']);
    assert.equal(hostConnection(inventory, 'node-a').become, true);
    assert.equal(hostConnection(inventory, 'lonely').user, undefined);
  });

  test('YAML gives the same hosts and connections as the equivalent INI', () => {
    const inventory = ok(parseYamlInventory(YAML));
    assert.deepEqual(inventory.hostOrder, ['signer-a', 'signer-b', 'node-a']);
    assert.equal(hostConnection(inventory, 'signer-a').user, 'audit');
    assert.equal(hostConnection(inventory, 'signer-b').user, 'ops');
    assert.equal(hostConnection(inventory, 'signer-b').port, 2222);
    assert.deepEqual(hostConnection(inventory, 'node-a'), {
      name: 'node-a',
      address: '10.0.1.1',
      user: 'ops',
      become: true,
      identityFile: '/keys/nodes',
      extraArgs: [],
    });
  });

  test('ansible-inventory --list JSON: groups, children and _meta.hostvars', () => {
    const json = JSON.stringify({
      _meta: {
        hostvars: { 'signer-a': { ansible_host: '10.0.0.1', ansible_port: 2201 }, 'node-a': { ansible_become: true } },
      },
      all: { children: ['ungrouped', 'prod'] },
      prod: { children: ['signers', 'nodes'] },
      signers: { hosts: ['signer-a'] },
      nodes: { hosts: ['node-a'] },
      ungrouped: {},
    });
    const inventory = ok(parseInventoryJson(json));
    assert.deepEqual(inventory.hostOrder, ['signer-a', 'node-a']);
    assert.equal(hostConnection(inventory, 'signer-a').port, 2201);
    assert.equal(hostConnection(inventory, 'node-a').become, true);
    assert.deepEqual(applyLimit(inventory, 'prod:!nodes'), { ok: true, hosts: ['signer-a'] });
  });

  test('--limit: groups, hosts, globs, ~regex, & and !, in inventory order', () => {
    const inventory = ok(parseIniInventory(INI));
    const hosts = (limit: string) => {
      const result = applyLimit(inventory, limit);
      assert.ok(result.ok);
      return result.hosts;
    };
    assert.deepEqual(hosts('nodes'), ['node-a']);
    assert.deepEqual(hosts('node-a,signer-a'), ['signer-a', 'node-a']);
    assert.deepEqual(hosts('prod:!signer-b'), [
      'signer-a',
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
      'node-a',
    ]);
    assert.deepEqual(hosts('web*'), ['web01.example.com', 'web02.example.com', 'web03.example.com']);
    assert.deepEqual(hosts('~^signer-[ab]$'), ['signer-a', 'signer-b']);
    assert.deepEqual(hosts('prod:&nodes'), ['node-a']);
    assert.deepEqual(hosts('all:!prod'), ['lonely']);
    assert.deepEqual(applyLimit(inventory, 'nosuch'), {
      ok: false,
      reason: '--limit nosuch: no host or group of the inventory matches it',
    });
  });

  test('format by content and name; bad input says where', () => {
    assert.ok(parseInventory(YAML, 'hosts.yml').ok);
    assert.ok(parseInventory(INI, 'hosts').ok);
    assert.ok(parseInventory('{"all":{"hosts":["x"]}}', 'dynamic.json').ok);
    assert.deepEqual(parseIniInventory('[signers\nx\n'), {
      ok: false,
      line: 1,
      reason: 'not a section header ([group], [group:vars] or [group:children])',
    });
    // The line is not quoted: it may hold a password.
    const secret = 'f022c0ffee0123456789abcdef7e57ed';
    const broken = parseIniInventory(`[signers:h ansible_ssh_pass=${secret}\n`);
    assert.ok(!broken.ok && !broken.reason.includes(secret), JSON.stringify(broken));
    assert.deepEqual(parseIniInventory('[g]\nhost ansible_port\n'), {
      ok: false,
      line: 2,
      reason: 'expected key=value',
    });
    const yaml = parseYamlInventory('all:\n  hostz: {}\n');
    assert.equal(yaml.ok, false);
  });

  test('host ranges and shell words', () => {
    assert.deepEqual(expandHostPattern('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
    assert.deepEqual(expandHostPattern('n[8:12:2]'), ['n8', 'n10', 'n12']);
    assert.deepEqual(splitShellWords(`-o 'A=b c' -o "D=\\"e\\"" f\\ g`), ['-o', 'A=b c', '-o', 'D="e"', 'f g']);
    assert.deepEqual(effectiveHostVars(ok(parseIniInventory(INI)), 'node-a').ansible_user, 'ops');
  });

  test('host ranges are capped at MAX_RANGE_HOSTS per inventory, with the line (issue #18)', () => {
    // Before the cap, h[0:9999999999] tried to build ten billion names; now it is refused before expanding.
    const huge = parseIniInventory('[signers]\nok-host\nh[0:9999999999]\n');
    assert.deepEqual(huge.ok ? 'parsed' : { line: huge.line, reason: huge.reason }, {
      line: 3,
      reason: `a host range expands to more than ${MAX_RANGE_HOSTS} hosts in this inventory (or has a zero stride)`,
    });
    const zeroStride = parseIniInventory('n[1:3:0]\n');
    assert.equal(zeroStride.ok ? 0 : zeroStride.line, 1);
    // Nested ranges multiply; ranges add up across lines.
    assert.equal(parseIniInventory('a[0:999]b[0:999]\n').ok, false);
    const split = parseIniInventory('a[1:60000]\nb[1:60000]\n');
    assert.equal(split.ok ? 0 : split.line, 2);
    const yaml = parseYamlInventory('all:\n  hosts:\n    "h[0:9999999999]": {}\n');
    assert.equal(yaml.ok ? 'parsed' : yaml.reason.includes('expands to more than'), true);
    // At the cap exactly, every host is there.
    const full = ok(parseIniInventory(`a[1:${MAX_RANGE_HOSTS}]\n`));
    assert.equal(full.hostOrder.length, MAX_RANGE_HOSTS);
  });

  test("group variable precedence is Ansible's own: depth, ansible_group_priority, then names in code-point order", () => {
    // Checked against the real ansible-inventory. "B" sorts before "a" in Python (and strcmp), after it in most
    // locales; a group of priority 0 is applied first whatever its name; a child group overrides its parent.
    const ini = `[B]
h1
h2
[a]
h1
[c]
h1
h2
[B:vars]
ansible_user=from-B
ansible_port=2201
[a:vars]
ansible_user=from-a
[c:vars]
ansible_user=from-c
ansible_port=2203
ansible_group_priority=0
[Z]
h2
[Z:vars]
ansible_host=10.0.0.26
[y]
h2
[y:vars]
ansible_host=10.0.0.25
[parent:children]
kid
[parent:vars]
ansible_user=from-parent
[kid]
h3
[kid:vars]
ansible_user=from-kid
[all:vars]
ansible_user=from-all
`;
    const work = mkdtempSync(join(tmpdir(), 'signer-opsec-inventory-'));
    try {
      const file = join(work, 'inventory.ini');
      writeFileSync(file, ini);
      const env = { ...process.env, ANSIBLE_LOCAL_TEMP: join(work, 'tmp'), ANSIBLE_HOME: join(work, 'home') };
      const inventory = ok(parseIniInventory(ini));
      for (const host of ['h1', 'h2', 'h3']) {
        const theirs = JSON.parse(
          execFileSync('ansible-inventory', ['-i', file, '--host', host], { encoding: 'utf8', env }),
        );
        const ours = effectiveHostVars(inventory, host);
        for (const key of ['ansible_user', 'ansible_host', 'ansible_port', 'ansible_group_priority'])
          assert.equal(
            ours[key] === undefined ? undefined : String(ours[key]),
            theirs[key] === undefined ? undefined : String(theirs[key]),
            `${host} ${key}`,
          );
      }
      assert.equal(hostConnection(inventory, 'h1').user, 'from-a');
      assert.equal(hostConnection(inventory, 'h2').address, '10.0.0.25');
      assert.equal(hostConnection(inventory, 'h3').user, 'from-kid');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
