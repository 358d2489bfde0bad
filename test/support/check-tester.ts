import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditContext, type AuditOptions } from '../../src/engine/context.js';
import type { Check } from '../../src/engine/define-check.js';
import { type DetailedResult, runCheckDetailed } from '../../src/engine/runner.js';
import type { Status } from '../../src/engine/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { type FileSpec, materialiseFiles } from './materialise.js';

export interface CheckCase {
  name: string;
  /** The target's files, materialised with their modes and owners in a temp root. */
  files: FileSpec;
  options?: AuditOptions;
  /** Message ids that must be among the items carrying the expected status. */
  messages?: string[];
  /** Extra assertions on the result. */
  verify?(detailed: DetailedResult): void;
}

export interface CheckCases {
  pass?: CheckCase[];
  fail?: CheckCase[];
  warn?: CheckCase[];
  manual?: CheckCase[];
  notApplicable?: CheckCase[];
  notEvaluable?: CheckCase[];
  error?: CheckCase[];
}

const BUCKET_STATUS: Record<keyof CheckCases, Status> = {
  pass: 'pass',
  fail: 'fail',
  warn: 'warn',
  manual: 'manual',
  notApplicable: 'not_applicable',
  notEvaluable: 'not_evaluable',
  error: 'error',
};

/** Runs one check against a materialised target, as the CLI would. */
export async function runOn(check: Check, files: FileSpec, options: AuditOptions = {}): Promise<DetailedResult> {
  const fixture = await materialiseFiles(files);
  try {
    const ctx = new AuditContext(new DirectoryTarget(fixture.root, { live: false }), options);
    return await runCheckDetailed(check, ctx);
  } finally {
    await fixture.cleanup();
  }
}

/**
 * ESLint RuleTester's idea for controls: every control has passing and failing cases on real files
 * (or, for the manual practice controls, manual ones); duplicate case names are refused.
 */
export function runCheckCases(check: Check, cases: CheckCases): void {
  const automated = check.family !== 'practice';
  if (automated) {
    assert.ok(cases.pass?.length, `${check.id}: needs at least one pass case`);
    assert.ok(cases.fail?.length || cases.warn?.length, `${check.id}: needs at least one fail (or warn) case`);
  } else {
    assert.ok(cases.manual?.length, `${check.id}: needs at least one manual case`);
  }
  const names = new Set<string>();
  describe(check.id, () => {
    for (const [bucket, list] of Object.entries(cases) as [keyof CheckCases, CheckCase[] | undefined][]) {
      for (const testCase of list ?? []) {
        assert.ok(!names.has(testCase.name), `${check.id}: duplicate case name "${testCase.name}"`);
        names.add(testCase.name);
        const expected = BUCKET_STATUS[bucket];
        test(`${expected}: ${testCase.name}`, async () => {
          const detailed = await runOn(check, testCase.files, testCase.options);
          const { result, items } = detailed;
          assert.equal(result.status, expected, `status of ${check.id} — message: ${result.message}`);
          assert.ok(result.message.length > 0, 'a result always says why');
          for (const messageId of testCase.messages ?? []) {
            assert.ok(
              items.some((item) => item.messageId === messageId && item.status === expected),
              `expected message "${messageId}" with status ${expected}; got ${JSON.stringify(items.map((item) => [item.status, item.messageId]))}`,
            );
          }
          testCase.verify?.(detailed);
        });
      }
    }
  });
}
