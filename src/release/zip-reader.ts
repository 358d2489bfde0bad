// A small reader for release zips (PKWARE APPNOTE 6.3.10: §4.3.7 local header, §4.3.12 central directory,
// §4.3.14-16 zip64, §4.4.5 methods). It only lists entries and streams their content through a hash:
// nothing is ever extracted, so no entry name becomes a path on disk. Every offset and size is checked
// against the file, and inflation stops at the declared size (no zip bomb gets further than its header says).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

/** Random access to the archive bytes (a file handle, or a buffer in tests). */
export interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Promise<Buffer>;
}

export interface ZipEntry {
  name: string;
  method: 0 | 8;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  /** Where the entry's data begins (after its local header): set by listZipEntries, which checked the range. */
  dataStart: number;
  kind: 'file' | 'dir' | 'symlink';
}

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

export const ZIP_LIMITS = {
  maxEntries: 10_000,
  maxCentralDirectoryBytes: 16 * 1024 * 1024,
  /** stacks-node is a few hundred MB; anything near this is not a release binary. */
  maxEntryBytes: 1024 * 1024 * 1024,
  /** All entries together: a release holds a handful of binaries, not gigabytes of them. */
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  /**
   * Inflated : compressed, for entries over ratioFloorBytes. Executables deflate 3–5×; a run of zeros deflates ~1000×,
   * which is what a bomb is made of.
   */
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

const SIG = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, end64: 0x06064b50, locator64: 0x07064b50 };
const END_SIZE = 22;
const LOCATOR64_SIZE = 20;
const MAX_COMMENT = 0xffff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const CHUNK = 1024 * 1024;

function u64(buffer: Buffer, offset: number, what: string): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`${what} is out of range`);
  return Number(value);
}

interface Directory {
  offset: number;
  size: number;
  entries: number;
  /** Where the end records begin: the central directory must end at or before it. */
  endOffset: number;
}

async function findDirectory(source: ByteSource): Promise<Directory> {
  if (source.size < END_SIZE) throw new ZipFormatError('too small to be a zip archive');
  const tailLength = Math.min(source.size, END_SIZE + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  // The end record is the last signature whose comment length reaches exactly the end of the file.
  let at = -1;
  for (let i = tail.length - END_SIZE; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) === SIG.end && i + END_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipFormatError('no end-of-central-directory record: not a zip archive, or truncated');
  const end = tail.subarray(at, at + END_SIZE);
  const endOffset = tailStart + at;
  const disk = end.readUInt16LE(4);
  const directoryDisk = end.readUInt16LE(6);
  const entriesHere = end.readUInt16LE(8);
  let directory: Directory = {
    entries: end.readUInt16LE(10),
    size: end.readUInt32LE(12),
    offset: end.readUInt32LE(16),
    endOffset,
  };
  const locatorAt = endOffset - LOCATOR64_SIZE;
  const hasLocator = locatorAt >= 0 && (await source.read(locatorAt, LOCATOR64_SIZE)).readUInt32LE(0) === SIG.locator64;
  if (hasLocator) {
    directory = await readZip64End(source, locatorAt);
  } else {
    if (disk !== 0 || directoryDisk !== 0 || entriesHere !== directory.entries)
      throw new ZipFormatError('a multi-volume (split) archive is not supported');
    if (directory.entries === U16_MAX || directory.size === U32_MAX || directory.offset === U32_MAX)
      throw new ZipFormatError('zip64 sizes without a zip64 end-of-central-directory locator');
  }
  if (directory.entries > ZIP_LIMITS.maxEntries)
    throw new ZipFormatError(`${directory.entries} entries, more than the ${ZIP_LIMITS.maxEntries} allowed`);
  if (directory.size > ZIP_LIMITS.maxCentralDirectoryBytes)
    throw new ZipFormatError(`central directory of ${directory.size} bytes is too large`);
  if (directory.offset + directory.size > directory.endOffset)
    throw new ZipFormatError('the central directory runs past the end records (truncated or corrupt)');
  return directory;
}

async function readZip64End(source: ByteSource, locatorAt: number): Promise<Directory> {
  const locator = await source.read(locatorAt, LOCATOR64_SIZE);
  const recordOffset = u64(locator, 8, 'zip64 end record offset');
  if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) !== 1)
    throw new ZipFormatError('a multi-volume (split) zip64 archive is not supported');
  if (recordOffset + 56 > locatorAt) throw new ZipFormatError('the zip64 end record lies outside the archive');
  const record = await source.read(recordOffset, 56);
  if (record.readUInt32LE(0) !== SIG.end64) throw new ZipFormatError('no zip64 end record where the locator points');
  if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0)
    throw new ZipFormatError('a multi-volume (split) zip64 archive is not supported');
  const entries = u64(record, 32, 'zip64 entry count');
  if (u64(record, 24, 'zip64 entry count') !== entries)
    throw new ZipFormatError('a multi-volume (split) zip64 archive is not supported');
  return {
    entries,
    size: u64(record, 40, 'zip64 central directory size'),
    offset: u64(record, 48, 'zip64 central directory offset'),
    endOffset: recordOffset,
  };
}

/** Every entry of the central directory, checked for the things this reader supports. */
export async function listZipEntries(source: ByteSource): Promise<ZipEntry[]> {
  const directory = await findDirectory(source);
  const bytes = await source.read(directory.offset, directory.size);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let totalBytes = 0;
  let at = 0;
  for (let index = 0; index < directory.entries; index += 1) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== SIG.central)
      throw new ZipFormatError(`central directory entry ${index + 1} is missing or corrupt`);
    const madeBy = bytes.readUInt16LE(at + 4) >> 8;
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > bytes.length) throw new ZipFormatError(`central directory entry ${index + 1} runs past its end`);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    // Bit 11: UTF-8 names; otherwise CP437, of which release names use only the ASCII part.
    const name = rawName.toString(flags & 0x800 ? 'utf8' : 'latin1');
    const where = `entry "${printable(name)}"`;
    if (name === '' || /[\u0000-\u001f\u007f]/.test(name)) throw new ZipFormatError(`${where}: invalid name`);
    if (names.has(name)) throw new ZipFormatError(`${where} appears twice`);
    names.add(name);
    if (flags & 0x1) throw new ZipFormatError(`${where} is encrypted`);
    if (method !== 0 && method !== 8)
      throw new ZipFormatError(`${where} uses compression method ${method}; only stored (0) and deflate (8) are read`);
    const sizes = {
      uncompressed: bytes.readUInt32LE(at + 24),
      compressed: bytes.readUInt32LE(at + 20),
      offset: bytes.readUInt32LE(at + 42),
    };
    const disk = bytes.readUInt16LE(at + 34);
    applyZip64Extra(bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), sizes, disk, where);
    const unixMode = madeBy === 3 ? bytes.readUInt32LE(at + 38) >>> 16 : 0;
    const kind = name.endsWith('/') ? 'dir' : (unixMode & 0o170000) === 0o120000 ? 'symlink' : 'file';
    if (sizes.uncompressed > ZIP_LIMITS.maxEntryBytes)
      throw new ZipFormatError(
        `${where} declares ${sizes.uncompressed} bytes, over the ${ZIP_LIMITS.maxEntryBytes} limit`,
      );
    if (method === 0 && sizes.compressed !== sizes.uncompressed)
      throw new ZipFormatError(`${where} is stored but its sizes differ`);
    if (sizes.offset + 30 + sizes.compressed > directory.offset)
      throw new ZipFormatError(`${where}: its data lies outside the archive`);
    if (sizes.uncompressed > ZIP_LIMITS.ratioFloorBytes && sizes.uncompressed > sizes.compressed * ZIP_LIMITS.maxRatio)
      throw new ZipFormatError(
        `${where} declares ${sizes.uncompressed} bytes from ${sizes.compressed}, a ratio over ${ZIP_LIMITS.maxRatio}:1 (a zip bomb?)`,
      );
    totalBytes += sizes.uncompressed;
    if (totalBytes > ZIP_LIMITS.maxTotalBytes)
      throw new ZipFormatError(
        `the entries declare over ${ZIP_LIMITS.maxTotalBytes} bytes in all, more than a release holds`,
      );
    entries.push({
      name,
      method,
      compressedSize: sizes.compressed,
      uncompressedSize: sizes.uncompressed,
      crc32: bytes.readUInt32LE(at + 16),
      localHeaderOffset: sizes.offset,
      dataStart: 0,
      kind,
    });
    at = next;
  }
  if (at !== bytes.length) throw new ZipFormatError('the central directory holds more than its entry count says');
  await placeEntries(source, entries, directory.offset);
  return entries;
}

/**
 * Reads each local header for where the data starts, and refuses entries whose local header and data overlap another
 * entry's or the central directory: pointing many entries at one deflate stream multiplies what one stream inflates
 * to (the overlap bomb), so every byte of the archive may belong to one entry only. Sorting makes this n log n.
 */
async function placeEntries(source: ByteSource, entries: ZipEntry[], directoryOffset: number): Promise<void> {
  const ranges: { start: number; end: number; entry: ZipEntry }[] = [];
  for (const entry of entries) {
    const where = `entry "${printable(entry.name)}"`;
    const header = await source.read(entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== SIG.local)
      throw new ZipFormatError(`${where}: no local file header where the central directory points`);
    entry.dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const end = entry.dataStart + entry.compressedSize;
    if (end > directoryOffset) throw new ZipFormatError(`${where}: its data lies outside the archive`);
    ranges.push({ start: entry.localHeaderOffset, end, entry });
  }
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i += 1) {
    const before = ranges[i - 1]!;
    const range = ranges[i]!;
    if (range.start < before.end)
      throw new ZipFormatError(
        `entry "${printable(range.entry.name)}" overlaps entry "${printable(before.entry.name)}" (overlapping entries: a zip bomb?)`,
      );
  }
}

/** APPNOTE §4.5.3: the zip64 extra field carries, in order, each size that is 0xFFFFFFFF in the record. */
function applyZip64Extra(
  extra: Buffer,
  sizes: { uncompressed: number; compressed: number; offset: number },
  disk: number,
  where: string,
): void {
  const needs = [
    sizes.uncompressed === U32_MAX,
    sizes.compressed === U32_MAX,
    sizes.offset === U32_MAX,
    disk === U16_MAX,
  ];
  if (!needs.some(Boolean)) {
    if (disk !== 0) throw new ZipFormatError(`${where} is on another volume of a split archive`);
    return;
  }
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (at + 4 + length > extra.length) break;
    if (id === 0x0001) {
      const field = extra.subarray(at + 4, at + 4 + length);
      let position = 0;
      const take = (what: string): number => {
        if (position + 8 > field.length) throw new ZipFormatError(`${where}: zip64 extra field too short for ${what}`);
        const value = u64(field, position, `${where} ${what}`);
        position += 8;
        return value;
      };
      if (needs[0]) sizes.uncompressed = take('the size');
      if (needs[1]) sizes.compressed = take('the compressed size');
      if (needs[2]) sizes.offset = take('the offset');
      if (needs[3] && (position + 4 > field.length || field.readUInt32LE(position) !== 0))
        throw new ZipFormatError(`${where} is on another volume of a split archive`);
      return;
    }
    at += 4 + length;
  }
  throw new ZipFormatError(`${where}: zip64 sizes without a zip64 extra field`);
}

export interface EntryDigest {
  sha256: string;
  size: number;
}

/** Streams one entry's content through SHA-256, checking its size and CRC-32 against the central directory. */
export async function hashZipEntry(source: ByteSource, entry: ZipEntry): Promise<EntryDigest> {
  const where = `entry "${printable(entry.name)}"`;
  const { dataStart } = entry;
  if (dataStart === 0) throw new ZipFormatError(`${where}: not placed (list entries with listZipEntries)`);
  if (dataStart + entry.compressedSize > source.size) throw new ZipFormatError(`${where}: data runs past the archive`);
  const hash = createHash('sha256');
  let crc = 0;
  let size = 0;
  const consume = (chunk: Buffer) => {
    size += chunk.length;
    if (size > entry.uncompressedSize)
      throw new ZipFormatError(`${where} inflates past its declared ${entry.uncompressedSize} bytes`);
    hash.update(chunk);
    crc = crc32Update(crc, chunk);
  };
  const compressed = Readable.from(readRange(source, dataStart, entry.compressedSize));
  try {
    if (entry.method === 0) {
      for await (const chunk of compressed) consume(chunk as Buffer);
    } else {
      await pipeline(compressed, zlib.createInflateRaw(), async (inflated: AsyncIterable<Buffer>) => {
        for await (const chunk of inflated) consume(chunk);
      });
    }
  } catch (error) {
    if (error instanceof ZipFormatError) throw error;
    throw new ZipFormatError(`${where}: corrupt deflate data (${(error as Error).message})`);
  }
  if (size !== entry.uncompressedSize)
    throw new ZipFormatError(`${where} inflates to ${size} bytes, the directory says ${entry.uncompressedSize}`);
  if (crc !== entry.crc32) throw new ZipFormatError(`${where}: CRC-32 mismatch (corrupt data)`);
  return { sha256: hash.digest('hex'), size };
}

async function* readRange(source: ByteSource, start: number, length: number): AsyncGenerator<Buffer> {
  for (let done = 0; done < length; ) {
    const chunk = await source.read(start + done, Math.min(CHUNK, length - done));
    if (chunk.length === 0) throw new ZipFormatError('unexpected end of archive');
    done += chunk.length;
    yield chunk;
  }
}

// CRC-32 (IEEE 802.3, reflected 0xEDB88320), as zip stores it. zlib.crc32 exists from Node 20.15; the table is the fallback.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** Continues a CRC-32 over another chunk (start with 0), like zlib.crc32(data, value). */
export function crc32Update(crc: number, chunk: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(chunk, crc) : crc32Portable(crc, chunk);
}

export function crc32Portable(crc: number, chunk: Uint8Array): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < chunk.length; i += 1) c = CRC_TABLE[(c ^ chunk[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A name safe to show in one line of output. */
function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}
