// Verifies a stacks-core release archive against its CHECKSUMS.txt (SHA-512, stacks-facts.md §5) and hashes the
// binaries inside it for a pin. Reads host files (the archive the operator downloaded); writes nothing.
//
// The archive is opened once: the SHA-512 and the zip entries are read from that one descriptor with positional
// reads, so the binaries pinned are the bytes whose digest matched, whatever happens to the path meanwhile; its
// fstat identity is compared at the end, so bytes rewritten in place while it was read fail the run.

import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { readOptionFile, statUserFile, UserFileError } from '../fs/read-user-file.js';
import { parseSha512Checksums } from '../parsers/checksums.js';
import { type PinnedBinary, type ReleasePin, setOwn } from '../stacks/release-pin.js';
import { parseVersion } from '../stacks/version.js';
import { type ByteSource, hashZipEntry, listZipEntries, ZipFormatError } from './zip-reader.js';

/** A reason the release can't be pinned; the message says where and why. */
export class ReleaseVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseVerificationError';
  }
}

export interface VerifyReleaseInput {
  archivePath: string;
  checksumsPath: string;
  /** The release's version as the operator knows it (from the release page); recorded, not checked. */
  version?: string;
  now?: Date;
  /**
   * Called once the SHA-512 has matched, before the zip is read: the seam tests use to swap or rewrite the archive
   * between the two reads.
   */
  afterDigest?: () => void | Promise<void>;
}

/** The programs a release archive must hold at least one of to be a stacks-core release. */
export const RELEASE_BINARIES = ['stacks-signer', 'stacks-node'] as const;

export async function verifyRelease(input: VerifyReleaseInput): Promise<ReleasePin> {
  if (input.version !== undefined && !parseVersion(input.version))
    throw new ReleaseVerificationError(`--release-version ${input.version}: not a version like 4.0.2 or 3.4.0.0.4.0`);
  const archiveName = basename(input.archivePath);
  const expected = await expectedDigest(input.checksumsPath, archiveName);
  const archive = await openArchive(input.archivePath);
  try {
    const actual = await sha512Of(archive);
    if (actual !== expected) {
      throw new ReleaseVerificationError(
        `${input.archivePath}: SHA-512 ${actual.slice(0, 16)}… does not match ${expected.slice(0, 16)}… in ${input.checksumsPath}: the archive is tampered or corrupt`,
      );
    }
    await input.afterDigest?.();
    const binaries = await hashArchiveBinaries(archive, input.version);
    await ensureUnchanged(archive);
    return {
      schemaVersion: 1,
      release: { archive: archiveName, sha512: actual, ...(input.version ? { version: input.version } : {}) },
      binaries,
      verifiedAt: (input.now ?? new Date()).toISOString(),
    };
  } finally {
    await archive.handle.close();
  }
}

interface OpenArchive {
  path: string;
  handle: FileHandle;
  /** fstat at open: the bytes read must still be these at the end. */
  opened: Stats;
  source: ByteSource;
}

async function openArchive(path: string): Promise<OpenArchive> {
  let handle: FileHandle;
  let before: Stats;
  try {
    // Judged before the open: a FIFO would block the open for ever, a device acts on being opened.
    const checked = statUserFile(path, { label: `--archive ${path}` });
    before = checked.stats;
    // A symlink is followed once, here; whatever it points at later is not read.
    handle = await open(path, checked.flags);
  } catch (error) {
    if (error instanceof UserFileError) throw new ReleaseVerificationError(error.message);
    throw new ReleaseVerificationError(`${path}: ${reasonOf(error)}`);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev)
      throw new ReleaseVerificationError(`${path}: not a regular file, or changed while it was being opened`);
    return { path, handle, opened, source: fileSource(handle, opened.size) };
  } catch (error) {
    await handle.close();
    if (error instanceof ReleaseVerificationError) throw error;
    throw new ReleaseVerificationError(`${path}: ${reasonOf(error)}`);
  }
}

/**
 * The same file, not rewritten while it was read: inode, size and mtime as at open. Not ctime: renaming another
 * file over the path (harmless now: we read our descriptor) changes the link count and with it the ctime.
 */
async function ensureUnchanged(archive: OpenArchive): Promise<void> {
  const now = await archive.handle.stat();
  const before = archive.opened;
  const same =
    now.ino === before.ino && now.dev === before.dev && now.size === before.size && now.mtimeMs === before.mtimeMs;
  if (!same)
    throw new ReleaseVerificationError(
      `${archive.path}: the archive changed while it was being verified (its size or modification time differ); nothing was pinned, run again on a file nothing writes to`,
    );
}

async function expectedDigest(checksumsPath: string, archiveName: string): Promise<string> {
  let text: string;
  try {
    text = readOptionFile('--checksums', checksumsPath);
  } catch (error) {
    if (error instanceof UserFileError) throw new ReleaseVerificationError(error.message);
    throw error;
  }
  const parsed = parseSha512Checksums(text);
  if (!parsed.ok) {
    const where = parsed.line > 0 ? `${checksumsPath}:${parsed.line}` : checksumsPath;
    throw new ReleaseVerificationError(`${where}: malformed checksums file: ${parsed.reason}`);
  }
  const line = parsed.entries.find((entry) => entry.name === archiveName);
  if (!line) {
    const listed = parsed.entries.map((entry) => entry.name).join(', ');
    throw new ReleaseVerificationError(
      `${checksumsPath} has no SHA-512 line for "${archiveName}" (it lists: ${listed}); keep the archive's release name`,
    );
  }
  return line.sha512;
}

const DIGEST_CHUNK_BYTES = 1024 * 1024;

async function sha512Of(archive: OpenArchive): Promise<string> {
  const hash = createHash('sha512');
  try {
    for (let position = 0; position < archive.source.size; position += DIGEST_CHUNK_BYTES) {
      const chunk = await archive.source.read(position, DIGEST_CHUNK_BYTES);
      // A file that shrank under us: the rest of the bytes are not what was opened.
      if (chunk.length === 0) throw new Error('the file shrank while it was read');
      hash.update(chunk);
    }
  } catch (error) {
    throw new ReleaseVerificationError(`${archive.path}: ${reasonOf(error)}`);
  }
  return hash.digest('hex');
}

async function hashArchiveBinaries(
  archive: OpenArchive,
  version: string | undefined,
): Promise<Record<string, PinnedBinary>> {
  const { path: archivePath, source } = archive;
  try {
    const binaries: Record<string, PinnedBinary> = {};
    for (const entry of await listZipEntries(source)) {
      if (entry.kind !== 'file') continue;
      // Keyed by file name: the installed binary is compared by its name, wherever the archive nests it.
      const name = entry.name.slice(entry.name.lastIndexOf('/') + 1);
      if (Object.hasOwn(binaries, name))
        throw new ReleaseVerificationError(`${archivePath}: two entries are named "${name}"; which one is installed?`);
      const digest = await hashZipEntry(source, entry);
      const isProgram = (RELEASE_BINARIES as readonly string[]).includes(name);
      // An entry named "__proto__" is a key like any other.
      setOwn(binaries, name, {
        sha256: digest.sha256,
        size: digest.size,
        ...(version && isProgram ? { version } : {}),
      });
    }
    if (!RELEASE_BINARIES.some((name) => Object.hasOwn(binaries, name)))
      throw new ReleaseVerificationError(
        `${archivePath}: holds neither stacks-signer nor stacks-node; not a stacks-core release archive`,
      );
    return binaries;
  } catch (error) {
    if (error instanceof ZipFormatError)
      throw new ReleaseVerificationError(`${archivePath}: malformed zip: ${error.message}`);
    throw error;
  }
}

function fileSource(handle: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position, length) {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
  };
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}
