import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { type MaterialisedTree, materialiseFiles } from '../support/materialise.js';
import { buildCorpus, type Corpus } from './corpus.js';

interface JsonFinding {
  detector: string;
  file: string;
  line: number;
  fingerprint: string;
  severity: string;
}

describe('labelled file corpus', () => {
  let corpus: Corpus;
  let tree: MaterialisedTree;
  before(async () => {
    corpus = buildCorpus();
    tree = await materialiseFiles(corpus.files);
  });
  after(() => tree.cleanup());

  const label = (finding: { file: string; line: number; detector: string }) =>
    `${finding.file}:${finding.line} ${finding.detector}`;

  test('every planted secret is found at its line (recall 100%) and nothing else is (zero false positives)', () => {
    const run = runCli(['scan', '--format', 'json', tree.root]);
    assert.equal(run.code, 1, run.stderr);
    const findings = (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
    const found = findings
      .map((finding) => label({ ...finding, file: finding.file.slice(tree.root.length + 1) }))
      .sort();
    assert.deepEqual(found, corpus.labels.map(label).sort());
  });

  test('equal secrets share a fingerprint; different ones do not', () => {
    const run = runCli(['scan', '--format', 'json', tree.root]);
    const findings = (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
    const keyFindings = findings.filter((finding) => finding.detector === 'stacks-private-key');
    assert.equal(new Set(keyFindings.map((finding) => finding.fingerprint)).size, keyFindings.length);
    // A private key is named by its one key fingerprint (8 hex, as keygen and key show print it); the rest by 16 hex.
    // A published sample is either: a published key has the 8-hex form, a published mnemonic or token the 16-hex one.
    const shapes: Record<string, RegExp> = {
      'stacks-private-key': /^[0-9a-f]{8}$/,
      'operator-key': /^[0-9a-f]{8}$/,
      'published-secret': /^(?:[0-9a-f]{8}|[0-9a-f]{16})$/,
    };
    for (const finding of findings)
      assert.match(finding.fingerprint, shapes[finding.detector] ?? /^[0-9a-f]{16}$/, finding.detector);
  });

  test('no output format ever contains a planted value, in any case', () => {
    for (const format of ['text', 'json', 'sarif']) {
      const run = runCli(['scan', '--format', format, tree.root]);
      assert.equal(run.code, 1, `${format}: ${run.stderr}`);
      const output = (run.stdout + run.stderr).toLowerCase();
      for (const value of corpus.values) {
        assert.ok(!output.includes(value.toLowerCase()), `${format} output leaks a planted value`);
        // Also no 16+ character slice of a key (a truncated copy would still help an attacker).
        if (/^[0-9a-f]{64}$/.test(value))
          assert.ok(!output.includes(value.slice(8, 24)), `${format} leaks part of a key`);
      }
    }
  });
});
