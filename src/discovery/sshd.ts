import { expandGlob } from '../parsers/glob.js';
import {
  effectiveFromSshdT,
  effectiveSshd,
  loadSshdConfig,
  parseSshdT,
  type SshdConfig,
  type SshdConnection,
  type SshdEffective,
  sshdTestSpec,
} from '../parsers/sshd-config.js';
import { describeToolOutput } from '../parsers/tool-messages.js';
import { TargetError } from '../target/errors.js';
import type { Target } from '../target/types.js';

// The effective sshd configuration (controls.md, family ssh): live from `sshd -T -C ...`, which is the truth of
// the running binary; offline (or when sshd can't be run) from our parser, which agrees with sshd -T on the same
// files (tested against it).

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
const SSHD_BINARIES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/sbin/sshd'];

/** A connection from an address and user that no sane Match block singles out (TEST-NET-3, RFC 5737). */
export const PROBE_CONNECTION: SshdConnection = {
  user: 'signer-opsec-probe',
  host: 'probe.invalid',
  addr: '203.0.113.1',
};

export interface SshdIncludeFailure {
  file: string;
  line: number;
  message: string;
}

export interface SshdFacts {
  /** sshd is installed or configured on the target. */
  present: boolean;
  mainPath: string;
  /** Includes sshd cannot follow (unreadable file, symlink loop, runaway recursion), with file:line and why. */
  includeFailures: SshdIncludeFailure[];
  /** The parsed files (also used live, for file/line evidence and Match inspection). */
  config?: SshdConfig;
  /** The settings for one connection: `sshd -T` live, the parser offline. */
  effective(
    connection?: SshdConnection,
  ): Promise<{ settings: SshdEffective; source: 'sshd -T' | 'parser'; note?: string }>;
}

/** The parser's view of the target; why each file could not be read is kept for the report. */
function sourceOver(target: Target, readErrors: Map<string, string>) {
  return {
    readText: (path: string) =>
      target.readText(path).catch((error: unknown) => {
        readErrors.set(path, error instanceof Error ? error.message : String(error));
        return undefined;
      }),
    glob: (pattern: string) =>
      expandGlob(pattern, {
        readDir: (path) => target.readDir(path).catch(() => undefined),
        // glob(3) checks a literal path with lstat: a dangling link or a symlink loop matches, and sshd then fails
        // to open it. Only "not there" is no match.
        exists: async (path) =>
          (await target
            .lstat(path)
            .catch((error: unknown) => (error instanceof TargetError ? error.code !== 'ENOENT' : true))) !== undefined,
      }),
  };
}

/**
 * Include problems as sentences with where and why: sshd refuses to start over any of them. A file over a parse limit
 * is one too: it was not read, so no setting is known.
 */
function includeFailures(
  config: SshdConfig | undefined,
  readErrors: ReadonlyMap<string, string>,
): SshdIncludeFailure[] {
  return (config?.problems ?? [])
    .filter((problem) => problem.include || problem.limit)
    .map((problem) => {
      if (problem.limit) {
        return {
          file: problem.file,
          line: problem.line,
          message: `${problem.line ? `${problem.file}:${problem.line}` : problem.file}: ${problem.message}; no sshd setting is judged`,
        };
      }
      const included = /^Include (.+): cannot be read$/.exec(problem.message)?.[1];
      const why = included ? readErrors.get(included) : undefined;
      return {
        file: problem.file,
        line: problem.line,
        message: `${problem.file}:${problem.line}: ${problem.message}${why ? ` (${why})` : ''}; sshd refuses to start with this configuration`,
      };
    });
}

export async function loadSshd(target: Target): Promise<SshdFacts> {
  const configStat = await target.stat(SSHD_CONFIG).catch(() => undefined);
  let binary = false;
  for (const path of SSHD_BINARIES) binary ||= (await target.stat(path).catch(() => undefined)) !== undefined;
  const present = configStat !== undefined || binary;
  const readErrors = new Map<string, string>();
  const config = present ? await loadSshdConfig(sourceOver(target, readErrors), SSHD_CONFIG) : undefined;
  const cache = new Map<string, ReturnType<SshdFacts['effective']>>();

  const evaluate = async (connection: SshdConnection) => {
    const parsed = () => effectiveSshd(config ?? { mainPath: SSHD_CONFIG, files: [], problems: [] }, connection);
    if (!target.live || !binary) return { settings: parsed(), source: 'parser' as const };
    try {
      const run = await target.run('sshd', ['-T', '-C', sshdTestSpec(connection)], { timeoutMs: 5000 });
      if (run.code === 0) {
        // Live values come from sshd itself; file/line come from the parser where both agree.
        const live = effectiveFromSshdT(parseSshdT(run.stdout));
        const fromFiles = parsed();
        for (const key of Object.keys(live) as (keyof SshdEffective)[]) {
          const liveSetting = live[key];
          const fileSetting = fromFiles[key];
          if (
            !Array.isArray(liveSetting) &&
            !Array.isArray(fileSetting) &&
            liveSetting &&
            fileSetting &&
            'value' in fileSetting
          ) {
            if (String(fileSetting.value) === String(liveSetting.value)) Object.assign(liveSetting, fileSetting);
          }
        }
        return { settings: live, source: 'sshd -T' as const };
      }
      // sshd quotes the line it rejects (an included /etc/shadow line, say): only a place and a category are kept.
      const reason = run.stderr.trim() === '' ? `sshd: exit ${run.code}` : describeToolOutput('sshd', run.stderr);
      return {
        settings: parsed(),
        source: 'parser' as const,
        note: `sshd -T failed (${reason}); read the config files instead`,
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { settings: parsed(), source: 'parser' as const, note: `${reason}; read the config files instead` };
    }
  };

  return {
    present,
    mainPath: SSHD_CONFIG,
    includeFailures: includeFailures(config, readErrors),
    ...(config ? { config } : {}),
    effective(connection = PROBE_CONNECTION) {
      // Groups are not part of the -C spec (sshd looks them up), but the parser's Match Group depends on them.
      const key = `${sshdTestSpec(connection)} groups=${(connection.groups ?? []).join(',')}`;
      let result = cache.get(key);
      if (!result) {
        result = evaluate(connection);
        cache.set(key, result);
      }
      return result;
    },
  };
}
