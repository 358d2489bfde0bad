import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import {
  crc32Portable,
  crc32Update,
  hashZipEntry,
  listZipEntries,
  ZIP_LIMITS,
  ZipFormatError,
} from '../../src/release/zip-reader.js';
import { bufferSource, buildZip, centralEntryOffset } from '../support/zip-writer.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function digests(zip: Buffer): Promise<Record<string, string>> {
  const source = bufferSource(zip);
  const result: Record<string, string> = {};
  for (const entry of await listZipEntries(source)) {
    if (entry.kind === 'file') result[entry.name] = (await hashZipEntry(source, entry)).sha256;
  }
  return result;
}

async function rejectsFormat(zip: Buffer, pattern: RegExp): Promise<void> {
  await assert.rejects(digests(zip), (error: unknown) => {
    assert.ok(error instanceof ZipFormatError, `expected a ZipFormatError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('zip reader', () => {
  test('hashes stored and deflated entries; skips directories and symlinks', async () => {
    const big = randomBytes(3 * 1024 * 1024); // larger than one read chunk
    const zip = buildZip([
      { name: 'dist/', content: '' },
      { name: 'dist/stacks-signer', content: big },
      { name: 'dist/stacks-node', content: 'node binary\n', method: 0 },
      { name: 'dist/link', content: 'stacks-signer', unixMode: 0o120777 },
    ]);
    const entries = await listZipEntries(bufferSource(zip));
    assert.deepEqual(
      entries.map((entry) => [entry.name, entry.kind]),
      [
        ['dist/', 'dir'],
        ['dist/stacks-signer', 'file'],
        ['dist/stacks-node', 'file'],
        ['dist/link', 'symlink'],
      ],
    );
    assert.deepEqual(await digests(zip), {
      'dist/stacks-signer': sha256(big),
      'dist/stacks-node': sha256('node binary\n'),
    });
  });

  test('reads what the zip tool writes, zip64 records included (zip -fz)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-zip-'));
    try {
      writeFileSync(join(dir, 'stacks-signer'), randomBytes(200_000));
      writeFileSync(join(dir, 'stacks-node'), 'x'.repeat(100_000));
      for (const [name, flags] of [
        ['plain.zip', ['-q']],
        ['zip64.zip', ['-q', '-fz']],
      ] as const) {
        execFileSync('zip', [...flags, name, 'stacks-signer', 'stacks-node'], { cwd: dir });
        const zip = readFileSync(join(dir, name));
        assert.deepEqual(
          await digests(zip),
          {
            'stacks-signer': sha256(readFileSync(join(dir, 'stacks-signer'))),
            'stacks-node': sha256(readFileSync(join(dir, 'stacks-node'))),
          },
          name,
        );
      }
      // The zip64 variant really carries the zip64 end records this test is about.
      assert.ok(readFileSync(join(dir, 'zip64.zip')).includes(Buffer.from([0x50, 0x4b, 0x06, 0x07])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('not a zip, truncated, or with a trailing byte: no end record', async () => {
    const zip = buildZip([{ name: 'stacks-signer', content: 'binary' }]);
    await rejectsFormat(Buffer.from('hello'), /too small/);
    await rejectsFormat(Buffer.alloc(4096, 0x20), /no end-of-central-directory record/);
    await rejectsFormat(zip.subarray(0, zip.length - 5), /no end-of-central-directory record/);
    await rejectsFormat(Buffer.concat([zip, Buffer.from([0])]), /no end-of-central-directory record/);
  });

  test('a corrupt entry: CRC mismatch, bad deflate data, sizes lying about the content', async () => {
    const content = 'stacks-signer release binary '.repeat(100);
    const zip = buildZip([{ name: 'stacks-signer', content, method: 0 }]);
    const flipped = Buffer.from(zip);
    flipped.writeUInt8(flipped.readUInt8(50) ^ 0xff, 50); // a byte of the stored data
    await rejectsFormat(flipped, /CRC-32 mismatch/);

    const deflated = buildZip([{ name: 'stacks-signer', content }]);
    const garbage = Buffer.from(deflated);
    garbage.fill(0xff, 30 + 'stacks-signer'.length, 30 + 'stacks-signer'.length + 8);
    await rejectsFormat(garbage, /corrupt deflate data|inflates|CRC/);

    const larger = Buffer.from(deflated);
    larger.writeUInt32LE(10, centralEntryOffset(larger, 0) + 24); // declares 10 bytes, inflates to more
    await rejectsFormat(larger, /inflates past its declared 10 bytes/);
  });

  test('a declared size over the limit is refused before anything is inflated (zip bomb)', async () => {
    const zip = buildZip([{ name: 'bomb', content: 'x' }]);
    zip.writeUInt32LE(ZIP_LIMITS.maxEntryBytes + 1, centralEntryOffset(zip, 0) + 24);
    await rejectsFormat(zip, /over the \d+ limit/);
  });

  test('encrypted entries, other compression methods, duplicate names and split archives are refused', async () => {
    const encrypted = buildZip([{ name: 'stacks-signer', content: 'x' }]);
    encrypted.writeUInt16LE(0x801, centralEntryOffset(encrypted, 0) + 8);
    await rejectsFormat(encrypted, /encrypted/);

    const bzip2 = buildZip([{ name: 'stacks-signer', content: 'x' }]);
    bzip2.writeUInt16LE(12, centralEntryOffset(bzip2, 0) + 10);
    await rejectsFormat(bzip2, /compression method 12/);

    await rejectsFormat(
      buildZip([
        { name: 'stacks-signer', content: 'a' },
        { name: 'stacks-signer', content: 'b' },
      ]),
      /appears twice/,
    );

    const split = buildZip([{ name: 'stacks-signer', content: 'x' }]);
    split.writeUInt16LE(1, split.length - 22 + 4);
    await rejectsFormat(split, /multi-volume/);
  });

  test('offsets outside the archive are refused', async () => {
    const zip = buildZip([{ name: 'stacks-signer', content: 'x' }]);
    const badDirectory = Buffer.from(zip);
    badDirectory.writeUInt32LE(zip.length, zip.length - 22 + 16);
    await rejectsFormat(badDirectory, /central directory runs past/);

    const badLocal = Buffer.from(zip);
    badLocal.writeUInt32LE(1, centralEntryOffset(badLocal, 0) + 42);
    await rejectsFormat(badLocal, /no local file header/);

    const zip64WithoutRecords = Buffer.from(zip);
    zip64WithoutRecords.writeUInt32LE(0xffffffff, zip.length - 22 + 16);
    await rejectsFormat(zip64WithoutRecords, /zip64 sizes without a zip64 end/);
  });

  test('names with control characters are refused', async () => {
    await rejectsFormat(buildZip([{ name: 'stacks-signer\n', content: 'x' }]), /invalid name/);
  });

  test('the portable CRC-32 equals zlib (and the one the reader uses)', () => {
    const data = randomBytes(100_000);
    const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
    const portable = crc32Portable(crc32Portable(0, data.subarray(0, 777)), data.subarray(777));
    assert.equal(portable, crc32Update(0, data));
    if (native) assert.equal(portable, native(data));
    assert.equal(crc32Portable(0, Buffer.from('123456789')), 0xcbf43926); // the CRC-32 check value
  });
});
