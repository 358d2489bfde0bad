// The JSON report of every example host and of every fixture host in ./hosts.ts, byte for byte against the copies
// recorded in test/golden/reports/ (only the run's time and duration and the temp/checkout path are normalised; the
// auditing machine's own waivers file is not read).
// To re-record after an intended change of what the audit says: SIGNER_OPSEC_RECORD_GOLDEN=1 node --test
// dist/test/golden/reports.test.js, then review the diff like any other change.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { audit } from '../../src/cli/commands.js';
import { parseCommandLine } from '../../src/cli/program.js';
import { REPO_ROOT } from '../support/cli.js';
import { materialiseFiles } from '../support/materialise.js';
import { EXAMPLE_HOSTS, FIXTURE_HOSTS } from './hosts.js';

const GOLDEN_DIR = join(REPO_ROOT, 'test/golden/reports');
const RECORD = process.env.SIGNER_OPSEC_RECORD_GOLDEN === '1';

function normalise(json: string, root: string): string {
  return json
    .split(root)
    .join('<root>')
    .split(REPO_ROOT)
    .join('<repo>/')
    .replace(/"durationMs": \d+(\.\d+)?/g, '"durationMs": 0')
    .replace(/"generatedAt": "[^"]+"/, '"generatedAt": "<time>"');
}

async function reportOf(root: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `so-golden-${process.pid}-`));
  try {
    const file = join(out, 'report.json');
    // --allow-empty: a fixture without signer or node is recorded as the audit reports it, not refused.
    const outcome = parseCommandLine(
      ['audit', '--root', root, '--format', 'json', '--output', file, '--allow-empty', '--no-waivers'],
      '0',
    );
    assert.equal(outcome.kind, 'run');
    if (outcome.kind === 'run') await audit(outcome.selected.parsed as Parameters<typeof audit>[0]);
    return normalise(readFileSync(file, 'utf8'), root);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function compare(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, `${name}.json`);
  if (RECORD) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${name}: the JSON report differs from ${path}`);
}

for (const name of EXAMPLE_HOSTS) {
  test(`example host ${name}: JSON report unchanged`, async () => {
    compare(`example-${name}`, await reportOf(join(REPO_ROOT, `examples/hosts/${name}.tar`)));
  });
}

for (const [name, build] of Object.entries(FIXTURE_HOSTS)) {
  test(`fixture host ${name}: JSON report unchanged`, async () => {
    const fixture = await materialiseFiles(build());
    try {
      compare(`fixture-${name}`, await reportOf(fixture.root));
    } finally {
      fixture.cleanup();
    }
  });
}
