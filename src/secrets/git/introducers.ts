// Which commit put a blob at a path: `git log --raw` lists, per commit, the blob id each changed path now has.
// https://git-scm.com/docs/git-log#_raw_output_format
import { createInterface } from 'node:readline';
import { type GitLocation, spawnGit } from './run-git.js';

export interface Introduction {
  path: string;
  commit: string;
  author: string;
  date: string;
}

const COMMIT_MARK = '\u0001';

/** Undoes git's C-style quoting of a path ("a\tb", octal escapes for bytes). */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"')) return text;
  const bytes: number[] = [];
  const body = Buffer.from(text.slice(1, -1), 'utf8');
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte !== 0x5c || i + 1 >= body.length) {
      bytes.push(byte);
      continue;
    }
    const next = String.fromCharCode(body[i + 1] as number);
    const octal = body.subarray(i + 1, i + 4).toString('latin1');
    if (/^[0-7]{3}$/.test(octal)) {
      bytes.push(Number.parseInt(octal, 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? (body[i + 1] as number));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * For each wanted blob, every path it was introduced at and the earliest commit that did so, over every commit
 * reachable from any ref and from `extraTips` (the stash entries). Only trees are read (`--no-renames`: rename
 * detection would read blobs, and a partial clone would try to fetch them), and only wanted blobs are kept.
 */
export async function findIntroductions(
  location: GitLocation,
  wanted: ReadonlySet<string>,
  extraTips: readonly string[],
): Promise<{ introductions: Map<string, Introduction[]>; warning?: string }> {
  const introductions = new Map<string, Map<string, Introduction>>();
  if (wanted.size === 0) return { introductions: new Map() };
  const log = spawnGit(location, [
    'log',
    '--all',
    '--stdin',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '--no-textconv',
    '-m',
    '--root',
    '--diff-filter=AMT',
    `--format=${COMMIT_MARK}%H%x09%aI%x09%an <%ae>`,
  ]);
  log.child.stdin.end(extraTips.length > 0 ? `${extraTips.join('\n')}\n` : '');
  let commit: Omit<Introduction, 'path'> | undefined;
  const lines = createInterface({ input: log.child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.startsWith(COMMIT_MARK)) {
      const [hash = '', date = '', author = ''] = line.slice(1).split('\t');
      commit = { commit: hash, date, author };
      continue;
    }
    if (!line.startsWith(':') || commit === undefined) continue;
    const tab = line.indexOf('\t');
    const fields = line.slice(1, tab).split(' ');
    const blob = fields[3];
    if (blob === undefined || !wanted.has(blob)) continue;
    const path = unquoteGitPath(line.slice(tab + 1));
    let byPath = introductions.get(blob);
    if (!byPath) {
      byPath = new Map();
      introductions.set(blob, byPath);
    }
    // Newest commits come first: the last one seen for a path is the earliest that introduced the blob there.
    byPath.set(path, { path, ...commit });
  }
  const { code, stderr } = await log.done;
  const result = new Map([...introductions].map(([blob, byPath]) => [blob, [...byPath.values()]]));
  if (code !== 0) {
    return {
      introductions: result,
      warning: `git log could not list every commit (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`,
    };
  }
  return { introductions: result };
}
