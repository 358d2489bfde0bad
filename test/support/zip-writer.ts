// Writes small but real zip archives (PKWARE APPNOTE §4.3) for the zip reader's tests: stored or deflated entries,
// with the central directory and end record a zip tool would write.
import { deflateRawSync } from 'node:zlib';
import { crc32Portable } from '../../src/release/zip-reader.js';

export interface ZipSpecEntry {
  name: string;
  content?: Buffer | string;
  /** 0 stored, 8 deflate (default). */
  method?: 0 | 8;
  /** Unix mode for the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
}

export function buildZip(entries: readonly ZipSpecEntry[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const content = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content ?? '', 'utf8');
    const method = entry.method ?? 8;
    const data = method === 8 ? deflateRawSync(content) : content;
    const crc = crc32Portable(0, content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.unixMode ?? (entry.name.endsWith('/') ? 0o40755 : 0o100755)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const commentBytes = Buffer.from(comment, 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...locals, directory, end, commentBytes]);
}

/** Offset of the central directory entry of the n-th entry (0-based) in a zip from buildZip. */
export function centralEntryOffset(zip: Buffer, index: number): number {
  let at = zip.readUInt32LE(zip.length - 22 + 16);
  for (let i = 0; i < index; i += 1)
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  return at;
}

/** A ByteSource over a buffer, as the reader sees a file. */
export function bufferSource(buffer: Buffer) {
  return {
    size: buffer.length,
    async read(position: number, length: number) {
      return buffer.subarray(position, Math.min(buffer.length, position + length));
    },
  };
}

/**
 * The overlap bomb: one local entry, and a central directory naming it under every name in `names` (each entry's
 * range is the same bytes), so a reader that hashes each entry inflates the one stream once per name.
 */
export function buildOverlapZip(names: readonly string[], content: Buffer, method: 0 | 8 = 8): Buffer {
  const single = buildZip([{ name: names[0]!, content, method }]);
  const directoryAt = single.readUInt32LE(single.length - 22 + 16);
  const first = single.subarray(directoryAt, single.length - 22);
  const centrals: Buffer[] = [];
  for (const name of names) {
    const nameBytes = Buffer.from(name, 'utf8');
    const central = Buffer.from(first.subarray(0, 46));
    central.writeUInt16LE(nameBytes.length, 28);
    centrals.push(central, nameBytes);
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(directoryAt, 16);
  return Buffer.concat([single.subarray(0, directoryAt), directory, end]);
}
