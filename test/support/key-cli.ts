// Runs the CLI for key tests: inside a network namespace the test creates (offline, or with a default route), or with
// standard output sent to a real file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { BIN, type CliRun } from './cli.js';

const SETUP = {
  // A fresh namespace: only lo, and it is down. No route anywhere.
  offline: 'exec "$0" "$@"',
  // lo up with a default route through it: online as far as the kernel's tables go, yet nothing can leave.
  online: 'ip link set lo up && ip route add default dev lo && exec "$0" "$@"',
} as const;

/** The CLI in a new network namespace (`unshare -n`, needs root, util-linux and iproute2: missing tools fail the test). */
export function runCliInNamespace(network: keyof typeof SETUP, args: readonly string[]): CliRun {
  const result = spawnSync('unshare', ['-n', 'sh', '-c', SETUP[network], process.execPath, BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 60_000,
  });
  assert.ifError(result.error);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI (offline namespace) with stdout going to `path`, an existing file; returns what landed there. */
export function runCliToFile(path: string, args: readonly string[]): CliRun {
  const fd = openSync(path, 'a');
  try {
    const result = spawnSync('unshare', ['-n', process.execPath, BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      stdio: ['ignore', fd, 'pipe'],
      timeout: 60_000,
    });
    assert.ifError(result.error);
    return { code: result.status, stdout: readFileSync(path, 'utf8'), stderr: result.stderr };
  } finally {
    closeSync(fd);
  }
}
