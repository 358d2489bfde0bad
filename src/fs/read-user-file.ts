// Every file the user names on the command line is read here: checked to be a regular file before it is opened (a
// device such as /dev/watchdog acts on open; a FIFO with no writer blocks open forever), checked again on the opened
// descriptor (the path may be swapped in between), and read with a size bound (/dev/zero never ends).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { errnoWords } from './errno-words.js';

export interface UserFileOptions {
  /** The option and path as the message should name them, e.g. `--stacker-set /tmp/set.json`. */
  label: string;
  /** Bytes beyond this are refused, never read. */
  maxBytes: number;
  /**
   * A FIFO is read too (`--passphrase-file <(pass show signer)`): only where a stream makes sense. It is opened
   * without blocking, so a FIFO no process writes to reads as empty instead of hanging.
   */
  allowFifo?: boolean;
  /** A further check on the opened file (its mode, say): a reason to refuse it, in words, or undefined. */
  check?: (stats: Stats) => string | undefined;
}

/** A named file that is missing, of the wrong type, too large or unreadable: one line in words, exit 2. */
export class UserFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFileError';
  }
}

/** How long a FIFO whose writer is still producing may take (`<(slow-command)`), in total. */
const FIFO_PATIENCE_MS = 60_000;
const FIFO_POLL_MS = 20;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'an unknown kind of file';
}

function checkType(stats: Stats, options: UserFileOptions): void {
  if (stats.isFile() || (options.allowFifo && stats.isFIFO())) return;
  const wanted = options.allowFifo ? 'a regular file or a FIFO' : 'a regular file';
  throw new UserFileError(`${options.label}: is ${kindOf(stats)}, not ${wanted}`);
}

function tooLarge(options: UserFileOptions): UserFileError {
  return new UserFileError(`${options.label}: larger than ${sizeWords(options.maxBytes)}, refused without reading it`);
}

export function sizeWords(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * The type check before any open, for a caller that reads the file its own way (a zip read by ranges): the stats
 * to compare with the opened descriptor's (same dev and ino), and the flags to open it with.
 */
export function statUserFile(
  path: string,
  options: Pick<UserFileOptions, 'label' | 'allowFifo'>,
): { stats: Stats; flags: number } {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new UserFileError(`${options.label}: ${errnoWords(error)}`);
  }
  checkType(stats, { ...options, maxBytes: 0 });
  return { stats, flags: constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY };
}

/** The file's bytes. The caller owns the buffer (and zeroes it when it held a secret). */
export function readUserFileBytes(path: string, options: UserFileOptions): Buffer {
  const before = statUserFile(path, options).stats;
  if (before.isFile() && before.size > options.maxBytes) throw tooLarge(options);
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once even with no writer; O_NOCTTY: never becomes our controlling terminal.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new UserFileError(`${options.label}: ${errnoWords(error)}`);
  }
  try {
    const opened = fstatSync(fd);
    // Swapped between the check and the open (a race, or a hostile directory): judge what was actually opened.
    if (opened.dev !== before.dev || opened.ino !== before.ino)
      throw new UserFileError(`${options.label}: the file changed while it was being opened; run again`);
    checkType(opened, options);
    const refused = options.check?.(opened);
    if (refused !== undefined) throw new UserFileError(`${options.label}: ${refused}`);
    return readBounded(fd, opened.isFIFO(), options);
  } finally {
    closeSync(fd);
  }
}

/** The file as UTF-8 text (invalid sequences become U+FFFD, as readFileSync(path, 'utf8') did). */
export function readUserFile(path: string, options: UserFileOptions): string {
  const bytes = readUserFileBytes(path, options);
  try {
    return bytes.toString('utf8');
  } finally {
    bytes.fill(0);
  }
}

function readBounded(fd: number, isFifo: boolean, options: UserFileOptions): Buffer {
  // One byte more than allowed: reading it proves the file is too large (it may have grown since fstat).
  const buffer = Buffer.alloc(Math.min(options.maxBytes + 1, 1024 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  let waited = 0;
  try {
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || !isFifo)
          throw new UserFileError(`${options.label}: ${errnoWords(error)}`);
        // A FIFO whose writer has not written yet: wait a little, with a bound, instead of blocking for ever.
        if (waited >= FIFO_PATIENCE_MS)
          throw new UserFileError(`${options.label}: nothing came through the FIFO in ${FIFO_PATIENCE_MS / 1000} s`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, FIFO_POLL_MS);
        waited += FIFO_POLL_MS;
        continue;
      }
      if (read === 0) break;
      total += read;
      if (total > options.maxBytes) throw tooLarge(options);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    buffer.fill(0);
    for (const chunk of chunks) chunk.fill(0);
  }
}

/**
 * The size bound of each file option: what a real file of that kind could plausibly reach, with room. One table so
 * the test can walk every option.
 */
export const USER_FILE_LIMITS = {
  '--stacker-set': 16 * 1024 * 1024, // the cap on a node's answer holding the same set
  '--operators': 16 * 1024 * 1024,
  '--config': 1024 * 1024, // a signer config is a few hundred bytes
  '--docker-inspect': 64 * 1024 * 1024,
  '--baseline': 16 * 1024 * 1024,
  '--key-from': 1024 * 1024,
  '--keystore': 64 * 1024, // a keystore is about 1 KiB
  '--passphrase-file': 64 * 1024,
  '--checksums': 1024 * 1024,
  '--waivers': 1024 * 1024,
  '--inventory': 4 * 1024 * 1024,
} as const satisfies Record<string, number>;

export type UserFileOption = keyof typeof USER_FILE_LIMITS;

/** `readUserFile` for one of the command-line file options, with its bound from the table. */
export function readOptionFile(option: UserFileOption, path: string, extra: { allowFifo?: boolean } = {}): string {
  return readUserFile(path, { label: `${option} ${path}`, maxBytes: USER_FILE_LIMITS[option], ...extra });
}
