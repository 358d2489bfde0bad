// https://docs.stacks.co/operate/run-a-signer/signer-configuration — db_path: the signer's SQLite state.
import { posix } from 'node:path';
import { hostPathOfMount } from '../../discovery/compose.js';
import type { SignerService } from '../../discovery/types.js';
import { defineCheck } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import { appliesToSignerConfig, at, octal, signerConfig } from '../../facts/services/discovered-services.js';

/** SQLite keeps these beside the database while it runs (WAL mode or rollback journal). */
const SIDECARS = ['-wal', '-shm', '-journal'];
const DEFAULT_UMASK = 0o022;
/** Mode SQLite asks for when it creates a database; the umask takes bits away. */
const SQLITE_CREATE_MODE = 0o644;

/** The database as a path inside the target: relative paths from the unit's WorkingDirectory=, container paths through bind mounts. */
function databasePath(signer: SignerService, dbPath: string): { path: string } | { insideContainer: true } {
  if (signer.container && !signer.unit) {
    const inside = posix.resolve('/', dbPath);
    const onHost = hostPathOfMount(signer.container.mounts, inside);
    return onHost ? { path: onHost } : { insideContainer: true };
  }
  const workingDirectory = signer.unit?.effective.get('Service', 'WorkingDirectory')?.value.replace(/^-/, '');
  const base = workingDirectory?.startsWith('/') ? workingDirectory : '/';
  return { path: posix.resolve(base, dbPath) };
}

function unitUmask(signer: SignerService): number {
  const value = signer.unit?.effective.get('Service', 'UMask')?.value;
  return value && /^[0-7]{1,4}$/.test(value) ? Number.parseInt(value, 8) : DEFAULT_UMASK;
}

export default defineCheck({
  id: 'keys/signer-db-permissions',
  title: "The signer's database is closed to other users",
  threats: ['host-compromise'],
  severity: 'medium',
  description: [
    'The signer keeps its state in SQLite at `db_path`: the blocks it has seen and how it voted, burn block and tenure',
    "state. It holds no key, but another user who can read it learns the signer's view and history, and one who can write",
    'it (or the directory, to swap the file) can make the signer reject valid blocks or sign against its own earlier',
    'votes. The database file and its `-wal`/`-shm`/`-journal` companions must give others no permission, and the',
    'directory must not be readable or writable by others (search permission alone is fine). A database not created yet',
    'is judged by its directory, and warned about when others may enter the directory and the file would be created',
    'readable (SQLite creates 0644 under the default umask 022; a unit `UMask=0077` or `0027` avoids that). `db_path =',
    '":memory:"` passes (nothing on disk, state lost on restart). A relative path is taken from the unit\'s',
    "`WorkingDirectory=` (else `/`), a container path through its bind mounts (inside the container's own filesystem it",
    'cannot be judged). Unset `db_path` is not applicable: the signer refuses to start without it.',
  ].join(' '),
  remediation:
    "Keep the database in a directory owned by the signer user with mode 0700 (e.g. `/var/lib/stacks-signer`, via the unit's `StateDirectory=stacks-signer`), `chmod 600` the database files, and set `UMask=0077` in the unit.",
  references: [
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
    'https://www.sqlite.org/tempfiles.html',
  ],
  messages: {
    unset: 'db_path is not set: the signer cannot start, and there is no database to judge.',
    memory: 'db_path is ":memory:": the database is kept in memory only (state is lost on restart).',
    insideContainer:
      "db_path {{path}} is inside the container's own filesystem (no bind mount covers it); its permissions cannot be judged from the host.",
    fileClosed: '{{path}} is {{mode}}: no access for others.',
    fileOpen: '{{path}} is {{mode}}: other users can {{access}} it.',
    notCreated: '{{path}} does not exist yet.',
    futureFileReadable:
      '{{path}} does not exist yet; created under umask {{umask}} it would be readable by others, who can enter {{dir}} ({{mode}}).',
    directoryClosed: 'Directory {{dir}} is {{mode}}: others can neither list nor change it.',
    directoryOpen: 'Directory {{dir}} is {{mode}}: others can {{access}} it.',
    directoryMissing: 'Directory {{dir}} does not exist: the signer cannot create its database.',
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path: configPath, parsed } = await signerConfig(ctx);
    const { signer } = await ctx.discovery();
    const raw = parsed.config.raw.db_path;
    const line = parsed.lineOf('db_path');
    if (raw === undefined) return report.notApplicable('unset', {}, at(configPath, undefined, 'no db_path'));
    if (typeof raw !== 'string')
      throw new CheckError(`db_path is a ${typeof raw}, not a path`, at(configPath, line, 'db_path'));
    const configEvidence = at(configPath, line, `db_path = "${raw}"`);
    if (raw === ':memory:') return report.pass('memory', {}, configEvidence);
    const location = databasePath(signer!, raw);
    if ('insideContainer' in location) return report.notEvaluable('insideContainer', { path: raw }, configEvidence);
    const { path } = location;
    report.evidence(configEvidence);

    const dir = posix.dirname(path);
    const dirStat = await ctx.target.stat(dir);
    if (!dirStat) return report.warn('directoryMissing', { dir }, at(dir, undefined, 'does not exist'));
    const dirMode = octal(dirStat.mode);
    const dirEvidence = at(dir, undefined, `mode ${dirMode}`);
    const dirOpen = [
      (dirStat.mode & 0o004) !== 0 && 'list',
      (dirStat.mode & 0o002) !== 0 && 'create and delete files in',
    ].filter(Boolean);
    if (dirOpen.length > 0)
      report.fail('directoryOpen', { dir, mode: dirMode, access: dirOpen.join(' and ') }, dirEvidence);
    else report.pass('directoryClosed', { dir, mode: dirMode }, dirEvidence);

    const fileStat = await ctx.target.stat(path);
    if (!fileStat) {
      const umask = unitUmask(signer!);
      const futureMode = SQLITE_CREATE_MODE & ~umask;
      if ((futureMode & 0o004) !== 0 && (dirStat.mode & 0o001) !== 0) {
        report.warn(
          'futureFileReadable',
          { path, umask: octal(umask), dir, mode: dirMode },
          at(path, undefined, 'not created yet'),
        );
      } else {
        report.pass('notCreated', { path }, at(path, undefined, 'not created yet'));
      }
    }
    for (const file of [path, ...SIDECARS.map((suffix) => `${path}${suffix}`)]) {
      const stat = file === path ? fileStat : await ctx.target.stat(file);
      if (!stat) continue;
      const mode = octal(stat.mode);
      const evidence = at(file, undefined, `mode ${mode}`);
      const access = [
        (stat.mode & 4) !== 0 && 'read',
        (stat.mode & 2) !== 0 && 'write',
        (stat.mode & 1) !== 0 && 'execute',
      ].filter(Boolean);
      if (access.length > 0) report.fail('fileOpen', { path: file, mode, access: access.join(' and ') }, evidence);
      else if (file === path) report.pass('fileClosed', { path: file, mode }, evidence);
    }
  },
});
