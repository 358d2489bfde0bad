// Streams objects out of `git cat-file --batch`: https://git-scm.com/docs/git-cat-file#_batch_output
import type { Readable } from 'node:stream';

/** One object as cat-file announced it; `content` is absent when the object was over the size cap (skipped unread). */
export interface BatchObject {
  oid: string;
  type: string;
  size: number;
  /** The rest of the input line after the object name (the path rev-list gave it). */
  rest: string;
  content?: Buffer;
}

/** The header format asked of cat-file, parsed by parseHeader. */
export const BATCH_FORMAT = '%(objectname) %(objecttype) %(objectsize) %(rest)';

interface Header {
  oid: string;
  type: string;
  size: number;
  rest: string;
}

const OBJECT_TYPES = new Set(['blob', 'tree', 'commit', 'tag']);

function parseHeader(line: string): Header | { missing: string } {
  const first = line.indexOf(' ');
  const second = first === -1 ? -1 : line.indexOf(' ', first + 1);
  const third = second === -1 ? -1 : line.indexOf(' ', second + 1);
  const oid = first === -1 ? line : line.slice(0, first);
  const type = first === -1 ? '' : line.slice(first + 1, second === -1 ? line.length : second);
  const size = second === -1 ? Number.NaN : Number(line.slice(second + 1, third === -1 ? line.length : third));
  if (OBJECT_TYPES.has(type) && Number.isSafeInteger(size) && /^[0-9a-f]{40,64}$/.test(oid)) {
    return { oid, type, size, rest: third === -1 ? '' : line.slice(third + 1) };
  }
  // "<name> missing": the name is the first word when the format uses %(rest), the whole input line otherwise.
  if (line.endsWith(' missing') || line.endsWith(' ambiguous')) return { missing: oid };
  throw new Error(`git cat-file: unexpected output line "${line.slice(0, 120)}"`);
}

/** Objects up to this size that span pipe pieces are assembled in one buffer reused from object to object. */
const MAX_REUSED_BYTES = 8 * 1024 * 1024;
/** The reused buffer's first size; it doubles as larger objects come. */
const FIRST_REUSED_BYTES = 256 * 1024;

/**
 * Reads cat-file's output as it arrives and hands over, per piece read from the pipe, the objects it completed. At
 * most `maxBytes` of one object is ever held: a larger one is consumed and dropped, so memory stays bounded whatever
 * the repository holds. Content is never the consumer's to keep: it must be done with a group before asking for the
 * next. Content that arrived in one piece is a view of that piece; content spread over pieces is copied into one
 * buffer reused for the next such object (a history scan reads gigabytes of merge blobs this way: a fresh buffer per
 * object was that much garbage, collected by full collections), and such an object ends its group. Groups spare a
 * scan of many small blobs one async step per blob.
 */
export async function* readBatchGroups(
  stream: Readable,
  maxBytes: number,
): AsyncGenerator<(BatchObject | { missing: string })[]> {
  // The start of a header line cut by the end of a piece (only ever a header: content is taken piece by piece).
  let headerStart: Buffer | undefined;
  let current: Header | undefined;
  // The object being read: its first piece (a view) until a second piece comes, then `assembled` holds it.
  let firstPiece: Buffer | undefined;
  let assembled: Buffer | undefined;
  let filled = 0;
  let reused: Buffer | undefined;
  let remaining = 0; // content bytes of `current` still to come, plus its trailing LF
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buffer = chunk;
    if (headerStart !== undefined) {
      buffer = Buffer.concat([headerStart, chunk]);
      headerStart = undefined;
    }
    let group: (BatchObject | { missing: string })[] = [];
    let offset = 0;
    while (offset < buffer.length) {
      if (current === undefined) {
        const newline = buffer.indexOf(0x0a, offset);
        if (newline === -1) {
          headerStart = Buffer.from(buffer.subarray(offset));
          break;
        }
        const header = parseHeader(buffer.toString('utf8', offset, newline));
        offset = newline + 1;
        if ('missing' in header) {
          group.push(header);
          continue;
        }
        current = header;
        firstPiece = undefined;
        assembled = undefined;
        filled = 0;
        remaining = header.size + 1;
        continue;
      }
      const take = Math.min(remaining, buffer.length - offset);
      if (current.size <= maxBytes && filled < current.size) {
        // The trailing LF is not content: at most `size` bytes are kept.
        const piece = buffer.subarray(offset, offset + Math.min(take, current.size - filled));
        if (firstPiece === undefined && assembled === undefined) firstPiece = piece;
        else {
          if (assembled === undefined) {
            assembled = assemblyBuffer(current.size, reused);
            if (current.size <= MAX_REUSED_BYTES) reused = assembled;
            (firstPiece as Buffer).copy(assembled, 0);
            firstPiece = undefined;
          }
          piece.copy(assembled, filled);
        }
        filled += piece.length;
      }
      offset += take;
      remaining -= take;
      if (remaining === 0) {
        const object: BatchObject = current;
        current = undefined;
        if (object.size <= maxBytes) {
          object.content =
            assembled !== undefined ? assembled.subarray(0, object.size) : (firstPiece ?? Buffer.alloc(0));
          firstPiece = undefined;
          group.push(object);
          if (assembled !== undefined) {
            // The reused buffer is rewritten by the next object spread over pieces: the consumer sees this one first.
            assembled = undefined;
            yield group;
            group = [];
          }
        } else group.push(object);
      }
    }
    if (group.length > 0) yield group;
  }
  if (current !== undefined) throw new Error(`git cat-file: output ended inside object ${current.oid}`);
  if (headerStart !== undefined) throw new Error('git cat-file: output ended inside a header line');
}

/** A buffer for `size` bytes: the reused one when it is large enough, else a new one (reusable when not too large). */
function assemblyBuffer(size: number, reused: Buffer | undefined): Buffer {
  if (reused !== undefined && reused.length >= size) return reused;
  if (size > MAX_REUSED_BYTES) return Buffer.allocUnsafeSlow(size);
  let length = Math.max(FIRST_REUSED_BYTES, reused?.length ?? 0);
  while (length < size) length *= 2;
  return Buffer.allocUnsafeSlow(Math.min(length, MAX_REUSED_BYTES));
}

/** readBatchGroups one object at a time. */
export async function* readBatch(
  stream: Readable,
  maxBytes: number,
): AsyncGenerator<BatchObject | { missing: string }> {
  for await (const group of readBatchGroups(stream, maxBytes)) yield* group;
}
