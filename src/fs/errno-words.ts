// Errors in words, not errno codes: "permission denied", not "EACCES". One table for every CLI message.

const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied (run as a user that may read or write it, or as root)',
  EPERM: 'operation not permitted (run as root?)',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ENOTFILE: 'is not a regular file',
};

/** What went wrong with a file, in words; the code itself only when it is one we have no words for. */
export function errnoWords(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && Object.hasOwn(WORDS, code)) return WORDS[code]!;
  return code ? `failed (${code})` : (message ?? String(error));
}

/** Node's "EISDIR: illegal operation on a directory, read" in words: the path and what is wrong with it. */
export function describeError(message: string, error: unknown): string {
  const { code, path } = (error ?? {}) as { code?: string; path?: string };
  if (!code || !Object.hasOwn(WORDS, code)) return message;
  return path
    ? `${path}: ${WORDS[code]}`
    : message.replace(new RegExp(`\\b${code}\\b:?[^,]*,?`), `${WORDS[code]}:`).trim();
}
