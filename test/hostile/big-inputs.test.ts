// Issue 18 items 10 and 17: ordinary files, only large, that overflowed the stack (`push(...list)`,
// `Math.max(...list)`): the audit aborted or controls became `error`. Each input is built here at the size that broke.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseStackerSet } from '../../src/stacks/signer-set.js';
import { analyseThreat } from '../../src/stacks/threat-analysis.js';
import { BIN } from '../support/cli.js';
import { materialiseExample } from '../support/materialise.js';
import { manyKeys, stackerSetText } from '../support/stacker-sets.js';

interface AuditJson {
  results: { id: string; status: string; message: string }[];
}

function audit(root: string, format = 'json'): string {
  const run = spawnSync(process.execPath, [BIN, 'audit', '--root', root, '--format', format], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    // One audit of the big tree took ~50 s at a load average of ~15 (the suite below: 106 s, two audits).
    timeout: 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.notEqual(run.stdout, '', `no report; stderr: ${run.stderr.slice(0, 2000)}`);
  assert.doesNotMatch(run.stderr, /call stack/i);
  return run.stdout;
}

function auditJson(root: string): AuditJson {
  return JSON.parse(audit(root)) as AuditJson;
}

function errors(report: AuditJson): string[] {
  return report.results
    .filter((result) => result.status === 'error')
    .map((result) => `${result.id}: ${result.message}`);
}

describe('audit on large ordinary files', { timeout: 900_000 }, () => {
  let root: string;
  let baseline: string[];
  before(async () => {
    root = await materialiseExample('hardened');
    baseline = errors(auditJson(root));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a 2 MB signer unit (130k Environment= lines), a 3.1 MB nftables ban list, 200k malformed passwd lines, 150k sudoers grants', () => {
    const unit = join(root, 'etc/systemd/system/stacks-signer.service');
    const environment = Array.from({ length: 130_000 }, (_, i) => `Environment=K${i}=v`).join('\n');
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('[Service]\n', `[Service]\n${environment}\n`));

    // A ban list: one rule whose anonymous set names 240k addresses.
    const nftables = join(root, 'etc/nftables.conf');
    const banned = Array.from({ length: 240_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    writeFileSync(
      nftables,
      readFileSync(nftables, 'utf8').replace(
        '\t\tct state invalid drop\n',
        `\t\tct state invalid drop\n\t\tip saddr { ${banned.join(', ')} } drop\n`,
      ),
    );

    appendFileSync(join(root, 'etc/passwd'), 'malformed passwd line\n'.repeat(200_000));
    appendFileSync(
      join(root, 'etc/sudoers'),
      Array.from({ length: 150_000 }, (_, i) => `user${i}\tALL=(ALL:ALL) /usr/bin/true\n`).join(''),
    );
    assert.ok(readFileSync(unit).length > 2_000_000);
    assert.ok(readFileSync(nftables).length > 3_000_000);

    const report = auditJson(root);
    assert.ok(report.results.length > 10);
    assert.deepEqual(errors(report), baseline, 'no control became an error');
    const inbound = report.results.find((result) => result.id === 'topology/inbound-firewall');
    assert.equal(inbound?.status, 'pass', inbound?.message);
    // The text report too (150k grants once overflowed it).
    assert.match(audit(root, 'text'), /topology\/inbound-firewall/);
  });
});

test('threat analysis of a 125k-signer set (15 MB) does not overflow the stack', { timeout: 400_000 }, async () => {
  const keys = await manyKeys(125_000);
  const signers = keys.map((signingKey, i) => ({
    signing_key: signingKey,
    weight: 1 + (i % 7),
    stacked_amt: 1_000_000_000n * BigInt(1 + (i % 7)),
  }));
  const set = parseStackerSet(stackerSetText(signers));
  assert.equal(set.signers.length, 125_000);
  const analysis = analyseThreat(set, { myKeys: [] });
  assert.equal(analysis.signers.figures.members, 125_000);
  const totalWeight = analysis.signers.figures.totalWeight;
  assert.equal(analysis.signers.figures.largestShare, 7 / totalWeight);
});
