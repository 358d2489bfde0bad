// Indexes a tar archive (ustar, pax, GNU long names) without extracting it. Only headers are read here; file
// contents stay in the archive and are read later by offset.
import { MAX_COMPONENTS, type RawNode } from './rooted.js';

const BLOCK = 512;
/** Linux's PATH_MAX: no entry with a longer path can be extracted by name, and none is indexed. */
const MAX_PATH_BYTES = 4096;

/** The archive is not a readable tar: says where and why, in one line. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/** Random access to the archive bytes (a file on disk, or a decompressed buffer). */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
}

export interface TarNode extends RawNode {
  /** Where a regular file's contents start in the archive. */
  dataOffset?: number;
}

export interface TarIndex {
  /** Canonical in-archive path ("/etc/passwd", "/" for the root) → node. */
  nodes: Map<string, TarNode>;
  /** Directory path → names of its entries. */
  children: Map<string, Set<string>>;
}

interface HeaderOverrides {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
}

/**
 * What the indexer needs next: bytes at an offset (a header, or a pax / GNU long-name record), or notice of a regular
 * file's data (a streamed archive may keep it). Offsets only grow, so an archive can be indexed as it streams.
 */
export type TarRequest =
  | { kind: 'read'; offset: number; length: number }
  | { kind: 'file'; offset: number; size: number };

/** Pax and GNU long-name records are a few KB; a larger one is refused before it is read. */
const MAX_META_BYTES = 1024 * 1024;

/** Indexes an archive held on disk or in memory: every request is read from `source`. */
export function indexTar(source: ByteSource): TarIndex {
  const indexer = tarIndexer(source.size);
  let step = indexer.next();
  while (!step.done) {
    const request = step.value;
    step = indexer.next(request.kind === 'read' ? source.read(request.offset, request.length) : undefined);
  }
  return step.value;
}

/**
 * The indexing itself, driven by whoever holds the bytes. `size` is the archive's size when known; a streamed
 * archive (unknown size) answers a read past its end with fewer bytes than asked.
 */
export function* tarIndexer(size?: number): Generator<TarRequest, TarIndex, Buffer | undefined> {
  const read = function* (offset: number, length: number): Generator<TarRequest, Buffer, Buffer | undefined> {
    return (yield { kind: 'read', offset, length }) ?? Buffer.alloc(0);
  };
  const index: TarIndex = { nodes: new Map(), children: new Map() };
  setNode(index, '/', { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 });
  const danglingHardLinks: Array<{ path: string; target: string }> = [];
  let globalOverrides: HeaderOverrides = {};
  let pending: HeaderOverrides = {};
  let offset = 0;

  if (size === 0) throw new TarFormatError('empty file: not a tar archive');
  let ended = false;
  let entries = 0;
  while (size === undefined || offset + BLOCK <= size) {
    const header = yield* read(offset, BLOCK);
    if (header.length === 0 && offset === 0) throw new TarFormatError('empty file: not a tar archive');
    if (header.length < BLOCK) break;
    if (isZeroBlock(header)) {
      ended = true; // end-of-archive marker
      break;
    }
    verifyChecksum(header, offset);

    const typeflag = String.fromCharCode(header[156] ?? 0);
    const headerSize = readNumber(header, 124, 12, offset);
    const entrySize = pending.size ?? headerSize;
    const dataOffset = offset + BLOCK;
    if (size !== undefined && dataOffset + entrySize > size) {
      throw new TarFormatError(`truncated tar archive: the entry at offset ${offset} needs ${entrySize} bytes of data`);
    }
    const next = dataOffset + Math.ceil(entrySize / BLOCK) * BLOCK;
    const isMeta = typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
    const meta = isMeta ? yield* readMeta(read, offset, dataOffset, entrySize) : Buffer.alloc(0);

    if (typeflag === 'x' || typeflag === 'g') {
      const records = parsePax(meta, offset);
      if (typeflag === 'x') pending = { ...pending, ...records };
      else
        globalOverrides = {
          ...globalOverrides,
          uid: records.uid ?? globalOverrides.uid,
          gid: records.gid ?? globalOverrides.gid,
        };
      offset = next;
      continue;
    }
    if (typeflag === 'L' || typeflag === 'K') {
      const value = cString(meta, 0, entrySize);
      pending = typeflag === 'L' ? { ...pending, path: value } : { ...pending, linkpath: value };
      offset = next;
      continue;
    }
    if (typeflag === 'V') {
      pending = {}; // a volume label names no file
      offset = next;
      continue;
    }

    const name = pending.path ?? headerName(header);
    const path = boundedEntryPath(name, offset);
    entries++;
    const linkName = pending.linkpath ?? cString(header, 157, 100);
    const base = {
      mode: readNumber(header, 100, 8, offset) & 0o7777,
      uid: pending.uid ?? globalOverrides.uid ?? readNumber(header, 108, 8, offset),
      gid: pending.gid ?? globalOverrides.gid ?? readNumber(header, 116, 8, offset),
    };
    pending = {};
    offset = next;

    if (typeflag === '1') {
      const target = normaliseEntryPath(linkName);
      const linked = index.nodes.get(target);
      if (linked && linked.type === 'file') addEntry(index, path, { ...linked });
      else danglingHardLinks.push({ path, target });
      continue;
    }
    const node = nodeFor(typeflag, name, base, entrySize, dataOffset, linkName);
    if (node.type === 'file' && entrySize > 0) yield { kind: 'file', offset: dataOffset, size: entrySize };
    addEntry(index, path, node);
  }

  // A tar ends with zero blocks; without them it was cut short at a header boundary (a partial download or copy), and
  // what is missing might be the very files the audit needs. An archive of no entries is no system to audit.
  if (!ended) {
    throw new TarFormatError(`truncated tar archive: no end-of-archive marker after offset ${offset}`);
  }
  if (entries === 0) throw new TarFormatError('the archive holds no entries');
  // A hard link may name an entry that appears later (unusual, but tar does not forbid it).
  for (const { path, target } of danglingHardLinks) {
    const linked = index.nodes.get(target);
    if (linked && linked.type === 'file') addEntry(index, path, { ...linked });
    else addEntry(index, path, { type: 'other', mode: 0, uid: 0, gid: 0, size: 0 });
  }
  return index;
}

function* readMeta(
  read: (offset: number, length: number) => Generator<TarRequest, Buffer, Buffer | undefined>,
  headerOffset: number,
  dataOffset: number,
  length: number,
): Generator<TarRequest, Buffer, Buffer | undefined> {
  if (length > MAX_META_BYTES) {
    throw new TarFormatError(
      `the extended header at offset ${headerOffset} is ${length} bytes; at most ${MAX_META_BYTES} are read`,
    );
  }
  const data = yield* read(dataOffset, length);
  if (data.length < length) {
    throw new TarFormatError(
      `truncated tar archive: the entry at offset ${headerOffset} needs ${length} bytes of data`,
    );
  }
  return data;
}

function nodeFor(
  typeflag: string,
  name: string,
  base: { mode: number; uid: number; gid: number },
  size: number,
  dataOffset: number,
  linkName: string,
): TarNode {
  switch (typeflag) {
    case '2':
      return { type: 'symlink', ...base, size: Buffer.byteLength(linkName), linkTarget: linkName };
    case '5':
    case 'D': // GNU dump directory
      return { type: 'dir', ...base, size: 0 };
    case '3':
    case '4':
    case '6':
    case 'S': // GNU sparse file: its data is not stored contiguously, so it is not readable here
    case 'M':
      return { type: 'other', ...base, size: 0 };
    default:
      // '0', NUL, '7' (contiguous) and unknown types are regular files (POSIX); v7 marked directories by a trailing "/".
      if (name.endsWith('/') && (typeflag === '0' || typeflag === '\0')) return { type: 'dir', ...base, size: 0 };
      return { type: 'file', ...base, size, dataOffset };
  }
}

/** Later entries replace earlier ones, as extraction would; missing parents become 0755 root directories. */
function addEntry(index: TarIndex, path: string, node: TarNode): void {
  if (path === '/' && node.type !== 'dir') return;
  ensureParents(index, path);
  setNode(index, path, node);
}

function setNode(index: TarIndex, path: string, node: TarNode): void {
  index.nodes.set(path, node);
  if (node.type === 'dir' && !index.children.has(path)) index.children.set(path, new Set());
  if (path === '/') return;
  const slash = path.lastIndexOf('/');
  const parent = slash === 0 ? '/' : path.slice(0, slash);
  index.children.get(parent)?.add(path.slice(slash + 1));
}

/**
 * Makes every missing parent a directory. The parents are looked up deepest first, stopping at the first that already
 * is a directory (its own parents were made with it), then made top down so each is named in its parent: an entry
 * costs its new directories, not one joined prefix per component (quadratic in a deep path).
 */
function ensureParents(index: TarIndex, path: string): void {
  const missing: number[] = [];
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
    if (index.nodes.get(path.slice(0, slash))?.type === 'dir') break;
    missing.push(slash);
  }
  for (let i = missing.length - 1; i >= 0; i--)
    setNode(index, path.slice(0, missing[i]), { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 });
}

/**
 * The entry's canonical path, refused when longer than PATH_MAX or deeper than the target resolves: indexing a path
 * of 40,000 components took 28 s and 1.8 GB, and no tool could open it.
 */
function boundedEntryPath(name: string, offset: number): string {
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_PATH_BYTES) {
    throw new TarFormatError(
      `the entry at offset ${offset} has a path of ${bytes} bytes; at most ${MAX_PATH_BYTES} are read`,
    );
  }
  const path = normaliseEntryPath(name);
  const components = path === '/' ? 0 : path.split('/').length - 1;
  if (components > MAX_COMPONENTS) {
    throw new TarFormatError(
      `the entry at offset ${offset} has a path of ${components} components; at most ${MAX_COMPONENTS} are read`,
    );
  }
  return path;
}

/** "./etc/x", "etc/x/", "/etc/x" all name "/etc/x"; ".." stops at the root so no entry lands outside it. */
export function normaliseEntryPath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function headerName(header: Buffer): string {
  const name = cString(header, 0, 100);
  // Only POSIX ustar has a prefix field; GNU's "ustar  " header keeps other data there.
  const isPosixUstar = header.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = isPosixUstar ? cString(header, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(buffer: Buffer, start: number, length: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** Octal text, or GNU base-256 when the top bit of the first byte is set (large uids and sizes). */
function readNumber(header: Buffer, start: number, length: number, headerOffset: number): number {
  const first = header[start] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i += 1) value = value * 256 + (header[i] ?? 0);
    return value;
  }
  const text = header
    .toString('latin1', start, start + length)
    .replace(/[\0 ]+$/, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new TarFormatError(`corrupt tar header at offset ${headerOffset}: bad number field at byte ${start}`);
  }
  return Number.parseInt(text, 8);
}

function verifyChecksum(header: Buffer, offset: number): void {
  const field = header
    .toString('latin1', 148, 156)
    .replace(/[\0 ]+$/, '')
    .trim();
  const stored = /^[0-7]+$/.test(field) ? Number.parseInt(field, 8) : Number.NaN;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte; // some old tars summed signed chars
  }
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(
      `corrupt tar header at offset ${offset}: checksum mismatch (stored ${Number.isNaN(stored) ? 'none' : stored}, computed ${unsigned}); not a tar archive, or damaged`,
    );
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** Pax records are "<length> <key>=<value>\n", the length counting the whole record in bytes. */
function parsePax(data: Buffer, headerOffset: number): HeaderOverrides {
  const overrides: HeaderOverrides = {};
  let position = 0;
  while (position < data.length) {
    if (data[position] === 0) break; // padding
    const space = data.indexOf(0x20, position);
    const length = space === -1 ? Number.NaN : Number(data.toString('latin1', position, space));
    if (!Number.isInteger(length) || length <= 0 || position + length > data.length) {
      throw new TarFormatError(`corrupt pax header at offset ${headerOffset}: bad record at byte ${position}`);
    }
    const record = data.toString('utf8', space + 1, position + length - 1);
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') overrides.path = value;
    else if (key === 'linkpath') overrides.linkpath = value;
    else if (key === 'size' || key === 'uid' || key === 'gid') {
      if (!/^\d+$/.test(value))
        throw new TarFormatError(`corrupt pax header at offset ${headerOffset}: ${key} is not a number`);
      overrides[key] = Number(value);
    }
    position += length;
  }
  return overrides;
}
