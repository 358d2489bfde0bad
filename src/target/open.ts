import { statSync } from 'node:fs';
import { resolve as resolveHostPath } from 'node:path';
import { DirectoryTarget } from './directory-target.js';
import { TarFormatError } from './tar-reader.js';
import { TarTarget } from './tar-target.js';
import type { Target } from './types.js';

const ARCHIVE_SUFFIXES = ['.tar', '.tar.gz', '.tgz'];

/**
 * The target named by `--root`: nothing or "/" is the running host; a directory is another system's root seen
 * offline; a .tar/.tar.gz/.tgz file is an archive of one. Anything else is refused with a one-line Error.
 */
export async function openTarget(rootArg: string | undefined): Promise<Target> {
  if (rootArg === undefined || rootArg === '') return new DirectoryTarget('/');
  const path = resolveHostPath(rootArg);
  if (path === '/') return new DirectoryTarget('/');
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code})`;
    throw new Error(`--root ${rootArg}: ${reason}`);
  }
  if (stats.isDirectory()) return new DirectoryTarget(path, { live: false });
  const isArchiveName = ARCHIVE_SUFFIXES.some((suffix) => path.toLowerCase().endsWith(suffix));
  if (stats.isFile() && isArchiveName) {
    try {
      return await TarTarget.open(path);
    } catch (error) {
      // TarFormatError already names the archive and the offset.
      if (error instanceof TarFormatError) throw new Error(error.message);
      throw new Error(`--root ${rootArg}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`--root ${rootArg}: not a directory or a .tar, .tar.gz or .tgz archive`);
}
