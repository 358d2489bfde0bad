// The bundle bin/signer-opsec.js starts from (scripts/build-bundle.ts, bin/load-cli.js), built into a copy of the
// package: it runs with no dist/src and no node_modules beside it (data/ and package.json found as from dist/src), its
// V8 code cache is accepted, a cache made from other bytes of the same length is not used, the fleet's worker bundle
// starts, and in a source checkout a bundle older than the compiled tree (a `tsc`-only build) is not run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { buildBundle } from '../../scripts/build-bundle.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { TEST_SIGNER_KEY } from '../support/hosts.js';

const TIMEOUT_MS = 10 * 60_000;
const HARDENED = join(REPO_ROOT, 'examples/hosts/hardened.tar');
const GUIDE = join(REPO_ROOT, 'examples/hosts/published-guide.tar');

/** The report without what differs between two runs (when, how long). */
function stable(json: string): unknown {
  const report = JSON.parse(json) as { generatedAt?: string; summary: { durationMs?: number } };
  delete report.generatedAt;
  delete report.summary.durationMs;
  return report;
}

describe('the bundle bin/signer-opsec.js runs', { concurrency: false, timeout: TIMEOUT_MS }, () => {
  const scratch = mkdtempSync(join(tmpdir(), `so-bundle-${process.pid}-`));
  const pkg = join(scratch, 'package');
  const bin = join(pkg, 'bin/signer-opsec.js');
  const loader = join(pkg, 'bin/load-cli.js');
  const bundle = join(pkg, 'dist/bundle/cli/main.cjs');
  const compiledMain = join(pkg, 'dist/src/cli/main.js');
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  /** What the copy's loader says, asked in a child (loading the bundle runs it). */
  const ask = (expression: string): string =>
    spawnSync(process.execPath, ['-e', `const l = require(${JSON.stringify(loader)}); console.log(${expression})`], {
      encoding: 'utf8',
      timeout: 120_000,
    }).stdout.trim();
  /** dist/src and node_modules moved away, and back. */
  const hideTree = () => {
    renameSync(join(pkg, 'dist/src'), join(scratch, 'src-away'));
    rmSync(join(pkg, 'node_modules'));
  };
  const restoreTree = () => {
    renameSync(join(scratch, 'src-away'), join(pkg, 'dist/src'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
  };

  before(
    async () => {
      for (const part of ['bin', 'data', 'dist/src', 'package.json'])
        cpSync(join(REPO_ROOT, part), join(pkg, part), { recursive: true });
      // esbuild resolves the dependencies from here; the bundle then holds them.
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
      await buildBundle(pkg);
    },
    { timeout: TIMEOUT_MS },
  );
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('alone (no dist/src, no node_modules), with its code cache, as the compiled tree does', () => {
    assert.equal(ask('l.bundleIsCurrent()'), 'true');
    assert.equal(ask('l.loadBundle().cacheUsed'), 'true', 'V8 accepted the code cache the build made');
    hideTree();
    try {
      const version = run(['--version']);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
      for (const [tar, code] of [
        [HARDENED, 0],
        [GUIDE, 1],
      ] as const) {
        const bundled = run(['audit', '--root', tar, '--format', 'json']);
        const compiled = runCli(['audit', '--root', tar, '--format', 'json']);
        assert.equal(bundled.code, code, bundled.stderr);
        assert.equal(compiled.code, code, compiled.stderr);
        assert.deepEqual(stable(bundled.stdout), stable(compiled.stdout));
      }
      // data/: the published sample token (published-secrets.json) is recognised, a mnemonic checked against the
      // BIP-39 word list.
      assert.match(run(['audit', '--root', GUIDE]).stdout, /keys\/auth-token-strength/);
      const secrets = join(scratch, 'secrets');
      mkdirSync(secrets);
      writeFileSync(join(secrets, 'signer.toml'), `stacks_private_key = "${TEST_SIGNER_KEY}"\n`);
      // BIP-39 vectors.json, entropy 00…00.
      writeFileSync(join(secrets, 'seed.txt'), `${'abandon '.repeat(11)}about\n`);
      const scan = run(['scan', secrets]);
      assert.equal(scan.code, 1, scan.stderr);
      assert.match(scan.stdout, /critical stacks-private-key [0-9a-f]{8}/);
      assert.match(scan.stdout, /seed\.txt:1:\d+ \w+ bip39-mnemonic/);
      const usage = run(['audit', '--formt', 'json']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /unknown option '--formt' \(did you mean --format\?\)/);
    } finally {
      restoreTree();
    }
  });

  test("the fleet's worker thread starts from the bundle and ends when no host is left", async () => {
    hideTree();
    try {
      const worker = new Worker(join(pkg, 'dist/bundle/cli/fleet-worker.js'), {
        workerData: { options: {}, checkIds: [], emptyAudit: {}, concurrency: 1 },
      });
      worker.on('message', (message: { type: string }) => {
        if (message.type === 'next') worker.postMessage({ type: 'done' });
      });
      const code = await new Promise((resolve, reject) => {
        worker.on('error', reject);
        worker.on('exit', resolve);
      });
      assert.equal(code, 0);
    } finally {
      restoreTree();
    }
  });

  test('a code cache made from other bytes of the same length is not used', () => {
    const original = readFileSync(bundle);
    try {
      const text = original.toString('utf8');
      assert.ok(text.startsWith(`'use strict';`));
      writeFileSync(bundle, `"use strict";${text.slice(`'use strict';`.length)}`);
      assert.equal(statSync(bundle).size, original.length);
      assert.equal(ask('l.loadBundle().cacheUsed'), 'false');
      assert.equal(run(['audit', '--root', HARDENED, '--format', 'json']).code, 0);
    } finally {
      writeFileSync(bundle, original);
    }
  });

  test('in a source checkout, a bundle older than the compiled tree is not run; in an installed package it is', () => {
    const original = readFileSync(bundle);
    const source = join(pkg, 'src/cli/main.ts');
    try {
      writeFileSync(bundle, `throw new Error('the stale bundle ran');\n`);
      const later = new Date(Date.now() + 60_000);
      utimesSync(compiledMain, later, later);
      // A source checkout after `tsc` alone: dist/src runs.
      mkdirSync(join(pkg, 'src/cli'), { recursive: true });
      writeFileSync(source, '');
      assert.equal(ask('l.bundleIsCurrent()'), 'false');
      const audit = run(['audit', '--root', HARDENED, '--format', 'json']);
      assert.equal(audit.code, 0, audit.stderr);
      const same = new Date('1985-10-26T08:15:00Z');
      utimesSync(compiledMain, same, same);
      utimesSync(bundle, same, same);
      assert.equal(ask('l.bundleIsCurrent()'), 'true');
      // An installed package (no src/; npm gives each file the time it unpacked it): the bundle runs.
      rmSync(join(pkg, 'src'), { recursive: true });
      utimesSync(compiledMain, later, later);
      assert.equal(ask('l.bundleIsCurrent()'), 'true');
      const stale = run(['--version']);
      assert.notEqual(stale.code, 0);
      assert.match(stale.stderr, /the stale bundle ran/);
    } finally {
      writeFileSync(bundle, original);
      rmSync(join(pkg, 'src'), { recursive: true, force: true });
    }
  });
});
