import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatFleetText } from '../../src/report/fleet-text.js';
import { printable, printableDeep } from '../../src/report/printable.js';
import { runCli } from '../support/cli.js';
import { composeHost, SIGNER_BINARY, signerHost, TEST_SIGNER_KEY } from '../support/hosts.js';
import { materialiseFiles } from '../support/materialise.js';

// Names from the target (unit files, User= values, compose directories, scanned files) held terminal control
// sequences and were printed raw, even with --no-color: ESC [2J clears the screen, OSC 0 retitles the terminal.
// Text output shows them escaped.

const CLEAR = '\x1b[2J';
const TITLE = '\x1b]0;owned\x07';
const BIDI = '\u202e';
// Any raw control character but tab and newline, C1, or a bidi override in text output is a failure.
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
  test('escapes C0 (not tab or newline), DEL, C1 and bidi controls; leaves other text alone', () => {
    assert.equal(printable(`a${CLEAR}b\tc\nd\r\u007f\u0085${BIDI}é✓`), 'a\\x1b[2Jb\tc\nd\\x0d\\x7f\\x85\\u202eé✓');
  });

  test('printableDeep copies objects, arrays, Maps and Sets; shared references stay shared', () => {
    const shared = { name: `x${CLEAR}` };
    const value = { list: [shared, shared], map: new Map([[`k${TITLE}`, shared]]), set: new Set([BIDI]) };
    const copy = printableDeep(value);
    assert.equal(copy.list[0]!.name, 'x\\x1b[2J');
    assert.equal(copy.list[0], copy.list[1]);
    assert.deepEqual([...copy.map.keys()], ['k\\x1b]0;owned\\x07']);
    assert.deepEqual([...copy.set], ['\\u202e']);
    assert.equal(value.list[0]!.name, `x${CLEAR}`, 'the input is not changed');
  });

  test('fleet text: a host name and a message from a host are shown escaped', () => {
    const text = formatFleetText(
      {
        schemaVersion: 1,
        kind: 'fleet',
        tool: { name: 'signer-opsec', version: 'test' },
        inventory: { source: `inventory${CLEAR}.ini` },
        summary: { hosts: 1, audited: 0, unreachable: 1, failing: 0, failOn: 'high' },
        hosts: [{ name: `evil${CLEAR}`, destination: `root@h${TITLE}`, status: 'unreachable', reason: `ssh: ${BIDI}` }],
        fleetResults: [],
        matrix: [],
      } as never,
      { color: false },
    );
    assert.doesNotMatch(text, RAW);
    assert.match(text, /evil\\x1b\[2J \(root@h\\x1b\]0;owned\\x07\): ssh: \\u202e/);
  });
});

describe('text output of hostile names', async () => {
  const unit = [
    '[Unit]',
    'Description=stacks signer',
    '',
    '[Service]',
    'ExecStart=/usr/local/bin/stacks-signer run --config /etc/stacks/signer/signer-config.toml',
    `User=stacks${TITLE}`,
    '',
  ].join('\n');
  const compose = composeHost({});
  const host = await materialiseFiles({
    ...signerHost(),
    ...SIGNER_BINARY,
    [`etc/systemd/system/stacks-signer${CLEAR}.service`]: unit,
    [`opt/evil${BIDI}${CLEAR}/compose.yaml`]: compose['opt/stacks/compose.yaml']!,
    [`opt/evil${BIDI}${CLEAR}/signer.toml`]: compose['opt/stacks/signer.toml']!,
  });
  const scratch = mkdtempSync(join(tmpdir(), `so-ctl-${process.pid}-`));
  mkdirSync(join(scratch, `dir${CLEAR}`));
  writeFileSync(join(scratch, `dir${CLEAR}`, `key${TITLE}.txt`), `stacks_private_key = "${TEST_SIGNER_KEY}"\n`);
  after(() => {
    host.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  const cases: [string, string[], RegExp][] = [
    ['audit', ['audit', '--root', host.root, '--no-color'], /stacks-signer\\x1b\[2J\.service/],
    ['audit (User=)', ['audit', '--root', host.root, '--no-color'], /User=stacks\\x1b\]0;owned\\x07/],
    ['audit (compose directory)', ['audit', '--root', host.root], /\/opt\/evil\\u202e\\x1b\[2J\/compose\.yaml/],
    ['harden plan', ['harden', 'plan', '--root', host.root], /stacks-signer\\x1b\[2J\.service/],
    ['scan', ['scan', scratch], /dir\\x1b\[2J\/key\\x1b\]0;owned\\x07\.txt/],
  ];
  for (const [name, argv, escaped] of cases) {
    test(`${name}: no raw control character reaches the terminal; the name is shown escaped`, () => {
      const run = runCli(argv);
      assert.ok(run.code !== null, run.stderr);
      assert.doesNotMatch(run.stdout, RAW);
      assert.doesNotMatch(run.stderr, RAW);
      assert.match(run.stdout, escaped);
    });
  }
});
