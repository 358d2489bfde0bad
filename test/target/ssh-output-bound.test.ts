// Issue 18: every external process has a timeout and bounded output, the remote shell included. A hostile host (a
// real sshd whose ForceCommand streams endlessly, with or without newlines, before or after the shell's handshake) or
// an honest command printing more than the bound gives "wrote more than N bytes" for that host, never memory
// exhaustion; output within the bound still arrives whole.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_REMOTE_MAX_BYTES, SshConnection } from '../../src/target/ssh-connection.js';
import { type SshLab, startSshLab } from '../support/ssh-hosts.js';

const BIN = join(resolve(import.meta.dirname, '../../..'), 'bin/signer-opsec.js');
const MIB = 1024 * 1024;

function connection(lab: SshLab, alias: string, maxOutputBytes?: number): SshConnection {
  return new SshConnection({
    destination: { host: alias },
    configFile: lab.configFile,
    ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
  });
}

/** The CLI's exit code and output. */
function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('output through the SSH shell is bounded', { timeout: 300_000 }, () => {
  let lab: SshLab;
  before(async () => {
    lab = await startSshLab('bound', [
      { alias: 'honest' },
      // Never a line: the master's first answer would grow without end.
      { alias: 'no-line', forceCommand: 'cat /dev/zero' },
      // The handshake looks right, then endless lines (none an answer) and an endless line.
      { alias: 'stray-lines', forceCommand: 'echo connected; echo ready; exec yes' },
      { alias: 'endless-line', forceCommand: 'echo connected; echo ready; exec cat /dev/zero' },
      { alias: 'endless-stderr', forceCommand: 'echo connected; echo ready; exec cat /dev/zero >&2' },
    ]);
  });
  after(() => lab?.stop());

  test('a command printing more than the bound fails with it; within the bound its output is whole', async () => {
    for (const stream of ['', ' >&2']) {
      const ssh = connection(lab, 'honest', MIB);
      try {
        await ssh.open();
        const small = await ssh.exec(`head -c 1000 /dev/zero${stream}`);
        assert.equal(small.code, 0);
        assert.equal(stream === '' ? small.stdout.length : small.stderr.length, 1000);
        await assert.rejects(ssh.exec(`head -c ${4 * MIB} /dev/zero${stream}`), {
          message: `honest: the remote command wrote more than ${MIB} bytes of output and was stopped`,
        });
      } finally {
        ssh.close();
      }
    }
    // The bound of one request, tighter than the connection's.
    const ssh = connection(lab, 'honest');
    try {
      await ssh.open();
      await assert.rejects(ssh.exec('head -c 100000 /dev/zero', { maxBytes: 10_000 }), {
        message: /wrote more than 10000 bytes/,
      });
    } finally {
      ssh.close();
    }
  });

  test('a host that streams instead of answering is stopped at the bound, at every stage', async () => {
    const noLine = connection(lab, 'no-line', MIB);
    try {
      await assert.rejects(noLine.open(), { message: /^no-line: the remote command wrote more than 65536 bytes/ });
    } finally {
      noLine.close();
    }
    for (const alias of ['stray-lines', 'endless-line', 'endless-stderr']) {
      const ssh = connection(lab, alias, MIB);
      try {
        // The stream may pass the bound before the first request is even sent: open or exec fails with it.
        await assert.rejects(
          ssh.open().then(() => ssh.exec('true')),
          { message: `${alias}: the remote command wrote more than ${MIB} bytes of output and was stopped` },
        );
      } finally {
        ssh.close();
      }
    }
  });

  test('the CLI reports the bound for that host (default bound), and exits as for an unreachable host', async () => {
    const run = await cli(['audit', '--host', 'endless-line', '--ssh-config', lab.configFile, '--format', 'json']);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, new RegExp(`wrote more than ${DEFAULT_REMOTE_MAX_BYTES} bytes`));
  });
});
