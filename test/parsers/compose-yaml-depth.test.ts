// Found by the fuzzer: a compose file of one line of 1000 nested `- ` (2 KB) overflowed the YAML library's recursive
// parser, and V8 then aborted the process ("RegExpCompiler Allocation failed"): no report, no error, exit 134.
// Run in a child process, so a regression fails this test instead of killing the test runner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseInventory } from '../../src/parsers/ansible-inventory.js';
import { COMPOSE_LIMITS, parseComposeYaml } from '../../src/parsers/compose-yaml.js';
import { parseWaivers, WaiverFileError } from '../../src/parsers/waivers.js';

const MODULE = new URL('../../src/parsers/compose-yaml.js', import.meta.url).href;

function parseInChild(text: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    const { parseComposeYaml } = await import(${JSON.stringify(MODULE)});
    const text = Buffer.from(process.argv[1], 'base64').toString('utf8');
    for (let i = 0; i < 3; i++) {
      try { parseComposeYaml(text); console.log('parsed'); } catch (error) { console.log(error.name, error.code ?? ''); }
    }`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, Buffer.from(text).toString('base64')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.slice(0, 500) };
}

test('sequences nested 1000 deep on one line are refused as too deep, without aborting the process', () => {
  for (const text of ['- '.repeat(1000) + 'x\n', `services:\n  a:\n    b:\n      ${'- '.repeat(3000)}x\n`]) {
    const run = parseInChild(text);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'ComposeYamlLimitError TOO_DEEP\n'.repeat(3));
  }
});

test('flow nesting and indentation chains deeper than the library can recurse are refused the same way', () => {
  const indented = Array.from({ length: 1000 }, (_, depth) => `${' '.repeat(depth)}k${depth}:`).join('\n');
  for (const text of ['['.repeat(3000), '{a: '.repeat(3000), indented]) {
    assert.throws(() => parseComposeYaml(text), { name: 'ComposeYamlLimitError', code: 'TOO_DEEP' });
  }
});

test('a waivers file and a YAML inventory nested that deep are refused with a line, not a stack overflow', () => {
  const deep = `a:\n  ${'- '.repeat(1000)}x\n`;
  assert.throws(
    () => parseWaivers(deep, new Set(['a'])),
    (error: unknown) => {
      assert.ok(error instanceof WaiverFileError);
      assert.equal(error.line, 2);
      return true;
    },
  );
  assert.deepEqual(parseInventory(deep, 'hosts.yml'), {
    ok: false,
    line: 2,
    reason: 'nested too deeply to be an inventory',
  });
});

test('what the depth walk accepts is not refused by the text bound', () => {
  // Wide indentation (8 columns a level) and a flow collection at the bottom, inside the depth limit.
  let text = 'services:\n';
  let indent = '';
  for (let depth = 1; depth < COMPOSE_LIMITS.maxDepth - 8; depth++) {
    indent += '        ';
    text += `${indent}k${depth}:\n`;
  }
  text += `${indent}  - [[{a: [1]}]]\n`;
  assert.doesNotThrow(() => parseComposeYaml(text));
});
