// Issue 18 item 5 (and the __proto__ entry of item 21): archives built so that verify-release inflates far more than
// the file holds, or pins less than it holds. The attacker ships CHECKSUMS.txt too, so every archive here matches it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ReleaseVerificationError, verifyRelease } from '../../src/release/verify-release.js';
import { listZipEntries, ZIP_LIMITS } from '../../src/release/zip-reader.js';
import { parseReleasePin, pinnedBinary, serializeReleasePin } from '../../src/stacks/release-pin.js';
import { bufferSource, buildOverlapZip, buildZip } from '../support/zip-writer.js';

const sha = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest('hex');
const PROTO = ['__', 'proto', '__'].join('');
const SIGNER = '#!/bin/sh\necho "stacks-signer 4.0.2 (0000000, release build, linux [x86_64])"\n';

describe('verify-release on hostile archives', { timeout: 240_000 }, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), `so-verify-hostile-${process.pid}-`));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** Writes the archive and a CHECKSUMS.txt that matches it, as an attacker would ship them. */
  function shipped(zip: Buffer, name = 'linux-glibc-x64.zip'): { archivePath: string; checksumsPath: string } {
    const dir = mkdtempSync(join(work, 'case-'));
    const archivePath = join(dir, name);
    const checksumsPath = join(dir, 'CHECKSUMS.txt');
    writeFileSync(archivePath, zip);
    writeFileSync(checksumsPath, `${sha('sha512', zip)}  ${name}\n`);
    return { archivePath, checksumsPath };
  }

  async function refused(zip: Buffer, pattern: RegExp): Promise<void> {
    const paths = shipped(zip);
    await assert.rejects(verifyRelease(paths), (error: unknown) => {
      assert.ok(error instanceof ReleaseVerificationError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }

  test('twelve entries over one stored 1 MiB stream: refused as overlapping, nothing pinned', async () => {
    const names = ['stacks-signer', ...Array.from({ length: 11 }, (_, i) => `copy-${i}`)];
    const zip = buildOverlapZip(names, randomBytes(1024 * 1024), 0);
    await refused(zip, /malformed zip: entry "copy-\d+" overlaps entry "[^"]+"/);
  });

  test('twelve entries over one deflate stream of 256 MiB of zeros: refused before inflating (ratio)', async () => {
    // 256 MiB of zeros deflate to ~255 KB; twelve names would make the reader inflate 3 GiB.
    const zeros = Buffer.alloc(256 * 1024 * 1024);
    const names = ['stacks-signer', ...Array.from({ length: 11 }, (_, i) => `copy-${i}`)];
    const zip = buildOverlapZip(names, zeros, 8);
    assert.ok(zip.length < 1024 * 1024, String(zip.length));
    await refused(zip, /malformed zip: entry "stacks-signer" declares 268435456 bytes from \d+, a ratio over 100:1/);
  });

  test('an entry whose data runs into the central directory is refused', async () => {
    const zip = buildZip([{ name: 'stacks-signer', content: randomBytes(4096), method: 0 }]);
    const directoryAt = zip.readUInt32LE(zip.length - 22 + 16);
    // Point the central directory at the file, but claim a name 10 bytes longer in the local header.
    zip.writeUInt16LE(zip.readUInt16LE(26) + 10, 26);
    assert.ok(directoryAt > 0);
    await refused(zip, /malformed zip: entry "stacks-signer": its data lies outside the archive/);
  });

  test('entries that declare more than the total limit in all are refused before any is inflated', async () => {
    const saved = ZIP_LIMITS.maxTotalBytes;
    ZIP_LIMITS.maxTotalBytes = 3 * 1024 * 1024;
    try {
      const zip = buildZip([
        { name: 'stacks-signer', content: randomBytes(2 * 1024 * 1024), method: 0 },
        { name: 'stacks-node', content: randomBytes(2 * 1024 * 1024), method: 0 },
      ]);
      await assert.rejects(listZipEntries(bufferSource(zip)), /declare over 3145728 bytes in all/);
    } finally {
      ZIP_LIMITS.maxTotalBytes = saved;
    }
  });

  test('an entry named __proto__ is pinned like any other and survives the pin file round trip', async () => {
    const zip = buildZip([
      { name: 'stacks-signer', content: SIGNER },
      { name: '__proto__', content: 'prototype?' },
      { name: 'constructor', content: 'not a function' },
    ]);
    const pin = await verifyRelease(shipped(zip));
    assert.deepEqual(Object.keys(pin.binaries).sort(), ['__proto__', 'constructor', 'stacks-signer']);
    assert.equal(pin.binaries[PROTO]?.sha256, sha('sha256', 'prototype?'));
    const parsed = parseReleasePin(serializeReleasePin(pin));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    assert.deepEqual(Object.keys(parsed.pin.binaries).sort(), ['__proto__', 'constructor', 'stacks-signer']);
    assert.equal(parsed.pin.binaries[PROTO]?.size, 'prototype?'.length);
    // A name the archive did not hold finds nothing, even one Object.prototype has.
    assert.equal(pinnedBinary(parsed.pin, 'toString'), undefined);
    assert.equal(pinnedBinary(parsed.pin, PROTO)?.size, 'prototype?'.length);
  });
});
