// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — each service's files belong to its own unprivileged user.
import type { ConfigState, Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck, type Reporter } from '../../engine/define-check.js';
import { canAccess, type Principal } from '../../facts/access/file-access.js';
import { describeAccount, primaryGid, servicePrincipal } from '../../facts/accounts/service-accounts.js';
import { facts } from '../../facts/index.js';
import { absent, at } from '../../facts/services/discovered-services.js';
import type { ServiceUser } from '../../facts/services/service-user.js';
import type { UserDatabase } from '../../parsers/passwd.js';
import type { FileStat } from '../../target/types.js';

const messages = {
  owned: 'The {{role}} config {{path}} is owned by {{owner}}, the user the {{role}} runs as.',
  rootWithGroup: "The {{role}} config {{path}} is owned by root with the {{role}}'s group {{group}}.",
  dynamicRootOwned: 'The {{role}} config {{path}} is owned by root; the {{role}} runs as a transient DynamicUser.',
  wrongOwner:
    "The {{role}} config {{path}} is owned by {{owner}}:{{group}}; expected {{user}}, or root with the {{role}}'s group.",
  crossRead: 'The {{reader}} user {{user}} can read the {{role}} config {{path}}.',
  isolated: "Neither service user can read the other service's config.",
  unknownUser: 'Cannot tell which user the {{role}} runs as, so the owner of {{path}} cannot be judged.',
  unknownPrincipal:
    "The {{role}} runs as {{user}}, whose uid and groups the target doesn't show; cross-access to {{path}} was not checked.",
  noConfig: 'No signer or node config file was found to check ({{reason}}).',
} as const;
type MessageId = keyof typeof messages;

interface Reader {
  role: 'signer' | 'node';
  service: Service;
  account: ServiceUser | undefined;
}

interface Subject extends Reader {
  path: string;
  stat: FileStat;
}

/** The config's stat whatever its parse state: a malformed or unreadable file still has an owner. */
function statOf(config: ConfigState<unknown>): { path: string; stat: FileStat } | undefined {
  if (config.status === 'ok') return { path: config.path, stat: config.stat };
  if ((config.status === 'invalid' || config.status === 'unreadable') && config.stat)
    return { path: config.path, stat: config.stat };
  return undefined;
}

function judgeOwner(users: UserDatabase, subject: Subject, report: Reporter<MessageId>): void {
  const { role, path, stat, account, service } = subject;
  const evidence = at(path, undefined, `owner ${users.userName(stat.uid)}:${users.groupName(stat.gid)}`);
  if (!account) {
    report.notEvaluable('unknownUser', { role, path }, evidence);
    return;
  }
  const wrongOwner = () =>
    report.fail(
      'wrongOwner',
      {
        role,
        path,
        owner: users.userName(stat.uid),
        group: users.groupName(stat.gid),
        user: describeAccount(account, service),
      },
      [evidence, account.evidence],
    );
  // A transient uid owns nothing at rest, so root is the only owner that adds no one.
  const uid = account.dynamic ? 0 : account.isRoot ? 0 : account.uid;
  const gid = account.dynamic ? undefined : primaryGid(users, service, account);
  if (uid === undefined) report.notEvaluable('unknownUser', { role, path }, [evidence, account.evidence]);
  else if (stat.uid !== uid && !(stat.uid === 0 && gid !== undefined && stat.gid === gid)) wrongOwner();
  else if (account.dynamic) report.pass('dynamicRootOwned', { role, path }, evidence);
  else if (stat.uid === uid) report.pass('owned', { role, path, owner: users.userName(stat.uid) }, evidence);
  else report.pass('rootWithGroup', { role, path, group: users.groupName(stat.gid) }, evidence);
}

/** Reports when the reader's account can read the other service's config; true when it can't. */
async function judgeCrossRead(
  ctx: AuditContext,
  users: UserDatabase,
  reader: Reader,
  target: Subject,
  report: Reporter<MessageId>,
): Promise<boolean> {
  const { account, service, role } = reader;
  if (!account) return false;
  const principal: Principal | undefined = servicePrincipal(users, service, account);
  if (!principal) {
    report.notEvaluable(
      'unknownPrincipal',
      { role, user: describeAccount(account, service), path: target.path },
      account.evidence,
    );
    return false;
  }
  if (!(await canAccess(ctx.target, principal, target.path, 'read'))) return true;
  const user = describeAccount(account, service);
  report.fail('crossRead', { reader: role, user, role: target.role, path: target.path }, [
    at(
      target.path,
      undefined,
      `mode ${target.stat.mode.toString(8).padStart(4, '0')}, owner ${users.userName(target.stat.uid)}:${users.groupName(target.stat.gid)}`,
    ),
    account.evidence,
  ]);
  return false;
}

export default defineCheck({
  id: 'identity/config-owner',
  title: 'Each config belongs to its own service user',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "The signer config holds the signer key and the auth password; the node config holds the node's auth token, bitcoind",
    'credentials and wallet seed. A config owned by another account can be read and rewritten by that account (swap',
    "`node_host` for an attacker's node, or just copy the key), and a config that the other service's user can read is",
    'one compromise away from the key.',
    '',
    "The signer config passes when owned by the user the signer runs as, or by root with the signer's primary group",
    "(unit `Group=` if set) as group owner. The node config likewise for the node's user. A service running as root",
    'expects root ownership; a `DynamicUser=yes` service expects root ownership (a transient uid owns nothing at rest: use',
    "`LoadCredential=` or a static group), unless the target's passwd has a static user of the dynamic user's name",
    '(`User=`, else the unit name): systemd then runs the unit as that user, and it is judged as one.',
    "Then neither service's user may read the other's config, evaluated as the kernel",
    'would: owner, group (primary, /etc/group memberships, unit `SupplementaryGroups=`) or other bits, and search permission on',
    "every directory above it. A container's uid without a group is taken to have gid 0, as Docker gives it with the official",
    'images. A config that fails to parse is still checked: its owner matters as much.',
  ].join('\n'),
  remediation: [
    'Give each config to its own service: `chown stacks-signer:stacks-signer /etc/stacks/signer/signer-config.toml &&',
    'chmod 600 /etc/stacks/signer/signer-config.toml` (or `chown root:stacks-signer` with `chmod 640`), the same for the node',
    "config with `stacks-node`, and make sure neither user is in the other's group.",
  ].join(' '),
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://man7.org/linux/man-pages/man7/path_resolution.7.html',
  ],
  messages,
  async applies(ctx) {
    const discovery = await ctx.discovery();
    const { signer, node } = discovery;
    if (!signer && !node) return absent(discovery, 'no signer or stacks-node found on the target');
    return true;
  },
  async run(ctx, report) {
    const discovery = await ctx.discovery();
    const users = await ctx.users();
    const subjects: Subject[] = [];
    const reasons: string[] = [];
    for (const service of [discovery.signer, discovery.node]) {
      if (!service) continue;
      const found = statOf(service.config as ConfigState<unknown>);
      if (!found) {
        reasons.push('reason' in service.config ? service.config.reason : `${service.role} config not found`);
        continue;
      }
      subjects.push({ role: service.role, service, ...found, account: await facts(ctx).serviceAccount(service) });
    }
    if (subjects.length === 0) return report.notApplicable('noConfig', { reason: reasons.join('; ') });
    for (const subject of subjects) judgeOwner(users, subject, report);

    const signer = subjects.find((subject) => subject.role === 'signer');
    const node = subjects.find((subject) => subject.role === 'node');
    // Cross-access needs both services; each direction needs the reader's account and the other's config.
    const readerOf = async (role: 'signer' | 'node'): Promise<Reader | undefined> => {
      const service = discovery[role];
      if (!service) return undefined;
      const known = subjects.find((subject) => subject.role === role);
      return known ?? { role, service, account: await facts(ctx).serviceAccount(service) };
    };
    let checked = 0;
    let clean = 0;
    for (const [reader, target] of [
      [await readerOf('node'), signer],
      [await readerOf('signer'), node],
    ] as const) {
      if (!reader || !target) continue;
      checked += 1;
      if (await judgeCrossRead(ctx, users, reader, target, report)) clean += 1;
    }
    if (checked > 0 && clean === checked) report.pass('isolated');
  },
});
