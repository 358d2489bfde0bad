import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import check from '../../../src/checks/binary/running-matches-disk.js';
import { AuditContext } from '../../../src/engine/context.js';
import { type DetailedResult, runCheckDetailed } from '../../../src/engine/runner.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import type { ProcessInfo } from '../../../src/target/types.js';
import { runOn } from '../../support/check-tester.js';
import { BASE_USERS, signerUnitHost } from '../../support/hosts.js';
import { type MaterialisedTree, materialiseFiles } from '../../support/materialise.js';

// Real processes: a copy of node named stacks-signer, sleeping, found through the real /proc. The live target is a
// temp root marked live, so the unit's /usr/local/bin/stacks-signer is the copy inside it.

const UNIT_BINARY = 'usr/local/bin/stacks-signer';

/** The pids this file started: the live /proc is shared with test files running beside it. */
const ours = new Set<number>();

/**
 * The temp root, live, but seeing only this file's processes: other test files (the booted hosts' and the SSH test
 * hosts' stand-in signers) run processes named stacks-signer on this machine at the same time, and the control
 * rightly judges every one of them.
 */
class OwnProcessesTarget extends DirectoryTarget {
  override async processes(): Promise<ProcessInfo[]> {
    return (await super.processes()).filter((process) => ours.has(process.pid));
  }
}

function startSigner(path: string): Promise<ChildProcess> {
  const child = spawn(path, ['-e', 'setInterval(() => {}, 1000); console.log("ready")'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.pid !== undefined) ours.add(child.pid);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve(child));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('binary/running-matches-disk', () => {
  let tree: MaterialisedTree;
  let binary: string;

  before(async () => {
    tree = await materialiseFiles(signerUnitHost());
    binary = join(tree.root, UNIT_BINARY);
  });
  after(() => tree.cleanup());

  function installCopy(path: string): void {
    mkdirSync(join(path, '..'), { recursive: true });
    rmSync(path, { force: true });
    copyFileSync(process.execPath, path);
    chmodSync(path, 0o755);
  }

  async function audit(): Promise<DetailedResult> {
    return runCheckDetailed(check, new AuditContext(new OwnProcessesTarget(tree.root, { live: true })));
  }

  test('pass: the running process is the file the unit starts', async () => {
    installCopy(binary);
    const child = await startSigner(binary);
    try {
      const { result, items } = await audit();
      assert.equal(result.status, 'pass', result.message);
      assert.ok(items.some((item) => item.messageId === 'matches' && item.message.includes(`Process ${child.pid} `)));
    } finally {
      await stop(child);
    }
  });

  test('fail: the file was replaced after the start, so the running one is "(deleted)"', async () => {
    installCopy(binary);
    const child = await startSigner(binary);
    try {
      unlinkSync(binary); // an upgrade writes a new file; the running inode is unlinked
      installCopy(binary);
      const { result, items } = await audit();
      assert.equal(result.status, 'fail', result.message);
      assert.ok(items.some((item) => item.messageId === 'deleted' && item.status === 'fail'));
    } finally {
      await stop(child);
    }
  });

  test('fail: the process runs other code than the unit file', async () => {
    const elsewhere = join(tree.root, 'opt/old/stacks-signer');
    installCopy(elsewhere);
    rmSync(binary, { force: true });
    copyFileSync(join(tree.root, 'etc/passwd'), binary); // a different file at the unit's path
    const child = await startSigner(elsewhere);
    try {
      const { result, items } = await audit();
      assert.equal(result.status, 'fail', result.message);
      assert.ok(items.some((item) => item.messageId === 'differs'));
      assert.match(result.message, /differs from \/usr\/local\/bin\/stacks-signer on disk/);
    } finally {
      await stop(child);
    }
  });

  test('error: the unit file cannot be read to compare (a directory at its path), never a warn', async () => {
    // Fail closed (issue 18): this was a warn, which `--fail-on` lets pass; the running code was never compared.
    const elsewhere = join(tree.root, 'opt/old/stacks-signer');
    installCopy(elsewhere);
    rmSync(binary, { force: true });
    mkdirSync(binary);
    const child = await startSigner(elsewhere);
    try {
      const { result, items } = await audit();
      assert.equal(result.status, 'error', result.message);
      assert.ok(items.some((item) => item.messageId === 'unreadable' && item.status === 'error'));
    } finally {
      await stop(child);
      rmSync(binary, { recursive: true, force: true });
    }
  });

  test('not applicable: live, but no stacks-signer process', async () => {
    const { result } = await audit();
    assert.equal(result.status, 'not_applicable', result.message);
  });

  test('offline: not evaluable; no signer: not applicable', async () => {
    assert.equal((await runOn(check, signerUnitHost())).result.status, 'not_evaluable');
    assert.equal((await runOn(check, BASE_USERS)).result.status, 'not_applicable');
  });
});
