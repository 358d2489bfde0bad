import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The installed entry point, run as a user would run it. */
export const BIN = fileURLToPath(new URL('../../../bin/signer-opsec.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...options.env },
    timeout: 60_000,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
