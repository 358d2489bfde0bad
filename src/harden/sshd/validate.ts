// The real sshd judges the result: `sshd -t` (the configuration loads) and `sshd -T` (the values that take
// effect) over a temp copy of the whole config tree, drop-in included. Include paths are rewritten to point into
// the copy, so the auditing machine's own /etc/ssh is never read; a throwaway host key (-h) stands in for the
// target's, which harden never copies. The same copy answers, per login candidate, what sshd would apply to that
// user once every Match block is taken into account (`sshd -T -C user=<name>,…`).

import { join } from 'node:path';
import { appendAll } from '../../parsers/lists.js';
import { parseSshdT } from '../../parsers/sshd-config.js';
import { argvSplit, sshdShapeProblem, withoutCommentLines } from '../../parsers/sshd-config-syntax.js';
import { type CopyPolicy, describeRefusals, refuseCopies } from '../copy-guard.js';
import { placeInCopy, runTool, withTempDirectory, writeTree } from '../tool-run.js';
import type { Validation } from '../types.js';

/** What the copy needs: every file's text, what each Include line reads, and where each file really is. */
export interface SshdCopy {
  /** Target path (as the parser names it) → text after the change. */
  files: ReadonlyMap<string, string>;
  /** `${file}\0${line}` → every file that Include line reads, as the parser resolved it through the target. */
  includes: ReadonlyMap<string, readonly string[]>;
  /** Each file's path in the target with symlinks and `..` resolved by the target: where its copy goes. */
  canonical: ReadonlyMap<string, string>;
  /** The run's secret files and values, never copied (copy-guard.ts). */
  policy?: CopyPolicy;
}

export function includeSite(file: string, line: number): string {
  return `${file}\0${line}`;
}

/**
 * Each file at its resolved place, every Include line naming the copies (below `root`) of exactly the files the
 * parser read for it: sshd then globs nothing and reads nothing of this machine. Line numbers are kept. An Include
 * whose files cannot be placed inside the target is an error with its file and line.
 */
export function rewriteSshdIncludes(
  copy: SshdCopy,
  root: string,
): { files: Map<string, string> } | { errors: string[] } {
  const files = new Map<string, string>();
  const errors: string[] = [];
  for (const [path, text] of copy.files) {
    const place = placeInCopy(copy.canonical, path);
    if (place === undefined) {
      errors.push(`${path}: cannot be placed inside the target`);
      continue;
    }
    // Comment lines are nothing to sshd, and free text to us: the copy goes without them (line numbers kept).
    const lines = withoutCommentLines(text).split('\n');
    for (let index = 0; index < lines.length; index++) {
      const reads = copy.includes.get(includeSite(path, index + 1));
      if (reads === undefined) continue;
      const places = reads.map((file) => placeInCopy(copy.canonical, file));
      if (places.some((at) => at === undefined)) {
        errors.push(`${path}:${index + 1}: Include names a path that cannot be resolved inside the target`);
        continue;
      }
      // No match is no error to sshd (glob's GLOB_NOMATCH); the line stays, so later line numbers do too.
      lines[index] =
        places.length === 0
          ? '# Include: matches no file'
          : `Include ${places.map((at) => `"${join(root, at!)}"`).join(' ')}`;
    }
    files.set(place, lines.join('\n'));
  }
  return errors.length > 0 ? { errors } : { files };
}

/**
 * Include arguments of a rewritten file that still point outside `root` (sshd would read the auditing machine's
 * own files): each line's first word, split at `=`, is compared case-insensitively as sshd does.
 */
export function includesOutside(text: string, root: string): string[] {
  const outside: string[] = [];
  for (const line of text.split('\n')) {
    const words = argvSplit(line.trim()) ?? [];
    const [first, ...rest] = words;
    if (first === undefined) continue;
    const equals = first.indexOf('=');
    const keyword = (equals < 0 ? first : first.slice(0, equals)).toLowerCase();
    if (keyword !== 'include') continue;
    const args = [...(equals < 0 ? [] : [first.slice(equals + 1)]), ...rest].filter((arg) => arg !== '' && arg !== '=');
    appendAll(
      outside,
      args.filter((arg) => !arg.startsWith(`${root}/`)),
    );
  }
  return outside;
}

export interface SshdValidation {
  validations: Validation[];
  /** `sshd -T` values (lowercase keyword → first value); undefined when sshd could not be run. */
  effective?: Record<string, string>;
  /** Per probed user: every `sshd -T -C user=<name>,…` value line (keyword → values). */
  perUser?: Map<string, Record<string, string[]>>;
  /** How many times sshd ran: bounded whatever the size of passwd. */
  sshdRuns: number;
}

/**
 * Users asked about one by one when Match blocks make the answer differ per user. Each run is a process (~50 ms on
 * a loaded machine): 2,000 passwd lines took 108 s. Past this many, the lock-out can't be proven and harden says so.
 */
export const MAX_PROBED_USERS = 100;

/** A `-C` spec for one user, from the probe's host and address. */
export function userSpec(user: string, probe: { host: string; addr: string }): string {
  return `user=${user},host=${probe.host},addr=${probe.addr}`;
}

/** `files`: target path → text of sshd_config and everything it includes, after the change. */
export async function validateSshdConfig(
  mainPath: string,
  copy: SshdCopy,
  connectionSpec: string,
  artefact: string,
  users: {
    names: readonly string[];
    probe: { host: string; addr: string };
    /** No Match block in any file: every user gets the same answer, so sshd is asked once for all of them. */
    uniform?: boolean;
  } = {
    names: [],
    probe: { host: 'probe.invalid', addr: '203.0.113.1' },
  },
): Promise<SshdValidation> {
  let sshdRuns = 0;
  let root = '';
  const runSshd = (args: string[]) => {
    sshdRuns += 1;
    return runTool('sshd', args, { root });
  };
  // passwd may list a name many times (2,000 root lines); each is asked about once.
  const names = [...new Set(users.names)];
  if (!users.uniform && names.length > MAX_PROBED_USERS) {
    const detail = `${names.length} login users to check one by one against the Match blocks, more than ${MAX_PROBED_USERS}: harden can't prove nobody is locked out`;
    return { validations: [{ tool: 'sshd -T -C', artefact, ok: false, detail }], sshdRuns };
  }
  // Every file is judged before the temp directory exists: one that is no sshd config or holds a secret is never copied.
  const refusals = refuseCopies(copy.files, {
    canonical: copy.canonical,
    ...(copy.policy ? { policy: copy.policy } : {}),
    shape: sshdShapeProblem,
    strip: withoutCommentLines,
  });
  if (refusals.length > 0) {
    const detail = describeRefusals(refusals, 'sshd -t');
    return { validations: [{ tool: 'sshd -t', artefact, ok: false, detail }], sshdRuns };
  }
  const result = await withTempDirectory(async (temp): Promise<Omit<SshdValidation, 'sshdRuns'>> => {
    root = temp;
    const rewritten = rewriteSshdIncludes(copy, root);
    if ('errors' in rewritten) {
      return { validations: [{ tool: 'sshd -t', artefact, ok: false, detail: rewritten.errors.join('; ') }] };
    }
    const copied = rewritten.files;
    const escaping = [...copied].flatMap(([path, text]) => includesOutside(text, root).map((arg) => `${path}: ${arg}`));
    if (escaping.length > 0) {
      const detail = `an Include could not be pointed into the temp copy (${escaping.join(', ')}); sshd would read this machine's files`;
      return { validations: [{ tool: 'sshd -t', artefact, ok: false, detail }] };
    }
    await writeTree(root, copied);
    const hostKey = join(root, 'validate-host-key');
    const keygen = await runTool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'signer-opsec', '-f', hostKey]);
    if (!keygen.ok) {
      return {
        validations: [{ tool: 'sshd -t', artefact, ok: false, detail: `ssh-keygen: ${keygen.firstLine}` }],
      };
    }
    const main = placeInCopy(copy.canonical, mainPath);
    if (main === undefined) {
      const detail = `${mainPath}: cannot be placed inside the target`;
      return { validations: [{ tool: 'sshd -t', artefact, ok: false, detail }] };
    }
    const config = join(root, main);
    const test = await runSshd(['-t', '-f', config, '-h', hostKey]);
    const validations: Validation[] = [
      { tool: 'sshd -t', artefact, ok: test.ok, detail: test.ok ? 'configuration valid' : test.firstLine },
    ];
    if (!test.ok) return { validations };
    const dump = await runSshd(['-T', '-f', config, '-h', hostKey, '-C', connectionSpec]);
    if (!dump.ok) {
      validations.push({ tool: 'sshd -T', artefact, ok: false, detail: dump.firstLine });
      return { validations };
    }
    const effective = Object.fromEntries(
      Object.entries(parseSshdT(dump.stdout)).map(([keyword, values]) => [keyword, values[0] ?? '']),
    );
    const perUser = new Map<string, Record<string, string[]>>();
    // Uniform: one run, with the first name, answers for all (user= only selects Match blocks, and there are none).
    for (const name of users.uniform ? names.slice(0, 1) : names) {
      const forUser = await runSshd(['-T', '-f', config, '-h', hostKey, '-C', userSpec(name, users.probe)]);
      if (!forUser.ok) {
        validations.push({ tool: `sshd -T -C user=${name}`, artefact, ok: false, detail: forUser.firstLine });
        return { validations, effective };
      }
      perUser.set(name, parseSshdT(forUser.stdout));
    }
    if (users.uniform && names.length > 1) {
      const shared = perUser.get(names[0]!)!;
      for (const name of names) perUser.set(name, shared);
    }
    return { validations, effective, perUser };
  });
  return { ...result, sshdRuns };
}
