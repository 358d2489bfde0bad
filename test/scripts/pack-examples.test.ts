import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { parse as parseToml } from 'smol-toml';
import { exampleHostsDir, listExampleHosts, readExampleHost, repoRoot } from '../../scripts/example-hosts.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { TarTarget } from '../../src/target/tar-target.js';
import { writeTar } from '../../src/target/tar-writer.js';
import type { Target } from '../../src/target/types.js';
import { materialiseExample } from '../support/materialise.js';

const HOSTS = ['hardened', 'published-guide'];
const CURVE_ORDER = secp256k1.Point.CURVE().n;

async function tomlAt(target: Target, path: string): Promise<Record<string, unknown>> {
  return parseToml(await target.readText(path)) as Record<string, unknown>;
}

function exposureScore(root: string, unit: string): number {
  const result = spawnSync('systemd-analyze', ['security', '--offline=true', `--root=${root}`, unit], {
    encoding: 'utf8',
  });
  assert.equal(result.error, undefined, `systemd-analyze must be installed: ${result.error?.message}`);
  const match = /Overall exposure level for \S+: (\d+\.\d)/.exec(result.stdout);
  assert.ok(match?.[1], `no score in: ${result.stdout.slice(-300)} ${result.stderr}`);
  return Number(match[1]);
}

describe('bundled example hosts', () => {
  const roots = new Map<string, string>();
  before(async () => {
    for (const name of HOSTS) roots.set(name, await materialiseExample(name));
  });
  after(() => {
    for (const root of roots.values()) rmSync(root, { recursive: true, force: true });
  });
  const directory = (name: string) => new DirectoryTarget(roots.get(name) ?? '', { live: false });

  test('the hosts are bundled', () => {
    assert.deepEqual(listExampleHosts(), ['docker-guide', ...HOSTS]);
  });

  test('docker-guide: a compose deployment with a fresh key, tokens that match and a .env holding the token', async () => {
    const root = await materialiseExample('docker-guide');
    try {
      const target = new DirectoryTarget(root, { live: false });
      const signer = await tomlAt(target, '/opt/stacks/signer-config.toml');
      const node = await tomlAt(target, '/opt/stacks/node-config.toml');
      const key = String(signer.stacks_private_key);
      assert.match(key, /^[0-9a-f]{64}01$/);
      const scalar = BigInt(`0x${key.slice(0, 64)}`);
      assert.ok(scalar >= 1n && scalar < CURVE_ORDER);
      const published = readFileSync(join(repoRoot(), 'data', 'published-secrets.json'), 'utf8');
      assert.ok(!published.includes(key.slice(0, 64)));
      assert.equal((node.connection_options as Record<string, unknown>).auth_token, signer.auth_password);
      assert.ok((await target.readText('/opt/stacks/.env')).includes(`AUTH_TOKEN=${signer.auth_password}`));
      const compose = await target.readText('/opt/stacks/compose.yaml');
      assert.match(compose, /"30000:30000"/);
      assert.match(compose, /\$\{SIGNER_VERSION:-4\.0\.2\}/);
      assert.doesNotMatch(compose, /^\s+user:/m);
      assert.ok(
        readFileSync(join(exampleHostsDir(), 'docker-guide.tar')).equals(
          writeTar(readExampleHost(join(exampleHostsDir(), 'docker-guide'))),
        ),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  for (const name of HOSTS) {
    test(`${name}.tar is up to date (npm run build) and reads like the materialised tree`, async () => {
      const archive = join(exampleHostsDir(), `${name}.tar`);
      assert.ok(
        readFileSync(archive).equals(writeTar(readExampleHost(join(exampleHostsDir(), name)))),
        `${archive} is stale`,
      );
      const fromTar = new TarTarget(archive);
      const fromDir = directory(name);
      for (const path of [
        '/etc/shadow',
        '/etc/stacks/signer/signer-config.toml',
        '/etc/stacks/node/node-config.toml',
        '/tmp',
        '/root',
      ]) {
        const [a, b] = [await fromTar.stat(path), await fromDir.stat(path)];
        assert.deepEqual([a?.type, a?.mode, a?.uid, a?.gid], [b?.type, b?.mode, b?.uid, b?.gid], path);
      }
      assert.equal((await fromTar.stat('/etc/shadow'))?.mode, 0o640);
      assert.equal((await fromTar.stat('/tmp'))?.mode, 0o1777);
      // Symlinks are kept: /lib → usr/lib resolves inside the archive (docker-guide ships no unit files).
      assert.equal((await fromTar.stat('/lib/systemd'))?.type ?? 'absent', name === 'docker-guide' ? 'absent' : 'dir');
    });

    test(`${name}: a fresh, valid signer key that is not a published one; node and signer tokens match`, async () => {
      const target = directory(name);
      const signer = await tomlAt(target, '/etc/stacks/signer/signer-config.toml');
      const node = await tomlAt(target, '/etc/stacks/node/node-config.toml');
      const key = String(signer.stacks_private_key);
      assert.match(key, /^[0-9a-f]{64}01$/);
      const scalar = BigInt(`0x${key.slice(0, 64)}`);
      assert.ok(scalar >= 1n && scalar < CURVE_ORDER);
      const published = readFileSync(join(repoRoot(), 'data', 'published-secrets.json'), 'utf8');
      assert.ok(!published.includes(key.slice(0, 64)));
      const connection = node.connection_options as Record<string, unknown>;
      assert.equal(connection.auth_token, signer.auth_password);
    });
  }

  test('published-guide is deployed as the guide shows', async () => {
    const target = directory('published-guide');
    const signer = await tomlAt(target, '/etc/stacks/signer/signer-config.toml');
    assert.deepEqual(
      [signer.endpoint, signer.metrics_endpoint, signer.auth_password],
      ['0.0.0.0:30000', '0.0.0.0:9154', '12345'],
    );
    assert.equal((await target.stat('/etc/stacks/signer/signer-config.toml'))?.mode, 0o644);
    const unit = await target.readText('/etc/systemd/system/stacks-signer.service');
    assert.match(unit, /--config \/home\/etc\/stacks\/signer\/signer-config.toml/);
    assert.equal(await target.stat('/home/etc/stacks/signer/signer-config.toml'), undefined);
    assert.match(await target.readText('/etc/group'), /^sudo:x:27:stacks$/m);
    assert.equal(await target.stat('/etc/apt/apt.conf.d/20auto-upgrades'), undefined);
    assert.equal(exposureScore(roots.get('published-guide') ?? '', 'stacks-signer.service'), 7.9);
  });

  test('hardened keeps everything local and confined', async () => {
    const target = directory('hardened');
    const signer = await tomlAt(target, '/etc/stacks/signer/signer-config.toml');
    assert.deepEqual([signer.endpoint, signer.metrics_endpoint], ['127.0.0.1:30000', '127.0.0.1:9154']);
    assert.match(String(signer.auth_password), /^[0-9a-f]{64}$/);
    const config = await target.stat('/etc/stacks/signer/signer-config.toml');
    assert.deepEqual([config?.mode, config?.uid], [0o600, 995]);
    assert.deepEqual((await target.stat('/var/lib/stacks-signer'))?.mode, 0o700);
    assert.match(await target.readText('/etc/passwd'), /^stacks-signer:x:995:995:[^:]*:[^:]*:\/usr\/sbin\/nologin$/m);
    assert.match(
      await target.readText('/var/lib/dpkg/status'),
      /Package: unattended-upgrades\nStatus: install ok installed/,
    );
    const score = exposureScore(roots.get('hardened') ?? '', 'stacks-signer.service');
    assert.ok(score < 2.0, `exposure ${score}`);
  });
});
