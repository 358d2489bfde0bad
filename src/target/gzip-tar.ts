// A .tar.gz read as it inflates: indexed in one streamed pass with bounded memory, never inflated whole (a 1.5 MB
// archive holding 1.5 GiB of zeros took 3.2 GB of RSS through gunzipSync). Small files are kept as they stream by;
// larger ones are indexed only and inflated again, up to their offset, when read.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DEFAULT_MAX_BYTES } from './rooted.js';
import { TarFormatError, type TarIndex, tarIndexer } from './tar-reader.js';

export interface GzipTarLimits {
  /** Inflating stops with an error past this many bytes (an archive that inflates without end is a bomb). */
  maxInflatedBytes: number;
  /** Files up to this size are kept in memory while indexing (configs, keys, units: what the audit reads). */
  maxHeldFileBytes: number;
  /** ...until all kept files together reach this; later files are inflated again when read. */
  maxHeldTotalBytes: number;
}

/**
 * 8 GiB inflated: a signer host's exported root is a few GiB. Files kept: those a default read accepts (16 MiB,
 * DEFAULT_MAX_BYTES), 512 MiB in all.
 */
export const DEFAULT_GZIP_TAR_LIMITS: GzipTarLimits = {
  maxInflatedBytes: 8 * 1024 ** 3,
  maxHeldFileBytes: DEFAULT_MAX_BYTES,
  maxHeldTotalBytes: 512 * 1024 * 1024,
};

const CHUNK_BYTES = 256 * 1024;

/** Sequential reads of the inflated stream at growing offsets; the bytes in between are dropped as they pass. */
class InflatedReader {
  private readonly gunzip;
  private readonly chunks: AsyncIterator<Buffer>;
  private current: Buffer = Buffer.alloc(0);
  /** Inflated offset of current[0]. */
  private currentStart = 0;

  constructor(
    private readonly path: string,
    private readonly maxInflatedBytes: number,
  ) {
    this.gunzip = createReadStream(path, { highWaterMark: CHUNK_BYTES }).pipe(createGunzip({ chunkSize: CHUNK_BYTES }));
    this.chunks = this.gunzip[Symbol.asyncIterator]();
  }

  private async nextChunk(): Promise<boolean> {
    let step: IteratorResult<Buffer>;
    try {
      step = await this.chunks.next();
    } catch (error) {
      throw new TarFormatError(`${this.path}: cannot decompress: ${(error as Error).message}`);
    }
    if (step.done) return false;
    this.currentStart += this.current.length;
    this.current = step.value;
    if (this.currentStart + this.current.length > this.maxInflatedBytes) {
      throw new TarFormatError(
        `${this.path}: inflates past ${this.maxInflatedBytes} bytes; gunzip it and pass the .tar if it is genuine`,
      );
    }
    return true;
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the stream); offsets must not go back. */
  async read(offset: number, length: number): Promise<Buffer> {
    if (offset < this.currentStart)
      throw new Error(`inflated stream read backwards (${offset} < ${this.currentStart})`);
    const parts: Buffer[] = [];
    let at = offset;
    let wanted = length;
    while (wanted > 0) {
      if (at >= this.currentStart + this.current.length) {
        if (!(await this.nextChunk())) break;
        continue;
      }
      const from = at - this.currentStart;
      const take = Math.min(wanted, this.current.length - from);
      parts.push(this.current.subarray(from, from + take));
      at += take;
      wanted -= take;
    }
    return Buffer.concat(parts);
  }

  close(): void {
    this.gunzip.destroy();
  }
}

export interface GzipTarIndex {
  index: TarIndex;
  /** Data offset → contents, for the files kept while indexing. */
  held: Map<number, Buffer>;
}

/** Indexes a gzip-compressed tar in one streamed pass. Throws TarFormatError (naming the archive) when it is not one. */
export async function indexGzipTar(
  path: string,
  limits: GzipTarLimits = DEFAULT_GZIP_TAR_LIMITS,
): Promise<GzipTarIndex> {
  const reader = new InflatedReader(path, limits.maxInflatedBytes);
  const held = new Map<number, Buffer>();
  let heldTotal = 0;
  try {
    const indexer = tarIndexer();
    let step = indexer.next();
    while (!step.done) {
      const request = step.value;
      if (request.kind === 'read') {
        step = indexer.next(await reader.read(request.offset, request.length));
        continue;
      }
      if (request.size <= limits.maxHeldFileBytes && heldTotal + request.size <= limits.maxHeldTotalBytes) {
        const data = await reader.read(request.offset, request.size);
        // A short read means the archive ends inside this file: the next header read finds no end marker.
        if (data.length === request.size) {
          held.set(request.offset, data);
          heldTotal += data.length;
        }
      }
      step = indexer.next(undefined);
    }
    return { index: step.value, held };
  } catch (error) {
    if (error instanceof TarFormatError && !error.message.startsWith(path))
      throw new TarFormatError(`${path}: ${error.message}`);
    throw error;
  } finally {
    reader.close();
  }
}

/** A file's contents inflated again from the start of the archive: for files too large to keep while indexing. */
export async function readGzipTarRange(path: string, offset: number, length: number): Promise<Buffer> {
  const reader = new InflatedReader(path, Number.POSITIVE_INFINITY);
  try {
    const data = await reader.read(offset, length);
    if (data.length < length)
      throw new TarFormatError(`${path}: truncated: expected ${length} bytes at offset ${offset}`);
    return data;
  } finally {
    reader.close();
  }
}
