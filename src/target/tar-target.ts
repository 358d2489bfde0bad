import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { resolve as resolveHostPath } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TargetError } from './errors.js';
import type { RawNode } from './rooted.js';
import { RootedTarget } from './rooted.js';
import { type ByteSource, indexTar, TarFormatError, type TarIndex } from './tar-reader.js';
import type { TargetKind } from './types.js';

/** A plain archive stays on disk: headers are read once, file contents on demand. */
class FileByteSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(private readonly path: string) {
    const fd = openSync(path, 'r');
    try {
      this.size = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps one descriptor open while indexing instead of one open per header. */
  withOpenFile<T>(work: () => T): T {
    this.fd = openSync(this.path, 'r');
    try {
      return work();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  read(offset: number, length: number): Buffer {
    const fd = this.fd ?? openSync(this.path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const read = readSync(fd, buffer, filled, length - filled, offset + filled);
        if (read === 0) break;
        filled += read;
      }
      if (filled < length)
        throw new TarFormatError(`truncated tar archive: expected ${length} bytes at offset ${offset}`);
      return buffer;
    } finally {
      if (this.fd === undefined) closeSync(fd);
    }
  }
}

/** A compressed archive can't be read at an offset, so it is decompressed into memory once. */
class BufferByteSource implements ByteSource {
  readonly size: number;

  constructor(private readonly bytes: Buffer) {
    this.size = bytes.length;
  }

  read(offset: number, length: number): Buffer {
    if (offset + length > this.size) {
      throw new TarFormatError(`truncated tar archive: expected ${length} bytes at offset ${offset}`);
    }
    return this.bytes.subarray(offset, offset + length);
  }
}

function sniffMagic(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(6);
    readSync(fd, magic, 0, 6, 0);
    return magic;
  } finally {
    closeSync(fd);
  }
}

function openSource(path: string): ByteSource {
  const magic = sniffMagic(path);
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    try {
      return new BufferByteSource(gunzipSync(readFileSync(path)));
    } catch (error) {
      const reason =
        error instanceof RangeError
          ? 'too large to decompress in memory; gunzip it and pass the .tar'
          : (error as Error).message;
      throw new TarFormatError(`${path}: cannot decompress: ${reason}`);
    }
  }
  if (magic.toString('latin1', 0, 3) === 'BZh' || magic.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    throw new TarFormatError(`${path}: only plain and gzip-compressed tar archives are supported; decompress it first`);
  }
  return new FileByteSource(path);
}

/**
 * A system's root packed in a tar archive (`docker export`, `tar -C root -cf`), read without extracting it.
 * Modes and numeric owners come from the archive's headers; parents implied by file paths are 0755 root directories.
 */
export class TarTarget extends RootedTarget {
  readonly kind: TargetKind = 'tar';
  readonly source: string;
  private readonly bytes: ByteSource;
  private readonly index: TarIndex;

  /** Indexes the archive at once; throws TarFormatError (with the offset) on a corrupt archive. */
  constructor(archivePath: string) {
    super();
    this.source = resolveHostPath(archivePath);
    const bytes = openSource(this.source);
    this.bytes = bytes;
    try {
      this.index = bytes instanceof FileByteSource ? bytes.withOpenFile(() => indexTar(bytes)) : indexTar(bytes);
    } catch (error) {
      if (error instanceof TarFormatError) throw new TarFormatError(`${this.source}: ${error.message}`);
      throw error;
    }
  }

  protected lstatRaw(canonicalPath: string): RawNode | undefined {
    return this.index.nodes.get(canonicalPath);
  }

  protected readRaw(canonicalPath: string, maxBytes: number): Buffer {
    const node = this.index.nodes.get(canonicalPath);
    if (!node) throw new TargetError('ENOENT', canonicalPath);
    if (node.type !== 'file' || node.dataOffset === undefined) {
      throw new TargetError('EIO', canonicalPath, 'not a regular file');
    }
    if (node.size > maxBytes) throw new TargetError('ETOOBIG', canonicalPath, `limit ${maxBytes} bytes`);
    try {
      return Buffer.from(this.bytes.read(node.dataOffset, node.size));
    } catch (error) {
      throw new TargetError('EIO', canonicalPath, (error as Error).message);
    }
  }

  protected readDirRaw(canonicalPath: string): string[] {
    const names = this.index.children.get(canonicalPath);
    if (!names) throw new TargetError('ENOTDIR', canonicalPath);
    return [...names];
  }
}
