import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext } from '../../src/engine/context.js';
import { decideLayout, withConfig } from '../../src/harden/layout.js';
import { openTarget } from '../../src/target/open.js';
import { signerToml } from '../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';
import { NODE_TOML, passwdWithout, serviceHost, unitFile } from '../support/service-hosts.js';

async function layoutOf(spec: FileSpec) {
  const tree = await materialiseFiles(spec);
  try {
    return await decideLayout(new AuditContext(await openTarget(tree.root)));
  } finally {
    await tree.cleanup();
  }
}

describe('decideLayout', () => {
  test('a dedicated signer account is kept; the ExecStart config path is left alone when it matches', async () => {
    const layout = await layoutOf(serviceHost({ signer: ['User=stacks-signer'], node: ['User=stacks-node'] }));
    assert.equal(layout.signer?.account?.name, 'stacks-signer');
    assert.equal(layout.signer?.account?.create, false);
    assert.equal(layout.signer?.execStart, undefined);
    assert.equal(layout.signer?.dbDirectory, '/var/lib/stacks-signer');
    assert.deepEqual(layout.signer?.endpoint, { host: '127.0.0.1', port: 30000 });
    assert.equal(layout.node?.account?.name, 'stacks-node');
    assert.equal(layout.colocated, true);
  });

  test('a root signer reuses an unprivileged stacks-signer account when one exists', async () => {
    const layout = await layoutOf(serviceHost({ signer: [], node: ['User=stacks-node'] }));
    assert.equal(layout.signer?.account?.name, 'stacks-signer');
    assert.equal(layout.signer?.account?.create, false);
    assert.match(layout.signer?.account?.reason ?? '', /root/);
  });

  test('root services get new system accounts with free ids, unique across signer and node', async () => {
    const layout = await layoutOf(
      serviceHost({
        signer: [],
        node: [],
        passwd: passwdWithout('stacks-signer', 'stacks-node'),
        group: 'root:x:0:\nsudo:x:27:alice\ndocker:x:998:\nstacks-signer:x:990:\nalice:x:1000:\n',
      }),
    );
    const signer = layout.signer?.account;
    const node = layout.node?.account;
    assert.ok(signer?.create && node?.create);
    // A group already holds the name stacks-signer: useradd would refuse it, so the fallback name is used.
    assert.equal(signer.name, '_stacks-signer');
    assert.equal(node.name, 'stacks-node');
    assert.equal(signer.uid, 999);
    assert.equal(signer.gid, 999);
    assert.equal(node.uid, 997, 'docker holds gid 998, the signer 999');
  });

  // Issue 18 item 19: with `%#995 ALL=ALL` in sudoers, apply created the signer's account with uid/gid 995, born
  // sudo-capable; the audit then failed signer-user-unprivileged and a second apply made another account.
  test('a new account takes no id or name a sudoers rule names (#uid, %#gid, user, %group, through an alias)', async () => {
    const sudoers = [
      'User_Alias SIGNERS = #998, stacks-signer',
      '%#999 ALL=(ALL:ALL) ALL',
      'SIGNERS ALL=(ALL) NOPASSWD: ALL',
      '%_stacks-signer ALL=(ALL) ALL',
      '#996 ALL=(ALL) ALL',
      '',
    ].join('\n');
    const layout = await layoutOf(
      serviceHost(
        { signer: [], node: [], passwd: passwdWithout('stacks-signer', 'stacks-node') },
        { 'etc/sudoers': { content: sudoers, mode: 0o440 } },
      ),
    );
    const signer = layout.signer?.account;
    assert.ok(signer?.create, JSON.stringify(layout.signer));
    assert.equal(signer.name, 'stacks-signer-svc', 'stacks-signer and _stacks-signer are named by rules');
    assert.equal(signer.uid, 997, '999, 998 and 996 are named by rules');
    assert.equal(signer.gid, 997);
    assert.equal(layout.node?.account?.uid, 995);
  });

  test('a signer sharing the node account, or a login account with sudo, is moved to a fresh account', async () => {
    const shared = await layoutOf(serviceHost({ signer: ['User=stacks-node'], node: ['User=stacks-node'] }));
    assert.equal(shared.signer?.account?.name, 'stacks-signer', 'the existing unprivileged stacks-signer is reused');
    assert.equal(shared.signer?.account?.create, false);
    const login = await layoutOf(serviceHost({ signer: ['User=alice'], node: ['User=stacks-node'] }));
    assert.equal(login.signer?.account?.name, 'stacks-signer');
    assert.match(login.signer?.account?.reason ?? '', /alice is in group sudo.*login shell \/bin\/bash/);
  });

  test('login.defs narrows the system id range', async () => {
    const layout = await layoutOf({
      ...serviceHost({ signer: [], node: ['User=stacks-node'], passwd: passwdWithout('stacks-signer') }),
      'etc/login.defs': 'SYS_UID_MIN 200\nSYS_UID_MAX 300\nSYS_GID_MIN 200\nSYS_GID_MAX 300\n',
    });
    assert.equal(layout.signer?.account?.uid, 300);
  });

  test('a config under /home moves to /etc/stacks/signer and ExecStart follows', async () => {
    const layout = await layoutOf({
      ...serviceHost({ node: ['User=stacks-node'] }),
      'etc/systemd/system/stacks-signer.service': unitFile(
        'ExecStart=/usr/local/bin/stacks-signer run -c /home/alice/signer.toml',
        ['User=stacks-signer'],
      ),
      'home/alice/signer.toml': {
        content: signerToml({ db_path: '/home/alice/db/signer.sqlite' }),
        mode: 0o600,
        uid: 990,
        gid: 990,
      },
    });
    // No database there yet: it goes where a hardened unit can write it.
    assert.equal(layout.signer?.dbMovedFrom, '/home/alice/db/signer.sqlite');
    assert.equal(layout.signer?.dbPath, '/var/lib/stacks-signer/signer.sqlite');
    assert.equal(layout.signer?.configPath, '/home/alice/signer.toml');
    assert.equal(layout.signer?.configTarget, '/etc/stacks/signer/signer-config.toml');
    assert.deepEqual(layout.signer?.execStart, [
      '/usr/local/bin/stacks-signer',
      'run',
      '--config',
      '/etc/stacks/signer/signer-config.toml',
    ]);
  });

  test("the node's address: an IP, a name from etc/hosts, or unknown", async () => {
    const byIp = await layoutOf(
      serviceHost({
        signer: ['User=stacks-signer'],
        signerConfig: { content: signerToml({ node_host: '10.0.0.7:20443' }) },
      }),
    );
    assert.deepEqual(byIp.signer?.nodeAddresses, ['10.0.0.7']);
    assert.equal(byIp.colocated, false);
    // A node unit on this host that is not the signer's node (node_host names another host): not colocated.
    const otherNode = await layoutOf(
      serviceHost({
        signer: ['User=stacks-signer'],
        node: ['User=stacks-node'],
        signerConfig: { content: signerToml({ node_host: '10.0.0.7:20443' }) },
      }),
    );
    assert.ok(otherNode.node);
    assert.equal(otherNode.colocated, false);
    const byName = await layoutOf({
      ...serviceHost({
        signer: ['User=stacks-signer'],
        signerConfig: { content: signerToml({ node_host: 'node.lan:20443' }) },
      }),
      'etc/hosts': '127.0.0.1 localhost\n10.0.0.8 node.lan\nfd00::8 node.lan\n',
    });
    assert.deepEqual(byName.signer?.nodeAddresses, ['10.0.0.8', 'fd00::8']);
    const unknown = await layoutOf(
      serviceHost({
        signer: ['User=stacks-signer'],
        signerConfig: { content: signerToml({ node_host: 'node.example:20443' }) },
      }),
    );
    assert.deepEqual(unknown.signer?.nodeAddresses, []);
    assert.equal(unknown.signer?.nodeAddressUnknown, 'node.example');
  });

  test("the node's P2P and RPC ports and working_dir come from its config", async () => {
    const layout = await layoutOf(
      serviceHost({
        signer: ['User=stacks-signer'],
        node: ['User=stacks-node'],
        nodeConfig: {
          content: NODE_TOML.replace('0.0.0.0:20444', '0.0.0.0:21444').replace(
            '[node]',
            '[node]\nworking_dir = "/srv/chain"',
          ),
        },
      }),
    );
    assert.equal(layout.node?.p2pPort, 21444);
    assert.equal(layout.node?.rpcPort, 20443);
    assert.equal(layout.node?.workingDirectory, '/srv/chain');
  });
});

describe('withConfig', () => {
  test('replaces every spelling of the config option, or adds one after the subcommand', () => {
    const bin = '/usr/local/bin/stacks-signer';
    assert.deepEqual(withConfig([bin, 'run', '--config=/a'], 'run', '/b'), [bin, 'run', '--config=/b']);
    assert.deepEqual(withConfig([bin, 'run', '-c/a'], 'run', '/b'), [bin, 'run', '--config', '/b']);
    assert.deepEqual(withConfig([bin, 'run'], 'run', '/b'), [bin, 'run', '--config', '/b']);
    assert.deepEqual(withConfig([bin, 'run', '--config', '/a', '--x'], 'run', '/b'), [
      bin,
      'run',
      '--config',
      '/b',
      '--x',
    ]);
  });
});
