// The Debian 12 root the booted-host tests boot: built once with mmdebstrap and cached, keyed on what goes into it,
// so a changed package list builds a new one and an unchanged one is reused (across runs on the same machine too, when
// SIGNER_OPSEC_ROOT_CACHE points outside the clone, as .ci/run does).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../scripts/example-hosts.js';

const execFileAsync = promisify(execFile);

/**
 * What the booted hosts need: systemd as PID 1 (and dbus for it), sshd for the login tests, nft and ip for the
 * firewall (netbase: nft resolves `icmp` through /etc/protocols, as on every installed Debian), python3 (with tomllib) for the stand-ins, procps for the operator's eye when a test fails.
 */
export const ROOT_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'nftables',
  'iproute2',
  'netbase',
  'python3',
  'procps',
] as const;
const SUITE = 'bookworm';
const VARIANT = 'minbase';

/** The cache directory: SIGNER_OPSEC_ROOT_CACHE, or the clone's gitignored .cache/booted-root. */
export function rootCacheDir(): string {
  return process.env.SIGNER_OPSEC_ROOT_CACHE || join(repoRoot(), '.cache', 'booted-root');
}

/** The cache key: the suite, variant and package list (sorted), hashed. */
export function rootKey(): string {
  const recipe = JSON.stringify({ suite: SUITE, variant: VARIANT, packages: [...ROOT_PACKAGES].sort() });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}

export interface RootTarball {
  path: string;
  /** Seconds this call spent building it; 0 when the cached one was used. */
  buildSeconds: number;
}

/**
 * The cached tarball, built first when missing. Test files run in parallel: the first to get the lock builds, the
 * others wait for it (a lock whose holder died is taken over).
 */
export async function ensureRootTarball(): Promise<RootTarball> {
  const dir = rootCacheDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `debian-${SUITE}-${rootKey()}.tar.zst`);
  const lock = `${path}.lock`;
  for (;;) {
    if (existsSync(path) && statSync(path).size > 0) return { path, buildSeconds: 0 };
    if (takeLock(lock)) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  try {
    if (existsSync(path)) return { path, buildSeconds: 0 };
    const started = Date.now();
    const partial = `${path}.${process.pid}.partial.tar.zst`;
    try {
      await execFileAsync(
        'mmdebstrap',
        [`--variant=${VARIANT}`, `--include=${ROOT_PACKAGES.join(',')}`, SUITE, partial],
        { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60 * 1000 },
      );
      renameSync(partial, path);
    } finally {
      rmSync(partial, { force: true });
    }
    return { path, buildSeconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(lock, { force: true });
  }
}

function takeLock(lock: string): boolean {
  try {
    writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch {
    const holder = Number(readFileSafe(lock));
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) rmSync(lock, { force: true });
    return false;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
