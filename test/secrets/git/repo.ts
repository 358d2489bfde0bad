// Real git repositories for the history tests, built with the real git (missing git fails the test, never skips it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestRepo {
  dir: string;
  /** Runs git in the repository; throws with git's stderr on failure. Returns trimmed stdout. */
  git(...args: string[]): string;
  write(path: string, content: string | Buffer): void;
  /** Stages everything and commits; returns the new commit id. */
  commit(message: string): string;
  cleanup(): void;
}

let clock = 1_700_000_000;

/** Runs git with a fixed identity and a strictly increasing clock, so "earliest commit" is well defined. */
export function runGit(cwd: string, args: readonly string[], input?: string | Buffer): string {
  clock += 60;
  const result = spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Planted Author',
      GIT_AUTHOR_EMAIL: 'author@example.com',
      GIT_COMMITTER_NAME: 'Planted Author',
      GIT_COMMITTER_EMAIL: 'author@example.com',
      GIT_AUTHOR_DATE: `@${clock} +0000`,
      GIT_COMMITTER_DATE: `@${clock} +0000`,
    },
  });
  if (result.error) throw new Error(`git ${args.join(' ')}: ${result.error.message} (git must be installed)`);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout.trim();
}

export function makeRepo(prefix = 'scan-git-'): TestRepo {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(base, 'repo');
  mkdirSync(dir);
  return { ...makeRepoAt(dir), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** A repository in the existing directory `dir` (inside a materialised target, say); cleanup removes `dir`. */
export function makeRepoAt(dir: string): TestRepo {
  const git = (...args: string[]) => runGit(dir, args);
  git('init', '-q', '-b', 'main');
  return {
    dir,
    git,
    write(path, content) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A deterministic 32-byte secp256k1 scalar as 64 hex (SHA-256 of a label: < n with overwhelming odds, checked). */
export function testKey(label: string): string {
  const hex = createHash('sha256').update(`signer-opsec test key ${label}`).digest('hex');
  const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
  const k = BigInt(`0x${hex}`);
  if (k === 0n || k >= n) throw new Error(`label ${label} gives no valid key; pick another`);
  return hex;
}

const WORDLIST = fileURLToPath(new URL('../../../../data/bip39-english.txt', import.meta.url));

/** A BIP-39 mnemonic of `words` words (12/15/18/21/24) with a valid checksum, from deterministic entropy. */
export function testMnemonic(label: string, words = 12): string {
  const list = readFileSync(WORDLIST, 'utf8').trim().split('\n');
  const entropyBytes = (words * 11 - words / 3) / 8;
  const entropy = createHash('sha256').update(`signer-opsec test mnemonic ${label}`).digest().subarray(0, entropyBytes);
  const checksum = createHash('sha256').update(entropy).digest();
  const bits =
    [...entropy].map((byte) => byte.toString(2).padStart(8, '0')).join('') +
    [...checksum]
      .map((byte) => byte.toString(2).padStart(8, '0'))
      .join('')
      .slice(0, words / 3);
  return Array.from({ length: words }, (_, i) => list[Number.parseInt(bits.slice(i * 11, i * 11 + 11), 2)]).join(' ');
}

/** Hash-heavy files that must never be reported: lockfile checksums, sha256sum lists, test vectors, git logs. */
export function decoyFiles(seed: string): Record<string, string> {
  const h = (i: number) => createHash('sha256').update(`${seed}-${i}`).digest('hex');
  const lock = Array.from(
    { length: 30 },
    (_, i) =>
      `[[package]]\nname = "crate-${i}"\nversion = "1.0.${i}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${h(i)}"\n`,
  ).join('\n');
  const sums = Array.from({ length: 30 }, (_, i) => `${h(100 + i)}  stacks-signer-${i}.zip\n`).join('');
  const vectors = JSON.stringify(
    { vectors: Array.from({ length: 10 }, (_, i) => ({ message: h(200 + i), digest: h(300 + i) })) },
    null,
    2,
  );
  const log = Array.from(
    { length: 20 },
    (_, i) => `commit ${h(400 + i).slice(0, 40)}\nAuthor: Dev <dev@example.com>\n\n    fix ${i}\n`,
  ).join('\n');
  return {
    'Cargo.lock': lock,
    'release/SHA256SUMS': sums,
    'tests/vectors.json': `${vectors}\n`,
    'docs/git-log.txt': log,
    'objects.txt': Array.from({ length: 20 }, (_, i) => `${h(500 + i).slice(0, 40)} blob\n`).join(''),
  };
}
