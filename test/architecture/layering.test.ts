// The layering rules of .dependency-cruiser.cjs (run on src/ by `npm run deps`, part of `npm test`) catch what they
// are meant to: on a private copy of src/ with one planted import per rule, each rule fires, on the planted file
// only, and the one import harden may make into checks/ (the catalogue index) is not reported.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/cli.js';

const DEPCRUISE = join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** Planted files (path under the copy's src/ → source) and the violations they must raise (rule, from, to). */
const PLANTS: Record<string, string> = {
  'parsers/zz-plant.ts': "import { allChecks } from '../checks/index.js';\nexport const n = allChecks.length;\n",
  'facts/zz-plant.ts': "import type { HardenArea } from '../harden/types.js';\nexport type P = HardenArea;\n",
  'checks/zz-plant.ts': [
    "import { readFileSync } from 'node:fs';",
    "import { execFileSync } from 'node:child_process';",
    "import type { HardenArea } from '../harden/types.js';",
    'export type P = HardenArea;',
    'export const f = [readFileSync, execFileSync];',
    '',
  ].join('\n'),
  'harden/zz-plant.ts': "import rootLogin from '../checks/ssh/root-login.js';\nexport const c = rootLogin;\n",
  'harden/zz-allowed.ts': "import { allChecks } from '../checks/index.js';\nexport const n = allChecks.length;\n",
  'facts/zz-cycle-a.ts': "import { b } from './zz-cycle-b.js';\nexport const a = (): number => b() + 1;\n",
  'facts/zz-cycle-b.ts': "import { a } from './zz-cycle-a.js';\nexport const b = (): number => a() - 1;\n",
};

const EXPECTED = [
  'checks-never-import-harden src/checks/zz-plant.ts -> src/harden/types.ts',
  'checks-read-no-files-and-run-nothing src/checks/zz-plant.ts -> child_process',
  'checks-read-no-files-and-run-nothing src/checks/zz-plant.ts -> fs',
  'facts-below-checks-harden-report-cli src/facts/zz-plant.ts -> src/harden/types.ts',
  'harden-imports-no-check-file src/harden/zz-plant.ts -> src/checks/ssh/root-login.ts',
  // A cycle is reported once, at its first module; the lines below it list the way round.
  'no-cycles src/facts/zz-cycle-a.ts',
  'parsers-import-only-parsers src/parsers/zz-plant.ts -> src/checks/index.ts',
];

test('the layering rules fail on a planted violation of each, and only on those', () => {
  const copy = mkdtempSync(join(tmpdir(), `so-layering-${process.pid}-`));
  try {
    cpSync(join(REPO_ROOT, 'src'), join(copy, 'src'), { recursive: true });
    cpSync(join(REPO_ROOT, 'tsconfig.json'), join(copy, 'tsconfig.json'));
    cpSync(join(REPO_ROOT, '.dependency-cruiser.cjs'), join(copy, '.dependency-cruiser.cjs'));
    for (const [path, source] of Object.entries(PLANTS)) writeFileSync(join(copy, 'src', path), source);
    const run = spawnSync(
      process.execPath,
      [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      { cwd: copy, encoding: 'utf8', timeout: 300_000, maxBuffer: 256 * 1024 * 1024 },
    );
    // The exit status is the number of errors: what makes `npm test` fail.
    assert.equal(run.status, EXPECTED.length, `${run.stdout}${run.stderr}`);
    // Lines read "  error <rule>: <from> → <to>" (for a cycle, the way round follows on the next lines).
    const found = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) \u2192 ?(\S*)$/gm)]
      .map(([, rule, from, to]) => (to ? `${rule} ${from} -> ${to}` : `${rule} ${from}`))
      .sort();
    assert.deepEqual(found, EXPECTED);
    assert.match(run.stdout, /zz-cycle-a\.ts[\s\S]*zz-cycle-b\.ts/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
