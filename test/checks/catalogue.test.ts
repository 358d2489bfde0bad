import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allChecks } from '../../src/checks/index.js';
import { THREATS } from '../../src/engine/types.js';
import { REPO_ROOT } from '../support/cli.js';

// The catalogue's parity with its files: ids unique and equal to their path, each control with its test and its
// generated doc page, every threat known, and no control file left out of the catalogue.

const CONTROL_IDS = new Set(allChecks.map((check) => check.id));

test('ids are unique and follow family/name', () => {
  assert.equal(CONTROL_IDS.size, allChecks.length);
  for (const check of allChecks) assert.match(check.id, /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/);
});

test('each control lives in src/checks/<id>.ts as its default export', async () => {
  for (const check of allChecks) {
    const module = (await import(`../../src/checks/${check.id}.js`)) as { default: unknown };
    assert.equal(module.default, check, `${check.id}: default export of src/checks/${check.id}.ts`);
    const source = readFileSync(join(REPO_ROOT, 'src/checks', `${check.id}.ts`), 'utf8');
    assert.match(
      source.split('\n')[0]!,
      /^\/\/ .*https?:\/\//,
      `${check.id}: first line links the upstream documentation`,
    );
  }
});

test('every control file is in the catalogue', () => {
  for (const family of readdirSync(join(REPO_ROOT, 'src/checks'), { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const file of readdirSync(join(REPO_ROOT, 'src/checks', family.name))) {
      const source = readFileSync(join(REPO_ROOT, 'src/checks', family.name, file), 'utf8');
      if (!source.includes('defineCheck({')) continue;
      const id = `${family.name}/${file.replace(/\.ts$/, '')}`;
      assert.ok(
        CONTROL_IDS.has(id),
        `${id} defines a check but is not registered in src/checks/${family.name}/index.ts`,
      );
    }
  }
});

test('each control has a test file and a generated doc page', () => {
  for (const check of allChecks) {
    assert.ok(
      existsSync(join(REPO_ROOT, 'test/checks', `${check.id}.test.ts`)),
      `${check.id}: test/checks/${check.id}.test.ts`,
    );
    assert.ok(
      existsSync(join(REPO_ROOT, 'docs/controls', `${check.id}.md`)),
      `${check.id}: docs/controls/${check.id}.md`,
    );
  }
});

test('every threat is one of the threat model', () => {
  for (const check of allChecks) {
    for (const threat of check.threats)
      assert.ok((THREATS as readonly string[]).includes(threat), `${check.id}: ${threat}`);
  }
});

test('the controls of issue #2 are all implemented', () => {
  const expected = [
    'topology/node-host-trusted',
    'topology/observer-endpoint-trusted',
    'topology/signer-endpoint-exposure',
    'topology/metrics-endpoint-local',
    'topology/node-rpc-exposure',
    'topology/colocation',
    'identity/signer-not-root',
    'identity/separate-service-users',
    'identity/signer-user-unprivileged',
    'identity/config-owner',
    'keys/signer-config-permissions',
    'keys/node-config-permissions',
    'keys/key-format',
    'keys/known-public-key',
    'keys/auth-token-strength',
    'keys/secrets-in-environment',
    'keys/signer-db-permissions',
    'service/baseline-directives',
    'service/unit-consistency',
    'service/egress-restricted',
    'service/restart-policy',
    'ssh/password-authentication',
    'ssh/root-login',
    'ssh/non-standard-port',
    'os/security-updates',
    'practice/offline-key-generation',
    'practice/social-engineering',
    'practice/cold-backup',
    'practice/verify-releases',
    'practice/source-builds',
  ];
  for (const id of expected) assert.ok(CONTROL_IDS.has(id), `${id} is missing`);
});

test('src/checks/ holds only controls and their family indexes (helpers live in src/facts/)', () => {
  const listed: string[] = [];
  for (const entry of readdirSync(join(REPO_ROOT, 'src/checks'), { withFileTypes: true })) {
    if (!entry.isDirectory()) {
      assert.equal(entry.name, 'index.ts', `src/checks/${entry.name}: only the catalogue index sits at the top`);
      continue;
    }
    for (const file of readdirSync(join(REPO_ROOT, 'src/checks', entry.name))) {
      if (file !== 'index.ts') listed.push(`${entry.name}/${file.replace(/\.ts$/, '')}`);
    }
  }
  assert.deepEqual(listed.sort(), [...CONTROL_IDS].sort());
});
