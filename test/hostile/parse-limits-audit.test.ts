// Issue #18: a file over a parse limit fails closed. The controls that read it report `error` naming the file, the
// line and the limit (never the content), and the audit goes on to judge everything else.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';

const MARK = 'QUOTEDCONTENT';

test('a unit drop-in, sshd_config and nftables.conf over their limits: their controls are errors', {
  timeout: 300_000,
}, async () => {
  const root = await materialiseExample('hardened');
  try {
    const dropIns = join(root, 'etc/systemd/system/stacks-signer.service.d');
    mkdirSync(dropIns, { recursive: true });
    // Over systemd's own LONG_LINE_MAX: systemd would not load this unit either.
    writeFileSync(join(dropIns, 'zz-big.conf'), `[Service]\nEnvironment=${MARK}${'x'.repeat(1024 * 1024)}\n`);
    const sshdConfig = join(root, 'etc/ssh/sshd_config');
    const sshdLines = readFileSync(sshdConfig, 'utf8').split('\n').length;
    appendFileSync(sshdConfig, `AllowUsers ${MARK}${' u'.repeat(1024 * 1024)}\n`);
    const nftables = join(root, 'etc/nftables.conf');
    // The line the new table opens on; its 64th inner brace is the 65th level.
    const tableLine = readFileSync(nftables, 'utf8').split('\n').length;
    appendFileSync(nftables, `table inet deep {\n${'{\n'.repeat(100)}${'}\n'.repeat(100)}}\n`);

    const run = spawnSync(process.execPath, [BIN, 'audit', '--root', root, '--format', 'json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 250_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(run.status, 2, run.stderr.slice(0, 2000));
    assert.ok(!run.stdout.includes(MARK) && !run.stderr.includes(MARK), 'the report quotes the content');
    const report = JSON.parse(run.stdout) as { results: { id: string; status: string; message: string }[] };
    const errors = report.results.filter((result) => result.status === 'error');
    const errorWith = (text: string) => errors.filter((result) => result.message.includes(text));

    const unit = errorWith(
      '/etc/systemd/system/stacks-signer.service.d/zz-big.conf:2: a line longer than 1 MiB (parse limit); not read',
    );
    assert.ok(
      unit.some((result) => result.id.startsWith('service/')),
      'the signer unit controls are errors',
    );
    const sshd = errorWith(
      `/etc/ssh/sshd_config:${sshdLines}: a line longer than 1 MiB (parse limit); not read; no sshd setting is judged`,
    );
    assert.ok(
      sshd.some((result) => result.id.startsWith('ssh/')),
      'the sshd controls are errors',
    );
    const firewall = errorWith(
      `/etc/nftables.conf, loaded at boot, is not judged: /etc/nftables.conf:${tableLine + 64}: nested deeper than 64 levels (parse limit); not read`,
    );
    assert.deepEqual(
      firewall.map((result) => result.id),
      ['topology/inbound-firewall'],
    );
    // The rest of the audit still reached verdicts.
    assert.ok(report.results.some((result) => result.status === 'pass'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
