// The YAML parsers in time linear in the text (issue #18): the library's duplicate-key check and pretty errors are
// quadratic, and the fuzzer found both. Each large input below took minutes before (measured in the comment); the
// test timeout is the bound, not a timing assertion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineCounter } from 'yaml';
import { parseInventory, parseYamlInventory } from '../../src/parsers/ansible-inventory.js';
import { parseComposeYaml } from '../../src/parsers/compose-yaml.js';
import { parseWaivers, WaiverFileError } from '../../src/parsers/waivers.js';
import { firstDuplicateKey, parseYamlDocument } from '../../src/parsers/yaml-document.js';

const KNOWN = new Set(['ssh/root-login']);

function duplicateAt(text: string): number | undefined {
  return firstDuplicateKey(parseYamlDocument(text, { lineCounter: new LineCounter() }).contents);
}

describe('firstDuplicateKey', () => {
  test('finds the first repeated key of any map, nested or in a list, and compares keys as the library does', () => {
    assert.equal(duplicateAt('a: 1\nb: 2\n'), undefined);
    assert.equal(duplicateAt('a: 1\nb: 2\na: 3\n'), 10);
    assert.equal(duplicateAt('x:\n  - k: 1\n    k: 2\n'), 16);
    // The earliest by position, whichever map it is in.
    assert.equal(duplicateAt('x:\n  y: 1\n  y: 2\nx: 3\n'), 12);
    // 1 and "1" are different keys; the same key in two maps is no repeat.
    assert.equal(duplicateAt('1: a\n"1": b\n'), undefined);
    assert.equal(duplicateAt('a:\n  k: 1\nb:\n  k: 1\n'), undefined);
  });
});

describe('YAML parsers stay linear on hostile input (issue #18)', () => {
  test('waivers: a map of 3,000 repeated keys is refused for its first repeat, at its line', {
    timeout: 30_000,
  }, () => {
    // The fuzzer's case was 43,691 `expires:` in one waiver (5 s); with the library's check 80,000 took about a minute.
    // 80,000 are now refused before parsing (PARSE_LIMITS.waiversYaml: 256 KiB, an upper bound of 10,000 entries counted on the text); 3,000 are parsed.
    const text = `ssh/root-login:\n  justification: j\n${'  expires: 2099-01-01\n'.repeat(3_000)}`;
    assert.throws(
      () => parseWaivers(text, KNOWN),
      (error) => error instanceof WaiverFileError && error.line === 4 && /DUPLICATE_KEY/.test(error.message),
    );
    // A syntax error before the first repeat is the one reported.
    assert.throws(
      () => parseWaivers('ssh/root-login:\n  justification: "x\n  run: true\n  run: true\n', KNOWN),
      (error) => error instanceof WaiverFileError && !/DUPLICATE_KEY/.test(error.message),
    );
  });

  test('ansible inventory: 35,000 repeated `hosts:` keys are read in linear time, the last one kept', {
    timeout: 30_000,
  }, () => {
    // The fuzzer's 1 MB case of 80,662 `hosts:` lines took 53 s; a YAML inventory is now held to 512 KiB
    // (PARSE_LIMITS), so 35,000 (455 kB) is the most that still reaches the parser. Ansible keeps the last of repeated keys.
    const result = parseYamlInventory(
      `all:\n  children:\n    signers:\n${'      hosts:\n'.repeat(35_000)}      hosts:\n        signer-1:\n`,
    );
    assert.ok(result.ok, JSON.stringify(result).slice(0, 300));
    assert.deepEqual([...result.inventory.groups.get('signers')!.hosts], ['signer-1']);
    // Other errors keep the library's words and their line, not the text.
    const bad = parseYamlInventory('all:\n  hosts:\n    a: [\n');
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.line !== undefined && /^not valid YAML \(/.test(bad.reason), JSON.stringify(bad));
  });

  test('ansible inventory by content: a million blank lines, then a [group] header', { timeout: 30_000 }, () => {
    // /^\s*\[[^\]]+\]\s*$/m was retried from every line start across the blank lines: 40,000 of them took 2 s.
    const inventory = parseInventory(`${'\n'.repeat(1_000_000)}[signers]\nsigner-1\n`, 'inventory');
    assert.ok(inventory.ok && inventory.inventory.groups.get('signers')?.hosts[0] === 'signer-1');
    const unclosed = parseInventory(`${'[a\n'.repeat(200_000)}`, 'inventory');
    assert.equal(unclosed.ok, false);
    // A header is one line: `[a` and `b]` on two lines are not one (they are YAML, then INI, as before: neither).
    assert.equal(parseInventory('[a\nb]\n', 'inventory').ok, false);
  });

  test('compose: a 512 kB line of 65,536 errors is refused at its line and column', { timeout: 30_000 }, () => {
    // The library's pretty errors scanned the whole line once per error: about a minute. The line holds many mapping
    // keys, so it is now refused before the library (src/parsers/yaml-depth.ts), still at its line.
    const text = `services:\n${'  - id: '.repeat(65_536)}\n`;
    assert.throws(
      () => parseComposeYaml(text),
      (error: unknown) => {
        const { name, code, linePos } = error as { name: string; code: string; linePos: { line: number }[] };
        return name === 'ComposeYamlLimitError' && code === 'COMPACT_KEYS' && linePos[0]?.line === 2;
      },
    );
  });
});
