import { posix } from 'node:path';
import type { Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import type { Evidence } from '../../engine/types.js';
import type { ProcessInfo } from '../../target/types.js';
import { at } from './discovered-services.js';

/** The account a signer or node runs as, and how we know. */
export interface ServiceUser {
  /** Name when the target's passwd knows it (or as written). */
  name: string | undefined;
  uid: number | undefined;
  /** Primary group id from passwd. */
  gid: number | undefined;
  isRoot: boolean;
  /** systemd DynamicUser=: a transient unprivileged uid. */
  dynamic: boolean;
  source: 'unit' | 'container' | 'process';
  evidence: Evidence;
}

const BINARY: Record<Service['role'], string> = { signer: 'stacks-signer', node: 'stacks-node' };

/** Live processes of a role's binary; empty on an offline target. */
export async function serviceProcesses(ctx: AuditContext, role: Service['role']): Promise<ProcessInfo[]> {
  if (!ctx.target.live) return [];
  const processes = await ctx.target.processes();
  return processes.filter((process) => {
    const exe = process.exe?.replace(/ \(deleted\)$/, '');
    return (exe && posix.basename(exe) === BINARY[role]) || posix.basename(process.argv[0] ?? '') === BINARY[role];
  });
}

/**
 * The name systemd gives a DynamicUser= without User=: the unit name's prefix (core/unit.c user_from_unit_name(),
 * "stacks-signer.service" → "stacks-signer"). A prefix that is no valid user name gets a hashed `_du…` name, which no
 * passwd entry holds: those are left undefined here.
 */
export function dynamicUserName(unitName: string): string | undefined {
  const prefix = unitName.replace(/@.*$/, '').replace(/\.[^.]*$/, '');
  return /^[a-zA-Z_][a-zA-Z0-9_-]{0,30}$/.test(prefix) ? prefix : undefined;
}

/**
 * Unit `User=` (unset means root for a system unit), compose `user:` (unset means root: the official images
 * have no USER), else the uid of the live process. Undefined when nothing tells.
 */
export async function serviceUser(ctx: AuditContext, service: Service): Promise<ServiceUser | undefined> {
  const users = await ctx.users();
  const fromName = (written: string | undefined, source: ServiceUser['source'], evidence: Evidence): ServiceUser => {
    // compose allows "user:group"; an unset or empty user runs as the image's user: root for the official images.
    const spec = written?.split(':')[0] || 'root';
    const entry = users.user(spec);
    const uid = entry?.uid ?? (/^\d+$/.test(spec) ? Number(spec) : undefined);
    return {
      name: entry?.name ?? spec,
      uid,
      gid: entry?.gid,
      isRoot: uid === 0 || spec === 'root',
      dynamic: false,
      source,
      evidence,
    };
  };
  if (service.unit) {
    const { effective, path } = service.unit;
    if (effective.bool('Service', 'DynamicUser') === true) {
      const assignment = effective.get('Service', 'DynamicUser');
      const written = effective.get('Service', 'User')?.value;
      const name = written ?? dynamicUserName(service.unit.name);
      const entry = name === undefined ? undefined : users.user(name);
      if (entry) {
        // systemd uses a static user of the dynamic user's name instead of allocating one (systemd.exec DynamicUser=).
        return {
          name: entry.name,
          uid: entry.uid,
          gid: entry.gid,
          isRoot: entry.uid === 0,
          dynamic: false,
          source: 'unit',
          evidence: at(
            assignment?.file,
            assignment?.line,
            `DynamicUser=yes, but ${entry.name} is a static user (uid ${entry.uid}) in the target's passwd: systemd runs the unit as that user`,
          ),
        };
      }
      return {
        name: effective.get('Service', 'User')?.value,
        uid: undefined,
        gid: undefined,
        isRoot: false,
        dynamic: true,
        source: 'unit',
        evidence: at(assignment?.file, assignment?.line, 'DynamicUser=yes'),
      };
    }
    const user = effective.get('Service', 'User');
    const evidence = user
      ? at(user.file, user.line, `User=${user.value}`)
      : at(path, undefined, 'no User= (a system unit runs as root)');
    return fromName(user?.value, 'unit', evidence);
  }
  if (service.container) {
    const { user, file, name } = service.container;
    return fromName(
      user,
      'container',
      at(
        file,
        undefined,
        user ? `service ${name}: user: ${user}` : `service ${name}: no user: (the official image runs as root)`,
      ),
    );
  }
  const [process] = await serviceProcesses(ctx, service.role);
  if (!process) return undefined;
  const entry = users.user(process.uid);
  return {
    name: entry?.name,
    uid: process.uid,
    gid: entry?.gid,
    isRoot: process.uid === 0,
    dynamic: false,
    source: 'process',
    evidence: at(
      undefined,
      undefined,
      `process ${process.pid} (${process.comm}) runs as ${entry?.name ?? `uid ${process.uid}`}`,
    ),
  };
}
