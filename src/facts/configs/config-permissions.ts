// Permissions of a service's config file and of every directory above it. Shared by keys/signer-config-permissions
// and keys/node-config-permissions. Uses stat only, so a config that does not parse is judged too.
import { posix } from 'node:path';
import type { Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import type { Reporter } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import type { UserDatabase } from '../../parsers/passwd.js';
import type { FileStat } from '../../target/types.js';
import { ancestors } from '../access/file-access.js';
import { at, NO_NODE, NO_SIGNER, octal } from '../services/discovered-services.js';
import { serviceUser } from '../services/service-user.js';

export const CONFIG_PERMISSION_MESSAGES = {
  missing: '{{path}} does not exist: there is nothing to protect (the service cannot start).',
  private: '{{path}} is {{mode}} {{owner}}:{{group}}: no access for group or others.',
  ownGroupRead: "{{path}} is {{mode}}: readable by group {{group}}, the {{role}}'s own group; 0600 or 0400 is better.",
  foreignGroupRead:
    "{{path}} is {{mode}}: readable by group {{group}}, which is not the {{role}}'s own group ({{expected}}).",
  groupWrite: '{{path}} is {{mode}}: group {{group}} can change it.',
  others: '{{path}} is {{mode}}: every local user can {{access}} it.',
  directoryWritable:
    'Directory {{dir}} ({{mode}} {{owner}}:{{group}}) is writable by {{who}}, who can replace the config{{sticky}}.',
  directoryOwner: 'Directory {{dir}} above the config is owned by {{owner}}, who can replace the config.',
  directoriesSafe: 'No directory above {{path}} is writable by group or others.',
} as const;

export type ConfigPermissionMessage = keyof typeof CONFIG_PERMISSION_MESSAGES;

function describeOthers(mode: number): string {
  const can = [(mode & 4) !== 0 && 'read', (mode & 2) !== 0 && 'write', (mode & 1) !== 0 && 'execute'].filter(Boolean);
  return can.join(' and ');
}

/** The group the service runs with, and how we know: its user's primary group, else the file owner's. */
async function ownGroup(ctx: AuditContext, service: Service, stat: FileStat, users: UserDatabase) {
  const user = await serviceUser(ctx, service);
  if (user && !user.dynamic && user.gid !== undefined)
    return { gid: user.gid, uid: user.uid, how: `primary group of ${user.name}` };
  const owner = users.user(stat.uid);
  return {
    gid: owner?.gid,
    uid: stat.uid,
    how: `primary group of the file owner ${users.userName(stat.uid)} (the service user is unknown)`,
  };
}

/** The directories whose write access lets someone swap the file: above the path as written and above its real path. */
async function directoriesAbove(ctx: AuditContext, path: string): Promise<{ path: string; stat: FileStat }[]> {
  const found = new Map<string, FileStat>();
  for (const entry of await ancestors(ctx.target, path)) found.set(entry.path, entry.stat);
  const parts = posix.normalize(path).split('/').filter(Boolean);
  for (let depth = 0; depth < parts.length; depth += 1) {
    const dir = `/${parts.slice(0, depth).join('/')}`;
    if (found.has(dir)) continue;
    const stat = await ctx.target.stat(dir);
    if (stat) found.set(dir, stat);
  }
  return [...found.entries()].map(([dir, stat]) => ({ path: dir, stat })).sort((a, b) => a.path.length - b.path.length);
}

export async function judgeConfigPermissions(
  ctx: AuditContext,
  role: Service['role'],
  report: Reporter<ConfigPermissionMessage>,
): Promise<void> {
  const discovery = await ctx.discovery();
  const service = role === 'signer' ? discovery.signer : discovery.node;
  if (!service) throw new CheckError(role === 'signer' ? NO_SIGNER : NO_NODE);
  const { config } = service;
  if (config.status === 'unknown') throw new CheckError(config.reason);
  const { path } = config;
  const stat = await ctx.target.stat(path);
  if (!stat) return report.notApplicable('missing', { path }, at(path, undefined, 'does not exist'));
  const users = await ctx.users();
  const mode = octal(stat.mode);
  const owner = users.userName(stat.uid);
  const group = users.groupName(stat.gid);
  const fileEvidence = at(path, undefined, `mode ${mode}, owner ${owner}:${group}`);
  const own = await ownGroup(ctx, service, stat, users);
  const expected = own.gid === undefined ? 'unknown' : users.groupName(own.gid);

  let fileVerdict = false;
  if ((stat.mode & 0o007) !== 0) {
    report.fail('others', { path, mode, access: describeOthers(stat.mode) }, fileEvidence);
    fileVerdict = true;
  }
  if ((stat.mode & 0o020) !== 0) {
    report.fail('groupWrite', { path, mode, group }, fileEvidence);
    fileVerdict = true;
  }
  // Group root with no member besides root (listed, or by primary group) gives nobody access root lacks.
  const memberlessRoot =
    stat.gid === 0 &&
    (users.group(0)?.members.filter((member) => member !== 'root').length ?? 0) === 0 &&
    !users.users.some((user) => user.gid === 0 && user.uid !== 0);
  if ((stat.mode & 0o040) !== 0 && memberlessRoot) {
    if ((stat.mode & 0o007) === 0) {
      report.evidence(at(path, undefined, 'group root has no member but root: group read gives no one access'));
    }
  } else if ((stat.mode & 0o040) !== 0) {
    const evidence = [fileEvidence, at(undefined, undefined, `the ${role}'s own group: ${expected} (${own.how})`)];
    if (own.gid !== undefined && stat.gid === own.gid)
      report.warn('ownGroupRead', { path, mode, group, role }, evidence);
    else report.fail('foreignGroupRead', { path, mode, group, role, expected }, evidence);
    fileVerdict = true;
  }
  if (!fileVerdict) report.pass('private', { path, mode, owner, group }, fileEvidence);

  let directoryVerdict = false;
  for (const dir of await directoriesAbove(ctx, path)) {
    const dirMode = octal(dir.stat.mode);
    const dirOwner = users.userName(dir.stat.uid);
    const dirGroup = users.groupName(dir.stat.gid);
    const evidence = at(dir.path, undefined, `mode ${dirMode}, owner ${dirOwner}:${dirGroup}`);
    const who = [
      (dir.stat.mode & 0o020) !== 0 && `group ${dirGroup}`,
      (dir.stat.mode & 0o002) !== 0 && 'every local user',
    ].filter(Boolean);
    if (who.length > 0) {
      // The sticky bit stops others deleting the file, not planting one before it exists or swapping a symlink path.
      const sticky =
        (dir.stat.mode & 0o1000) !== 0 ? ' (the sticky bit does not make a shared directory a place for secrets)' : '';
      report.fail(
        'directoryWritable',
        { dir: dir.path, mode: dirMode, owner: dirOwner, group: dirGroup, who: who.join(' and '), sticky },
        evidence,
      );
      directoryVerdict = true;
    } else if (dir.stat.uid !== 0 && dir.stat.uid !== own.uid) {
      report.warn('directoryOwner', { dir: dir.path, owner: dirOwner }, evidence);
      directoryVerdict = true;
    }
  }
  if (!directoryVerdict) report.pass('directoriesSafe', { path });
}
