import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditContext } from '../../src/engine/context.js';
import { type CheckDefinition, defineCheck, type Reporter } from '../../src/engine/define-check.js';
import { CheckError } from '../../src/engine/errors.js';
import { runCheck, runCheckDetailed, runChecks } from '../../src/engine/runner.js';
import type { Evidence, Status } from '../../src/engine/types.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { NotEvaluableError, TargetError } from '../../src/target/errors.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';

type Id = 'good' | 'bad' | 'meh' | 'ask' | 'absent' | 'blind' | 'who';

const MESSAGES: Record<Id, string> = {
  good: 'good {{what}}',
  bad: 'bad {{what}}',
  meh: 'meh {{what}}',
  ask: 'ask about {{what}}',
  absent: 'no {{what}} here',
  blind: 'cannot see {{what}}',
  who: '{{user}} owns it',
};

/** A small check of the runner's own, built as real checks are. */
function inlineCheck(
  run: (ctx: AuditContext, report: Reporter<Id>) => void | Promise<void>,
  overrides: Partial<CheckDefinition<Id>> = {},
) {
  return defineCheck<Id>({
    id: 'engine/inline-check',
    title: 'Inline check',
    threats: ['host-compromise', 'supply-chain'],
    severity: 'high',
    description: 'A check built by the test.',
    remediation: 'Fix it.',
    references: ['https://example.org/inline'],
    messages: MESSAGES,
    run,
    ...overrides,
  });
}

let tree: MaterialisedTree;
let ctx: AuditContext;

before(async () => {
  tree = await materialiseFiles({ 'etc/hostname': 'signer-01\n' });
  ctx = new AuditContext(new DirectoryTarget(tree.root, { live: false }));
});
after(() => tree.cleanup());

describe('runCheckDetailed: verdicts', () => {
  test('a check reading the target passes, and the result carries its metadata', async () => {
    const check = inlineCheck(async (context, report) => {
      const hostname = (await context.target.readText('/etc/hostname')).trim();
      report.pass('good', { what: hostname }, { file: '/etc/hostname', line: 1, detail: 'read' });
    });
    const { result, items } = await runCheckDetailed(check, ctx);
    assert.deepEqual(result, {
      id: 'engine/inline-check',
      title: 'Inline check',
      family: 'engine',
      threats: ['host-compromise', 'supply-chain'],
      severity: 'high',
      remediation: 'Fix it.',
      references: ['https://example.org/inline'],
      status: 'pass',
      message: 'good signer-01',
      evidence: [{ file: '/etc/hostname', line: 1, detail: 'read' }],
    });
    assert.deepEqual(items, [{ status: 'pass', messageId: 'good', message: 'good signer-01' }]);
    assert.ok(!('severityReason' in result));
    assert.ok(!('data' in result));
  });

  test('the worst status wins and the message joins only the items of that status', async () => {
    const check = inlineCheck((_ctx, report) => {
      report.pass('good', { what: 'a' });
      report.fail('bad', { what: 'b' });
      report.warn('meh', { what: 'c' });
      report.fail('bad', { what: 'd' });
      report.manual('ask', { what: 'e' });
    });
    const { result, items } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'fail');
    assert.equal(result.message, 'bad b bad d');
    assert.deepEqual(
      items.map((item) => [item.status, item.messageId, item.message]),
      [
        ['pass', 'good', 'good a'],
        ['fail', 'bad', 'bad b'],
        ['warn', 'meh', 'meh c'],
        ['fail', 'bad', 'bad d'],
        ['manual', 'ask', 'ask about e'],
      ],
    );
  });

  // Each pair: reported first, reported second → the status of the result (order must not matter).
  const rankings: [Status, Status, Status][] = [
    ['not_applicable', 'not_evaluable', 'not_evaluable'],
    ['not_evaluable', 'pass', 'pass'],
    ['pass', 'manual', 'manual'],
    ['manual', 'warn', 'warn'],
    ['warn', 'fail', 'fail'],
    ['not_applicable', 'pass', 'pass'],
  ];
  const report = (reporter: Reporter<Id>, status: Status, what: string) => {
    const send = {
      pass: () => reporter.pass('good', { what }),
      fail: () => reporter.fail('bad', { what }),
      warn: () => reporter.warn('meh', { what }),
      manual: () => reporter.manual('ask', { what }),
      not_applicable: () => reporter.notApplicable('absent', { what }),
      not_evaluable: () => reporter.notEvaluable('blind', { what }),
      error: () => assert.fail('no reporter method for error'),
    };
    send[status]();
  };
  for (const [lower, higher, expected] of rankings) {
    test(`${higher} outranks ${lower}, in either order`, async () => {
      for (const order of [
        [lower, higher],
        [higher, lower],
      ] as const) {
        const check = inlineCheck((_ctx, reporter) => {
          report(reporter, order[0], 'x');
          report(reporter, order[1], 'y');
        });
        const { result } = await runCheckDetailed(check, ctx);
        assert.equal(result.status, expected, `order ${order.join(', ')}`);
        assert.equal(result.message.split(' ').at(-1), order[0] === expected ? 'x' : 'y');
      }
    });
  }

  test('notApplicable and notEvaluable items alone give those statuses', async () => {
    const absent = await runCheck(
      inlineCheck((_ctx, reporter) => reporter.notApplicable('absent', { what: 'signer' })),
      ctx,
    );
    assert.equal(absent.status, 'not_applicable');
    assert.equal(absent.message, 'no signer here');
    const blind = await runCheck(
      inlineCheck((_ctx, reporter) => reporter.notEvaluable('blind', { what: 'processes' })),
      ctx,
    );
    assert.equal(blind.status, 'not_evaluable');
    assert.equal(blind.message, 'cannot see processes');
  });

  test('evidence of every item and of evidence() is kept, in order, whatever the status', async () => {
    const first: Evidence = { file: '/a', line: 2, detail: 'first' };
    const second: Evidence = { detail: 'second' };
    const third: Evidence = { file: '/c', detail: 'third' };
    const check = inlineCheck((_ctx, reporter) => {
      reporter.pass('good', { what: 'x' }, first);
      reporter.evidence([second]);
      reporter.fail('bad', { what: 'y' }, [third]);
      reporter.evidence({ detail: 'fourth' });
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.deepEqual(result.evidence, [first, second, third, { detail: 'fourth' }]);
  });

  test('runCheck returns the result of runCheckDetailed', async () => {
    const check = inlineCheck((_ctx, reporter) => reporter.warn('meh', { what: 'z' }));
    assert.deepEqual(await runCheck(check, ctx), (await runCheckDetailed(check, ctx)).result);
  });

  test('the result does not share arrays with the frozen check', async () => {
    const check = inlineCheck((_ctx, reporter) => reporter.pass('good', { what: 'x' }));
    const result = await runCheck(check, ctx);
    result.threats.push('key-in-scm');
    result.references.push('https://example.org/extra');
    assert.deepEqual(check.threats, ['host-compromise', 'supply-chain']);
    assert.deepEqual(check.references, ['https://example.org/inline']);
  });
});

describe('runCheckDetailed: errors', () => {
  test('an unknown message id is an error naming the check and the id', async () => {
    const check = inlineCheck((_ctx, reporter) => (reporter as Reporter<string>).pass('nope'));
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.ok(result.message.includes('engine/inline-check'), result.message);
    assert.ok(result.message.includes('"nope"'), result.message);
  });

  test('a placeholder without a value is an error of the check', async () => {
    const check = inlineCheck((_ctx, reporter) => reporter.fail('who', { path: '/x' }));
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.match(result.message, /^internal error in engine\/inline-check: .*\{\{user\}\} has no value/);
  });

  test('a check that reports nothing is an error, never a pass', async () => {
    const check = inlineCheck((_ctx, reporter) => {
      reporter.evidence({ detail: 'looked' });
      reporter.data({ looked: true });
    });
    const { result, items } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.match(result.message, /engine\/inline-check reported no verdict/);
    assert.deepEqual(items, []);
  });

  test('a CheckError becomes an error with its own message and evidence', async () => {
    const evidence: Evidence = { file: '/etc/stacks/signer/signer-config.toml', line: 3, detail: 'bad TOML' };
    const check = inlineCheck((_ctx, reporter) => {
      reporter.pass('good', { what: 'before' }, { detail: 'earlier evidence' });
      throw new CheckError('/etc/stacks/signer/signer-config.toml:3: invalid TOML', evidence);
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, '/etc/stacks/signer/signer-config.toml:3: invalid TOML');
    assert.deepEqual(result.evidence, [evidence]);
    assert.equal(result.id, 'engine/inline-check');
    assert.equal(result.family, 'engine');
    assert.equal(result.severity, 'high');
  });

  test('a CheckError without evidence gives none', async () => {
    const check = inlineCheck(() => {
      throw new CheckError('cannot tell');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, 'cannot tell');
    assert.deepEqual(result.evidence, []);
  });

  test('a TargetError (a real missing file) becomes an error with its message', async () => {
    const check = inlineCheck(async (context, reporter) => {
      await context.target.readText('/etc/does-not-exist');
      reporter.pass('good', { what: 'x' });
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, '/etc/does-not-exist: no such file or directory');
    assert.deepEqual(result.evidence, []);
  });

  test('a TargetError thrown directly keeps its message, without the internal-error prefix', async () => {
    const check = inlineCheck(() => {
      throw new TargetError('EACCES', '/root/secret');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, '/root/secret: permission denied');
  });

  test('any other exception is an internal error naming the check', async () => {
    const check = inlineCheck(() => {
      throw new TypeError('x is undefined');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, 'internal error in engine/inline-check: x is undefined');
    assert.deepEqual(result.evidence, []);
  });

  test('a thrown non-Error value is an internal error too', async () => {
    const check = inlineCheck(() => {
      throw 'plain string';
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, 'internal error in engine/inline-check: plain string');
  });

  test('an async rejection is caught like a throw', async () => {
    const check = inlineCheck(async () => {
      await sleep(1);
      throw new Error('late failure');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, 'internal error in engine/inline-check: late failure');
  });

  test('NotEvaluableError (processes of an offline target) becomes not_evaluable', async () => {
    const check = inlineCheck(async (context, reporter) => {
      await context.target.processes();
      reporter.pass('good', { what: 'x' });
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'not_evaluable');
    assert.ok(result.message.length > 0);
    assert.ok(!result.message.startsWith('internal error'), result.message);
  });

  test('NotEvaluableError thrown directly keeps its message', async () => {
    const check = inlineCheck(() => {
      throw new NotEvaluableError('needs a live host');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'not_evaluable');
    assert.equal(result.message, 'needs a live host');
    assert.deepEqual(result.evidence, []);
  });
});

describe('runCheckDetailed: applies()', () => {
  test('notApplicable: not_applicable with the reason, and run() is not called', async () => {
    let ran = false;
    const check = inlineCheck(
      () => {
        ran = true;
      },
      { applies: () => ({ notApplicable: 'no signer on this host' }) },
    );
    const { result, items } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'not_applicable');
    assert.equal(result.message, 'no signer on this host');
    assert.deepEqual(result.evidence, []);
    assert.deepEqual(items, []);
    assert.equal(ran, false);
  });

  test('notEvaluable (async): not_evaluable with the reason', async () => {
    let ran = false;
    const check = inlineCheck(
      () => {
        ran = true;
      },
      {
        applies: async () => {
          await sleep(1);
          return { notEvaluable: 'offline image' };
        },
      },
    );
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'not_evaluable');
    assert.equal(result.message, 'offline image');
    assert.equal(ran, false);
  });

  test('true: run() decides', async () => {
    const check = inlineCheck((_ctx, reporter) => reporter.fail('bad', { what: 'thing' }), {
      applies: async (context) => {
        assert.ok(await context.target.stat('/etc/hostname'));
        return true as const;
      },
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'fail');
    assert.equal(result.message, 'bad thing');
  });

  test('an exception in applies() is an error like one in run()', async () => {
    const check = inlineCheck((_ctx, reporter) => reporter.pass('good', { what: 'x' }), {
      applies: () => {
        throw new Error('broken applies');
      },
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.equal(result.message, 'internal error in engine/inline-check: broken applies');
  });
});

describe('runCheckDetailed: severity and data', () => {
  test('lowerSeverity lowers the severity and records why', async () => {
    const check = inlineCheck((_ctx, reporter) => {
      reporter.fail('bad', { what: 'port' });
      reporter.lowerSeverity('medium', 'a firewall limits the port to the LAN');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'fail');
    assert.equal(result.severity, 'medium');
    assert.equal(result.severityReason, 'a firewall limits the port to the LAN');
  });

  test('lowering to the same severity is allowed; the last call wins', async () => {
    const check = inlineCheck((_ctx, reporter) => {
      reporter.lowerSeverity('low', 'first');
      reporter.lowerSeverity('high', 'second');
      reporter.fail('bad', { what: 'x' });
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.severity, 'high');
    assert.equal(result.severityReason, 'second');
  });

  test('lowerSeverity refuses to raise: the check errors', async () => {
    const check = inlineCheck((_ctx, reporter) => {
      reporter.fail('bad', { what: 'x' });
      reporter.lowerSeverity('critical', 'more important');
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.equal(result.status, 'error');
    assert.match(result.message, /engine\/inline-check tried to raise its severity to critical/);
    assert.equal(result.severity, 'high');
    assert.ok(!('severityReason' in result));
  });

  test('data() calls merge; later keys win', async () => {
    const check = inlineCheck((_ctx, reporter) => {
      reporter.data({ score: 7.9, label: 'EXPOSED' });
      reporter.data({ contributors: ['PrivateTmp'] });
      reporter.data({ score: 8.1 });
      reporter.warn('meh', { what: 'x' });
    });
    const { result } = await runCheckDetailed(check, ctx);
    assert.deepEqual(result.data, { score: 8.1, label: 'EXPOSED', contributors: ['PrivateTmp'] });
  });
});

describe('runChecks', () => {
  test('results come back in catalogue order, whatever order the checks finish in', async () => {
    const delays = [30, 1, 15, 0, 5];
    const finished: string[] = [];
    const checks = delays.map((delay, index) =>
      inlineCheck(
        async (_ctx, reporter) => {
          await sleep(delay);
          finished.push(`engine/check-${index}`);
          reporter.pass('good', { what: String(index) });
        },
        { id: `engine/check-${index}` },
      ),
    );
    const results = await runChecks(checks, ctx);
    assert.deepEqual(
      results.map((result) => result.id),
      checks.map((check) => check.id),
    );
    assert.deepEqual(
      results.map((result) => result.message),
      ['good 0', 'good 1', 'good 2', 'good 3', 'good 4'],
    );
    // The checks really did finish out of order, so the order above is the runner's doing.
    assert.notDeepEqual(
      finished,
      checks.map((check) => check.id),
    );
  });

  test('one broken check does not stop the others', async () => {
    const checks = [
      inlineCheck(
        () => {
          throw new Error('boom');
        },
        { id: 'engine/broken' },
      ),
      inlineCheck((_ctx, reporter) => reporter.pass('good', { what: 'x' }), { id: 'engine/fine' }),
    ];
    const results = await runChecks(checks, ctx);
    assert.deepEqual(
      results.map((result) => [result.id, result.status]),
      [
        ['engine/broken', 'error'],
        ['engine/fine', 'pass'],
      ],
    );
  });

  test('no checks, no results', async () => {
    assert.deepEqual(await runChecks([], ctx), []);
  });
});
