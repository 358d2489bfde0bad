// Writes reproducible tar archives (ustar headers, pax records where ustar can't hold a value): same entries in,
import { appendAll } from '../parsers/lists.js';

// same bytes out, whatever the machine, clock or user that runs it.

const BLOCK = 512;
/** 2000-01-01T00:00:00Z: a fixed mtime keeps archives byte-identical between builds. */
export const FIXED_MTIME = 946684800;

export interface TarWriterEntry {
  /** In-archive path, "etc/passwd" or "/etc/passwd"; written without a leading "/" (as `docker export` does). */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits incl. setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  content?: Buffer | string;
  /** For symlinks. */
  linkTarget?: string;
}

const OCTAL_LIMITS = { mode: 0o7777777, id: 0o7777777, size: 0o77777777777 };

/** Entries are sorted by path (parents first); each directory's parents must be listed by the caller if wanted. */
export function writeTar(entries: readonly TarWriterEntry[], options: { mtime?: number } = {}): Buffer {
  const mtime = options.mtime ?? FIXED_MTIME;
  const blocks: Buffer[] = [];
  const sorted = [...entries]
    .map((entry) => ({ ...entry, path: entry.path.replace(/^\/+|\/+$/g, '') }))
    .filter((entry) => entry.path !== '')
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) appendAll(blocks, entryBlocks(entry, mtime));
  blocks.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(blocks);
}

function entryBlocks(entry: TarWriterEntry, mtime: number): Buffer[] {
  const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const content = entry.type === 'file' ? toBuffer(entry.content ?? '') : Buffer.alloc(0);
  const linkName = entry.type === 'symlink' ? (entry.linkTarget ?? '') : '';
  if (entry.type === 'symlink' && linkName === '') throw new Error(`tar writer: symlink ${entry.path} has no target`);

  const pax: Array<[string, string]> = [];
  if (!fitsUstar(name, 100)) pax.push(['path', name]);
  if (!fitsUstar(linkName, 100)) pax.push(['linkpath', linkName]);
  if (entry.uid > OCTAL_LIMITS.id) pax.push(['uid', String(entry.uid)]);
  if (entry.gid > OCTAL_LIMITS.id) pax.push(['gid', String(entry.gid)]);
  if (content.length > OCTAL_LIMITS.size) pax.push(['size', String(content.length)]);

  const blocks: Buffer[] = [];
  if (pax.length > 0) {
    const body = Buffer.from(pax.map(([key, value]) => paxRecord(key, value)).join(''), 'utf8');
    const paxName = `PaxHeaders/${truncateBytes(entry.path.split('/').pop() ?? '', 88)}`;
    blocks.push(
      header({ name: paxName, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, typeflag: 'x', linkName: '' }),
    );
    blocks.push(padded(body));
  }
  blocks.push(
    header({
      name: truncateBytes(name, 100),
      mode: entry.mode & 0o7777,
      uid: Math.min(entry.uid, OCTAL_LIMITS.id),
      gid: Math.min(entry.gid, OCTAL_LIMITS.id),
      size: content.length > OCTAL_LIMITS.size ? 0 : content.length,
      mtime,
      typeflag: entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0',
      linkName: truncateBytes(linkName, 100),
    }),
  );
  if (content.length > 0) blocks.push(padded(content));
  return blocks;
}

interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkName: string;
}

function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, fields.uid);
  writeOctal(block, 116, 8, fields.gid);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 1, 'latin1');
  block.write(fields.linkName, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  // Checksum: sum of all bytes with the checksum field as spaces, written as 6 octal digits, NUL, space.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

/** "<length> key=value\n" where length counts the record's own bytes, its digits included. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest);
  let length = restBytes + String(restBytes).length;
  if (String(length).length !== String(length - restBytes).length) length = restBytes + String(length).length;
  return `${length}${rest}`;
}

function fitsUstar(value: string, limit: number): boolean {
  return Buffer.byteLength(value) <= limit && /^[\x20-\x7e]*$/.test(value);
}

function truncateBytes(value: string, limit: number): string {
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length <= limit
    ? value
    : bytes
        .subarray(0, limit)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
}

function padded(data: Buffer): Buffer {
  const remainder = data.length % BLOCK;
  return remainder === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - remainder)]);
}

function toBuffer(content: Buffer | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}
