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

/**
 * Reads cat-file's output as it arrives and hands over, per piece read from the pipe, the objects it completed. At
 * most `maxBytes` of one object is ever held: a larger one is consumed and dropped, so memory stays bounded whatever
 * the repository holds. Content that arrived in one piece is a view of that piece, not a copy: the consumer is done
 * with a group before asking for the next. Groups spare a scan of many small blobs one async step per blob.
 */
export async function* readBatchGroups(
  stream: Readable,
  maxBytes: number,
): AsyncGenerator<(BatchObject | { missing: string })[]> {
  // The start of a header line cut by the end of a piece (only ever a header: content is taken piece by piece).
  let headerStart: Buffer | undefined;
  let current: Header | undefined;
  let chunks: Buffer[] = [];
  let remaining = 0; // content bytes of `current` still to come, plus its trailing LF
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buffer = chunk;
    if (headerStart !== undefined) {
      buffer = Buffer.concat([headerStart, chunk]);
      headerStart = undefined;
    }
    const group: (BatchObject | { missing: string })[] = [];
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
        chunks = [];
        remaining = header.size + 1;
        continue;
      }
      const take = Math.min(remaining, buffer.length - offset);
      if (current.size <= maxBytes) chunks.push(buffer.subarray(offset, offset + take));
      offset += take;
      remaining -= take;
      if (remaining === 0) {
        const object: BatchObject = current;
        if (current.size <= maxBytes) {
          const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          object.content = whole.subarray(0, current.size);
        }
        current = undefined;
        chunks = [];
        group.push(object);
      }
    }
    if (group.length > 0) yield group;
  }
  if (current !== undefined) throw new Error(`git cat-file: output ended inside object ${current.oid}`);
  if (headerStart !== undefined) throw new Error('git cat-file: output ended inside a header line');
}

/** readBatchGroups one object at a time. */
export async function* readBatch(
  stream: Readable,
  maxBytes: number,
): AsyncGenerator<BatchObject | { missing: string }> {
  for await (const group of readBatchGroups(stream, maxBytes)) yield* group;
}
