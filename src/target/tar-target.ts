import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve as resolveHostPath } from 'node:path';
import { TargetError } from './errors.js';
import { type GzipTarIndex, type GzipTarLimits, indexGzipTar, readGzipTarRange } from './gzip-tar.js';
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

function isGzip(path: string): boolean {
  const magic = sniffMagic(path);
  return magic[0] === 0x1f && magic[1] === 0x8b;
}

function openSource(path: string): FileByteSource {
  const magic = sniffMagic(path);
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
  private readonly bytes: FileByteSource | undefined;
  private readonly gzip: GzipTarIndex | undefined;
  private readonly index: TarIndex;

  /**
   * A plain archive, indexed at once; throws TarFormatError (with the offset) on a corrupt archive. A gzip-compressed
   * one is opened with TarTarget.open, which streams it.
   */
  constructor(archivePath: string, gzipped?: GzipTarIndex) {
    super();
    this.source = resolveHostPath(archivePath);
    if (gzipped) {
      this.gzip = gzipped;
      this.index = gzipped.index;
      return;
    }
    if (isGzip(this.source)) throw new TarFormatError(`${this.source}: a gzip-compressed archive is opened streamed`);
    const bytes = openSource(this.source);
    this.bytes = bytes;
    try {
      this.index = bytes.withOpenFile(() => indexTar(bytes));
    } catch (error) {
      if (error instanceof TarFormatError) throw new TarFormatError(`${this.source}: ${error.message}`);
      throw error;
    }
  }

  /** Any archive: a plain one indexed in place, a gzip-compressed one indexed as it inflates (never inflated whole). */
  static async open(archivePath: string, limits?: GzipTarLimits): Promise<TarTarget> {
    const path = resolveHostPath(archivePath);
    if (!isGzip(path)) return new TarTarget(path);
    return new TarTarget(path, await indexGzipTar(path, limits));
  }

  protected lstatRaw(canonicalPath: string): RawNode | undefined {
    return this.index.nodes.get(canonicalPath);
  }

  protected readRaw(canonicalPath: string, maxBytes: number): Buffer | Promise<Buffer> {
    const node = this.index.nodes.get(canonicalPath);
    if (!node) throw new TargetError('ENOENT', canonicalPath);
    if (node.type !== 'file' || node.dataOffset === undefined) {
      throw new TargetError('EIO', canonicalPath, 'not a regular file');
    }
    if (node.size > maxBytes) throw new TargetError('ETOOBIG', canonicalPath, `limit ${maxBytes} bytes`);
    if (node.size === 0) return Buffer.alloc(0);
    const { dataOffset, size } = node;
    const failed = (error: unknown) => new TargetError('EIO', canonicalPath, (error as Error).message);
    if (this.gzip) {
      const held = this.gzip.held.get(dataOffset);
      if (held) return Buffer.from(held);
      return readGzipTarRange(this.source, dataOffset, size).catch((error: unknown) => {
        throw failed(error);
      });
    }
    try {
      return Buffer.from((this.bytes as FileByteSource).read(dataOffset, size));
    } catch (error) {
      throw failed(error);
    }
  }

  protected readDirRaw(canonicalPath: string): string[] {
    const names = this.index.children.get(canonicalPath);
    if (!names) throw new TargetError('ENOTDIR', canonicalPath);
    return [...names];
  }
}
