// `audit --inventory` end to end: network namespaces, each with its own address, its own sshd and its own example
// host tree bound over /etc, /var/lib and /usr/local/bin; real ssh; INI, YAML and ansible-inventory JSON.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { type SshLab, startSshLab } from '../support/ssh-hosts.js';
import { key, stackerSetText } from '../support/stacker-sets.js';

const REPO = resolve(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/signer-opsec.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function extract(name: string, into: string): string {
  const tree = join(into, name);
  mkdirSync(tree);
  execFileSync('tar', ['-xf', join(REPO, `examples/hosts/${name}.tar`), '-C', tree]);
  return tree;
}

/** Adds login users to a tree: `auditor` may sudo without a password, `nosudo` may not sudo at all. */
function addUsers(tree: string): void {
  appendFileSync(
    join(tree, 'etc/passwd'),
    'auditor:x:2001:2001::/nonexistent:/bin/sh\nnosudo:x:2002:2002::/nonexistent:/bin/sh\n',
  );
  appendFileSync(join(tree, 'etc/group'), 'auditor:x:2001:\nnosudo:x:2002:\n');
  appendFileSync(join(tree, 'etc/shadow'), 'auditor:*:19000:0:99999:7:::\nnosudo:*:19000:0:99999:7:::\n');
  writeFileSync(join(tree, 'etc/sudoers.d/auditor'), 'auditor ALL=(root) NOPASSWD: ALL\n', { mode: 0o440 });
  // sudo goes through PAM: the host's PAM stack and its session modules' files (the tree has none).
  for (const name of ['pam.d', 'security', 'environment', 'login.defs']) {
    if (existsSync(`/etc/${name}`)) execFileSync('cp', ['-a', `/etc/${name}`, join(tree, 'etc/')]);
  }
}

async function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

type FleetJson = {
  summary: { exitCode: number; exitReason: string; audited: number; unreachable: number };
  hosts: {
    name: string;
    status: string;
    reason?: string;
    report?: { results: { id: string; status: string; severity: string }[] };
  }[];
  fleetResults: { id: string; status: string; message: string }[];
  matrix: { id: string; failing: string[] }[];
  weight?: {
    totalWeight: number;
    signers: { host: string; publicKey: string; weight: number; share: number }[];
    fleetWeight: number;
    fleetShare: number;
    crossesHalt: boolean;
    crossesApprove: boolean;
    atRiskWeight: number;
    atRiskShare: number;
    atRiskHosts: string[];
    notInSet: { host: string; publicKey: string }[];
  };
};

/** The compressed public key of an example host's signer key, derived here from its config (not by the tool). */
function examplePublicKey(tree: string, config: string): string {
  const hex = /^stacks_private_key = "([0-9a-f]{64})01"$/m.exec(readFileSync(join(tree, config), 'utf8'))![1]!;
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(hex, 'hex'));
  return ecdh.getPublicKey('hex', 'compressed');
}

const SIGNER_CONFIG = 'etc/stacks/signer/signer-config.toml';

function statusesOf(report: FleetJson, host: string): Record<string, string> {
  const found = report.hosts.find((entry) => entry.name === host);
  assert.ok(found?.report, `${host} was not audited: ${found?.reason}`);
  return Object.fromEntries(found.report.results.map((result) => [result.id, result.status]));
}

describe('audit --inventory over SSH', () => {
  let lab: SshLab;
  let work: string;
  let ini: string;
  let common: string;
  let hardenedKey: string;
  let guideKey: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'i13-fleet-'));
    const signerA = extract('hardened', work);
    // The same host tree twice: the same signer key on two hosts.
    const signerB = join(work, 'hardened-copy');
    execFileSync('cp', ['-a', signerA, signerB]);
    addUsers(signerA);
    const guide = extract('published-guide', work);
    const docker = extract('docker-guide', work);
    hardenedKey = examplePublicKey(signerA, SIGNER_CONFIG);
    guideKey = examplePublicKey(guide, SIGNER_CONFIG);
    lab = await startSshLab('fleet', [
      {
        alias: 'signer-a',
        tree: signerA,
        netns: true,
        privateTmp: true,
        privatePids: true,
        minimal: true,
        users: ['auditor', 'nosudo'],
      },
      { alias: 'signer-b', tree: signerB, netns: true, privateTmp: true, privatePids: true, minimal: true },
      { alias: 'guide', tree: guide, netns: true, privateTmp: true, privatePids: true, minimal: true },
      {
        alias: 'refused',
        tree: docker,
        netns: true,
        privateTmp: true,
        privatePids: true,
        minimal: true,
        refuseKey: true,
      },
    ]);
    const address = (alias: string) => lab.hosts.find((host) => host.alias === alias)!.address;
    common = `-o UserKnownHostsFile=${lab.knownHosts} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes`;
    ini = join(work, 'hosts.ini');
    writeFileSync(
      ini,
      [
        '[signers]',
        `signer-a ansible_host=${address('signer-a')}`,
        `signer-b ansible_host=${address('signer-b')}`,
        '[others]',
        `guide ansible_host=${address('guide')}`,
        `refused ansible_host=${address('refused')}`,
        `gone ansible_host=127.0.0.1 ansible_port=${await closedPort()}`,
        '[become_ok]',
        `a-become ansible_host=${address('signer-a')} ansible_user=auditor ansible_become=true`,
        '[become_no]',
        `a-nosudo ansible_host=${address('signer-a')} ansible_user=nosudo ansible_become=true`,
        '[all:vars]',
        `ansible_ssh_private_key_file=${lab.keyFile}`,
        `ansible_ssh_common_args='${common}'`,
        '',
      ].join('\n'),
    );
  });
  after(() => {
    lab?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** The INI inventory's signers and others (two of them unreachable) as JSON, `forks` at a time. */
  const auditSignersAndOthers = (forks: number) =>
    cli(['audit', '--inventory', ini, '--limit', 'signers,others', '--format', 'json', '--forks', String(forks)]);

  let first: FleetJson;
  test('INI inventory: unreachable and refused hosts are rows with a reason, the others are audited (exit 2)', async () => {
    const run = await auditSignersAndOthers(4);
    assert.equal(run.code, 2, run.stderr);
    first = JSON.parse(run.stdout) as FleetJson;
    const schema = JSON.parse(readFileSync(join(REPO, 'schema/fleet.schema.json'), 'utf8'));
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    ajv.addSchema(JSON.parse(readFileSync(join(REPO, 'schema/report.schema.json'), 'utf8')));
    const validate = ajv.compile(schema);
    assert.ok(validate(first), JSON.stringify(validate.errors));
    assert.deepEqual(
      first.hosts.map((host) => [host.name, host.status]),
      [
        ['signer-a', 'audited'],
        ['signer-b', 'audited'],
        ['guide', 'audited'],
        ['refused', 'unreachable'],
        ['gone', 'unreachable'],
      ],
    );
    assert.match(first.hosts[3]!.reason!, /authentication failed/);
    assert.match(first.hosts[4]!.reason!, /unreachable: .*Connection refused/);
    assert.match(first.summary.exitReason, /2 host\(s\) could not be audited: refused, gone/);
    const duplicate = first.fleetResults.find((result) => result.id === 'fleet/duplicate-signer-key')!;
    assert.equal(duplicate.status, 'fail');
    assert.match(duplicate.message, /on 2 hosts: signer-a, signer-b/);
    // Different trees, different verdicts: the hardened hosts and the published guide differ somewhere.
    assert.notDeepEqual(statusesOf(first, 'guide'), statusesOf(first, 'signer-a'));
    // The matrix orders controls by how many hosts fail them.
    const counts = first.matrix.map((row) => row.failing.length);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
    );
  });

  test('--forks 1 (one thread) gives the report --forks 4 gave (hosts split over worker threads)', async () => {
    const run = await auditSignersAndOthers(1);
    assert.equal(run.code, 2, run.stderr);
    // Run times and clocks differ between runs, and so does the number of files under the machine's own /root (the
    // test hosts share it, and other work writes there); everything else must not depend on the scheduling.
    const timeless = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value), (key, entry) =>
        /duration|At$|timestamp/i.test(key)
          ? undefined
          : typeof entry === 'string'
            ? entry.replace(/ in \d+ files outside/, ' in N files outside')
            : entry,
      );
    assert.deepEqual(timeless(JSON.parse(run.stdout)), timeless(first));
  });

  test('YAML inventory with --become: passwordless sudo audits as root; a password prompt is an error, not a hang', async () => {
    const address = lab.hosts.find((host) => host.alias === 'signer-a')!.address;
    const yaml = join(work, 'hosts.yml');
    writeFileSync(
      yaml,
      [
        'all:',
        '  vars:',
        `    ansible_ssh_private_key_file: ${lab.keyFile}`,
        `    ansible_ssh_common_args: "${common}"`,
        '  children:',
        '    become_ok:',
        '      hosts:',
        `        a-become: { ansible_host: ${address}, ansible_user: auditor, ansible_become: true }`,
        '    become_no:',
        '      hosts:',
        `        a-nosudo: { ansible_host: ${address}, ansible_user: nosudo, ansible_become: true }`,
        '    plain:',
        '      hosts:',
        `        a-plain: { ansible_host: ${address}, ansible_user: auditor }`,
        '',
      ].join('\n'),
    );
    const run = await cli(['audit', '--inventory', yaml, '--format', 'json']);
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(run.stdout) as FleetJson;
    const nosudo = report.hosts.find((host) => host.name === 'a-nosudo')!;
    assert.equal(nosudo.status, 'unreachable');
    assert.match(nosudo.reason!, /sudo asks for a password/);
    // Through sudo the audit sees what root sees: the same verdicts as signer-a audited as root.
    const asRoot = statusesOf(first, 'signer-a');
    const withBecome = statusesOf(report, 'a-become');
    assert.deepEqual(withBecome, asRoot);
    for (const id of ['keys/signer-config-permissions', 'keys/key-copies-on-host', 'identity/config-owner']) {
      assert.equal(withBecome[id], asRoot[id], id);
    }
    // Without sudo the unprivileged user can't read the signer config: the audit says so rather than passing.
    assert.notEqual(statusesOf(report, 'a-plain')['keys/key-copies-on-host'], 'pass');
  });

  test('ansible-inventory --list JSON and --limit; the text report has the matrix and the reasons', async () => {
    const json = execFileSync('ansible-inventory', ['-i', ini, '--list'], {
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'), ANSIBLE_HOME: join(work, 'ansible-home') },
    });
    const listed = join(work, 'inventory.json');
    writeFileSync(listed, json);
    const run = await cli(['audit', '--inventory', listed, '--limit', 'signer-a:gone', '--format', 'json']);
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(run.stdout) as FleetJson;
    // ansible-inventory lists groups by name: the order is its own.
    assert.deepEqual(report.hosts.map((host) => host.name).sort(), ['gone', 'signer-a']);
    assert.deepEqual(statusesOf(report, 'signer-a'), statusesOf(first, 'signer-a'));
    const text = await cli(['audit', '--inventory', ini, '--limit', 'signer-b:gone', '--format', 'text']);
    assert.equal(text.code, 2);
    assert.match(text.stdout, /Not audited\n {2}UNREACHABLE {2}gone \(ssh:\/\/127\.0\.0\.1:\d+\): unreachable/);
    assert.match(text.stdout, /Host × control\n {2}H1=signer-b\n/);
    assert.match(text.stdout, /Exit 2: 1 host\(s\) could not be audited: gone/);
    // The HTML page (its rendering is tested in Chromium by test/report/html.test.ts): the matrix of the audited
    // host, the unreachable one named above it, and the fleet controls.
    const html = await cli(['audit', '--inventory', ini, '--limit', 'signer-b:gone', '--format', 'html']);
    assert.equal(html.code, 2);
    assert.match(html.stdout, /<th scope="col">signer-b<\/th>/);
    assert.match(html.stdout, /<h2>Not audited \(1\)<\/h2><ul><li><strong>gone<\/strong>: [^<]*unreachable/);
    assert.match(html.stdout, /<h2>Fleet controls<\/h2>.*fleet\/duplicate-signer-key/s);
  });

  test('--stacker-set: the fleet weight from the derived public keys, 30%/70%, and the weight on critically failing hosts', async () => {
    const hosts = 'signer-a:signer-b:guide';
    // What the three audits say on their own: which hosts fail a critical control.
    const criticallyFailing = first.hosts
      .filter((host) => ['signer-a', 'signer-b', 'guide'].includes(host.name))
      .filter((host) => host.report!.results.some((each) => each.severity === 'critical' && each.status === 'fail'))
      .map((host) => host.name);
    // The published guide stores its key world-readable and more: critical failures. The hardened hosts have none.
    assert.deepEqual(criticallyFailing, ['guide']);
    // Cycle 1: hardened (on two hosts, one signer) 20 + guide 15 of 100 = 35%: over 30%, under 70%.
    const halting = join(work, 'set-halt.json');
    writeFileSync(
      halting,
      stackerSetText([
        { signing_key: hardenedKey, weight: 20, stacked_amt: 1 },
        { signing_key: guideKey, weight: 15, stacked_amt: 1 },
        { signing_key: key('other-1'), weight: 40, stacked_amt: 1 },
        { signing_key: key('other-2'), weight: 25, stacked_amt: 1 },
      ]),
    );
    const run = await cli([
      'audit',
      '--inventory',
      ini,
      '--limit',
      hosts,
      '--stacker-set',
      halting,
      '--format',
      'json',
    ]);
    assert.equal(run.code, 1, run.stderr);
    const weight = (JSON.parse(run.stdout) as FleetJson).weight!;
    assert.equal(weight.totalWeight, 100);
    assert.deepEqual(
      weight.signers.map((signer) => [signer.host, signer.publicKey, signer.weight]),
      [
        ['signer-a', hardenedKey, 20],
        ['signer-b', hardenedKey, 20],
        ['guide', guideKey, 15],
      ],
    );
    assert.equal(weight.fleetWeight, 35);
    assert.equal(weight.fleetShare, 0.35);
    assert.equal(weight.crossesHalt, true);
    assert.equal(weight.crossesApprove, false);
    assert.equal(weight.atRiskWeight, 15);
    assert.equal(weight.atRiskShare, 0.15);
    assert.deepEqual(weight.atRiskHosts, ['guide']);
    assert.deepEqual(weight.notInSet, []);

    // Cycle 2: hardened 60 + guide 15 of 100 = 75%: over 70%, in the text report.
    const approving = join(work, 'set-approve.json');
    writeFileSync(
      approving,
      stackerSetText([
        { signing_key: hardenedKey, weight: 60, stacked_amt: 1 },
        { signing_key: guideKey, weight: 15, stacked_amt: 1 },
        { signing_key: key('other-1'), weight: 25, stacked_amt: 1 },
      ]),
    );
    const text = await cli(['audit', '--inventory', ini, '--limit', hosts, '--stacker-set', approving]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /The fleet holds 75\.00% of the weight — alone it crosses 70%: it can approve blocks\./);
    assert.match(text.stdout, /15\.00% sits on hosts failing a critical control \(guide\)\./);

    // A set without the fleet's keys: below 30%, and each host's key named as not in the set.
    const absent = join(work, 'set-absent.json');
    writeFileSync(absent, stackerSetText([{ signing_key: key('other-1'), weight: 10, stacked_amt: 1 }]));
    const none = await cli([
      'audit',
      '--inventory',
      ini,
      '--limit',
      'guide',
      '--stacker-set',
      absent,
      '--format',
      'json',
    ]);
    const empty = (JSON.parse(none.stdout) as FleetJson).weight!;
    assert.equal(empty.fleetWeight, 0);
    assert.equal(empty.crossesHalt, false);
    assert.deepEqual(empty.notInSet, [{ host: 'guide', publicKey: guideKey }]);
  });
});
