import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes a whole file or nothing: a temp file beside it, fsync, then rename over the target. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    // write(2) may write less than asked (a file size limit, a full disk): loop until all of it is down.
    const bytes = Buffer.from(content, 'utf8');
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    // e.g. the target is a directory: leave no temp file behind.
    unlinkSync(temp);
    throw error;
  }
}
