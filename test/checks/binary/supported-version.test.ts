import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import check from '../../../src/checks/binary/supported-version.js';
import { AuditContext } from '../../../src/engine/context.js';
import { runCheckDetailed } from '../../../src/engine/runner.js';
import { type ReleasePin, serializeReleasePin } from '../../../src/stacks/release-pin.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { runCheckCases } from '../../support/check-tester.js';
import { BASE_USERS, signerHost, signerToml, signerUnitHost } from '../../support/hosts.js';
import { type FileSpec, materialiseFiles } from '../../support/materialise.js';

const SIGNER = '#!/bin/sh\nexit 0\n'; // SIGNER_BINARY's content
const PIN_PATH = 'etc/signer-opsec/release-pins.json';

function pinned(version: string, content = SIGNER): string {
  const pin: ReleasePin = {
    schemaVersion: 1,
    release: { archive: 'linux-glibc-x64.zip', sha512: 'a'.repeat(128) },
    binaries: {
      'stacks-signer': { sha256: createHash('sha256').update(content).digest('hex'), size: content.length, version },
    },
    verifiedAt: '2026-08-01T10:00:00.000Z',
  };
  return serializeReleasePin(pin);
}

function composeWithImage(image: string) {
  return {
    ...BASE_USERS,
    'opt/stacks/compose.yaml': `services:\n  signer:\n    image: ${image}\n    volumes:\n      - ./signer.toml:/signer-config.toml:ro\n`,
    'opt/stacks/signer.toml': { content: signerToml(), mode: 0o600 },
  };
}

runCheckCases(check, {
  pass: [
    {
      name: 'pinned 4.0.2, binary unchanged',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: pinned('4.0.2') }),
      messages: ['supported'],
      verify: ({ result }) =>
        assert.deepEqual(result.data, { version: '4.0.2', source: 'pinned in /etc/signer-opsec/release-pins.json' }),
    },
    {
      name: 'image tag 4.0.2 pinned by digest',
      files: composeWithImage(`ghcr.io/stacks-network/stacks-signer:4.0.2@sha256:${'b'.repeat(64)}`),
      messages: ['supported'],
    },
  ],
  fail: [
    {
      name: 'pinned 4.0.1',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: pinned('4.0.1') }),
      messages: ['tooOld'],
    },
    {
      name: 'pinned 3.3.0.0.6.0 (database corruption)',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: pinned('3.3.0.0.6.0') }),
      messages: ['knownBad'],
      verify: ({ result }) => assert.match(result.message, /corrupt the signer database/),
    },
    {
      name: 'image tag 3.4.0.0.3.0-debian (high-S signatures)',
      files: composeWithImage('blockstack/stacks-signer:3.4.0.0.3.0-debian'),
      messages: ['tooOld'],
      verify: ({ result }) => assert.match(result.message, /high-S/),
    },
  ],
  notEvaluable: [
    {
      name: 'offline, no pin',
      files: signerUnitHost(),
      messages: ['unknown'],
      verify: ({ result }) => assert.match(result.message, /not run on an offline target; no release pin/),
    },
    {
      name: 'the binary is no longer the pinned one',
      files: signerUnitHost(undefined, {}, { [PIN_PATH]: pinned('4.0.2', 'another binary') }),
      verify: ({ result }) => assert.match(result.message, /not the binary pinned/),
    },
    { name: 'image tagged latest', files: composeWithImage('ghcr.io/stacks-network/stacks-signer:latest') },
  ],
  notApplicable: [{ name: 'no signer', files: BASE_USERS }],
});

/**
 * On the live host the check runs `<binary> --version`. The live target here is a temp root marked live, whose unit
 * starts `<root>/opt/stacks-signer`: that path exists both inside the root (what the check stats) and on the host
 * (what it runs), holding the same script.
 */
async function liveFixture(script: string, extra: FileSpec = {}) {
  const fixture = await materialiseFiles({ ...signerHost(), opt: { dir: true }, ...extra });
  const program = `${fixture.root}/opt/stacks-signer`;
  for (const hostPath of [program, join(fixture.root, program)]) {
    mkdirSync(dirname(hostPath), { recursive: true, mode: 0o755 });
    writeFileSync(hostPath, script);
    chmodSync(hostPath, 0o755);
  }
  const unit = `[Service]\nExecStart=${program} run --config /etc/stacks/signer/signer-config.toml\nUser=stacks-signer\n`;
  mkdirSync(join(fixture.root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(fixture.root, 'etc/systemd/system/stacks-signer.service'), unit);
  return fixture;
}

async function liveRun(script: string) {
  const fixture = await liveFixture(script);
  try {
    const ctx = new AuditContext(new DirectoryTarget(fixture.root, { live: true }));
    return await runCheckDetailed(check, ctx);
  } finally {
    fixture.cleanup();
  }
}

const NOBODY = 65534;
const moduleUrl = (path: string) => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;

/** The check run by an audit that is not root: a child process as nobody, on a live target over `root`. */
function runAsNonRootAudit(root: string): { status: string; message: string; data?: Record<string, unknown> } {
  const script = `
    const [checkUrl, contextUrl, runnerUrl, targetUrl, root] = process.argv.slice(1);
    const check = (await import(checkUrl)).default;
    const { AuditContext } = await import(contextUrl);
    const { runCheckDetailed } = await import(runnerUrl);
    const { DirectoryTarget } = await import(targetUrl);
    const { result } = await runCheckDetailed(check, new AuditContext(new DirectoryTarget(root, { live: true })));
    console.log(JSON.stringify(result));`;
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      moduleUrl('../../../src/checks/binary/supported-version.js'),
      moduleUrl('../../../src/engine/context.js'),
      moduleUrl('../../../src/engine/runner.js'),
      moduleUrl('../../../src/target/directory-target.js'),
      root,
    ],
    { uid: NOBODY, gid: NOBODY, encoding: 'utf8' },
  );
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { status: string; message: string; data?: Record<string, unknown> };
}

/** A binary that leaves a mark when it runs, in a directory nobody may write to. */
function markingSigner(markerDir: string): string {
  return `#!/bin/sh\ntouch ${markerDir}/ran\necho "stacks-signer 4.0.2 (62e03cc, release build, linux [x86_64])"\n`;
}

describe('binary/supported-version when the audit is not root: the binary is never run', () => {
  for (const withPin of [false, true]) {
    test(
      withPin ? 'a pin of the installed binary: its version is used' : 'no pin: not evaluable, saying why',
      async () => {
        const markerDir = mkdtempSync(join(tmpdir(), 'so-marker-'));
        chmodSync(markerDir, 0o1777);
        const script = markingSigner(markerDir);
        const fixture = await liveFixture(script, withPin ? { [PIN_PATH]: pinned('4.0.2', script) } : {});
        try {
          const result = runAsNonRootAudit(fixture.root);
          assert.ok(!existsSync(join(markerDir, 'ran')), 'the binary under audit did not run');
          const program = `${fixture.root}/opt/stacks-signer`;
          if (withPin) {
            assert.equal(result.status, 'pass', result.message);
            assert.equal(result.data?.source, 'pinned in /etc/signer-opsec/release-pins.json');
          } else {
            assert.equal(result.status, 'not_evaluable', result.message);
            assert.ok(
              result.message.includes(
                `${program} not run: the audit is not root, so the binary can't be run as nobody`,
              ),
              result.message,
            );
          }
        } finally {
          fixture.cleanup();
          rmSync(markerDir, { recursive: true, force: true });
        }
      },
    );
  }

  test('as root the same binary is run, as nobody', async () => {
    const markerDir = mkdtempSync(join(tmpdir(), 'so-marker-'));
    chmodSync(markerDir, 0o1777);
    try {
      const { result } = await liveRun(
        `#!/bin/sh\nid -u > ${markerDir}/ran\necho "stacks-signer 4.0.2 (62e03cc, release build, linux [x86_64])"\n`,
      );
      assert.equal(result.status, 'pass', result.message);
      assert.equal(readFileSync(join(markerDir, 'ran'), 'utf8').trim(), String(NOBODY));
    } finally {
      rmSync(markerDir, { recursive: true, force: true });
    }
  });
});

describe('binary/supported-version on a live host runs --version', () => {
  test('4.0.2: pass, from --version', async () => {
    const { result } = await liveRun(
      '#!/bin/sh\n[ "$1" = --version ] && echo "stacks-signer 4.0.2 (62e03cc, release build, linux [x86_64])"\n',
    );
    assert.equal(result.status, 'pass', result.message);
    assert.match(String(result.data?.source), /--version$/);
  });

  test('the doubled 3.3 format, a known-bad version: fail', async () => {
    const { result } = await liveRun(
      '#!/bin/sh\necho "stacks-signer stacks-signer 3.3.0.0.6.0 (a1b2c3d, release build, linux [x86_64])"\n',
    );
    assert.equal(result.status, 'fail', result.message);
  });

  test('built from a modified tree: warn', async () => {
    const { result } = await liveRun(
      '#!/bin/sh\necho "stacks-signer 4.0.2 (62e03cc+, release build, linux [x86_64])"\n',
    );
    assert.equal(result.status, 'warn', result.message);
    assert.match(result.message, /modified source tree \(commit 62e03cc\+\)/);
  });

  test('run as nobody, not root', async () => {
    const { result } = await liveRun(
      '#!/bin/sh\n[ "$(id -u)" = 65534 ] && echo "stacks-signer 4.0.2 (62e03cc, release build, linux [x86_64])"\n',
    );
    assert.equal(result.status, 'pass', result.message);
  });

  test('unknown output: not evaluable, the output quoted', async () => {
    const { result } = await liveRun('#!/bin/sh\necho "0.0.1"\n');
    assert.equal(result.status, 'not_evaluable');
    assert.match(result.message, /printed no known format \("0\.0\.1", exit 0\)/);
  });
});
