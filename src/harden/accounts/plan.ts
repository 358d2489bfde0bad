// Area 'accounts': the system users and groups the layout asks for (a root or shared signer moves to its own account),
// added to /etc/passwd, /etc/group and, when present, /etc/shadow and /etc/gshadow as `useradd --system` would.
// Each file is rewritten whole with every other byte, its mode and its owner kept.
import { allChecks } from '../../checks/index.js';
import type { AuditContext } from '../../engine/context.js';
import { runChecks } from '../../engine/runner.js';
import { appendAll } from '../../parsers/lists.js';
import { parseGroup, parsePasswd } from '../../parsers/passwd.js';
import { newPart } from '../part.js';
import type { Planner, PlanPart, ServiceAccount, WriteFileChange } from '../types.js';
import { type NewAccount, renderGroup, renderGshadow, renderPasswd, renderShadow } from './render.js';
import { type AccountFileTexts, validateAccountFiles } from './validate.js';

const NOLOGIN_CANDIDATES = ['/usr/sbin/nologin', '/sbin/nologin'];
const FALLBACK_SHELL = '/bin/false';

/** The target's own nologin, so the account's shell exists on the system that will run it. */
export async function nologinShell(ctx: AuditContext): Promise<string> {
  for (const candidate of NOLOGIN_CANDIDATES) {
    const stat = await ctx.target.stat(candidate).catch(() => undefined);
    if (stat?.type === 'file') return candidate;
  }
  return FALLBACK_SHELL;
}

interface AccountFile {
  path: string;
  text: string;
  mode: number;
  uid: number;
  gid: number;
}

async function readAccountFile(ctx: AuditContext, path: string): Promise<AccountFile | undefined> {
  const stat = await ctx.target.stat(path);
  if (!stat) return undefined;
  const text = await ctx.target.readText(path);
  return { path, text, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
}

const ADDRESSES = {
  signer: ['identity/signer-not-root', 'identity/separate-service-users', 'identity/signer-user-unprivileged'],
  node: ['identity/separate-service-users'],
} as const;

/**
 * The other parts run the services as these accounts, so adding them is never optional. A part whose every addressed
 * control already passes is withheld as "already hardened"; that happens when harden moves a service off an account
 * the audit accepts but harden does not (nobody, www-data, an account another unit runs as). The part then claims
 * no control, and says why it still adds the account.
 */
async function keepPrerequisite(ctx: AuditContext, part: PlanPart): Promise<void> {
  const ids = new Set(part.addresses);
  if (ids.size === 0) return;
  const results = await runChecks(
    allChecks.filter((check) => ids.has(check.id)),
    ctx,
  );
  if (!results.every((result) => result.status === 'pass')) return;
  part.notes.push(
    `${part.addresses.join(', ')} already pass, but the services must not keep an account other software shares: the drop-ins run them as the new account${part.addresses.length > 1 ? 's' : ''}`,
  );
  part.addresses = [];
}

export const planAccounts: Planner = async ({ ctx, layout }) => {
  const requested: { role: 'signer' | 'node'; account: ServiceAccount }[] = [];
  if (layout.signer?.account?.create) requested.push({ role: 'signer', account: layout.signer.account });
  if (layout.node?.account?.create) requested.push({ role: 'node', account: layout.node.account });
  if (requested.length === 0) return undefined;

  const part: PlanPart = newPart(
    'accounts',
    `add system account${requested.length > 1 ? 's' : ''} ${requested.map((r) => r.account.name).join(', ')}`,
  );
  const passwd = await readAccountFile(ctx, '/etc/passwd');
  const group = await readAccountFile(ctx, '/etc/group');
  if (!passwd || !group) {
    part.errors.push(`${passwd ? '/etc/group' : '/etc/passwd'} does not exist on the target: cannot add accounts`);
    return part;
  }
  const shadow = await readAccountFile(ctx, '/etc/shadow');
  const gshadow = await readAccountFile(ctx, '/etc/gshadow');
  const users = parsePasswd(passwd.text).entries;
  const groups = parseGroup(group.text).entries;
  const shell = await nologinShell(ctx);

  const before: AccountFileTexts = { passwd: passwd.text, group: group.text };
  if (shadow) before.shadow = shadow.text;
  if (gshadow) before.gshadow = gshadow.text;
  const after: AccountFileTexts = { ...before };
  const added: NewAccount[] = [];
  for (const { role, account } of requested) {
    const next: NewAccount = {
      name: account.name,
      uid: account.uid,
      group: account.group,
      gid: account.gid,
      gecos: role === 'signer' ? 'Stacks signer' : 'Stacks node',
      shell,
    };
    const byName = users.find((entry) => entry.name === next.name);
    const byUid = users.find((entry) => entry.uid === next.uid);
    const groupByName = groups.find((entry) => entry.name === next.group);
    const groupByGid = groups.find((entry) => entry.gid === next.gid);
    // Already there as planned (a second run after apply): nothing to add.
    if (byName && byName.uid === next.uid && byName.gid === next.gid && groupByName?.gid === next.gid) continue;
    if (byName) {
      part.errors.push(`/etc/passwd line ${byName.line}: user ${next.name} exists with other ids; pick another name`);
      continue;
    }
    if (byUid) {
      part.errors.push(`/etc/passwd line ${byUid.line}: uid ${next.uid} belongs to ${byUid.name}`);
      continue;
    }
    if (groupByName && groupByName.gid !== next.gid) {
      part.errors.push(`/etc/group line ${groupByName.line}: group ${next.group} exists with gid ${groupByName.gid}`);
      continue;
    }
    if (!groupByName && groupByGid) {
      part.errors.push(`/etc/group line ${groupByGid.line}: gid ${next.gid} belongs to ${groupByGid.name}`);
      continue;
    }
    after.passwd = renderPasswd(after.passwd, next);
    if (!groupByName) {
      after.group = renderGroup(after.group, next);
      if (after.gshadow !== undefined) after.gshadow = renderGshadow(after.gshadow, next);
    }
    if (after.shadow !== undefined) after.shadow = renderShadow(after.shadow, next);
    added.push(next);
    appendAll(
      part.addresses,
      ADDRESSES[role].filter((id) => !part.addresses.includes(id)),
    );
    part.notes.push(
      `${role}: runs as the new system account ${next.name} (uid ${next.uid}, shell ${shell}, no home): ${account.reason}`,
    );
  }
  if (part.errors.length > 0) return part;
  await keepPrerequisite(ctx, part);
  if (added.length === 0) {
    part.summary = `system account${requested.length > 1 ? 's' : ''} ${requested.map((r) => r.account.name).join(', ')} already present`;
    appendAll(
      part.addresses,
      requested.flatMap(({ role }) => ADDRESSES[role]).filter((id, i, all) => all.indexOf(id) === i),
    );
    return part;
  }
  part.validations = validateAccountFiles(before, after, added);
  for (const failed of part.validations.filter((validation) => !validation.ok))
    part.errors.push(`${failed.artefact} would be malformed: ${failed.detail}`);
  if (part.errors.length > 0) return part;

  const files: [AccountFile | undefined, string | undefined, string, boolean][] = [
    [passwd, after.passwd, 'the new service account', false],
    [group, after.group, "the new service account's group", false],
    [shadow, after.shadow, 'a locked password for the new service account', true],
    [gshadow, after.gshadow, "a locked password for the new service account's group", true],
  ];
  for (const [file, text, why, sensitive] of files) {
    if (!file || text === undefined || text === file.text) continue;
    const change: WriteFileChange = {
      kind: 'write',
      path: file.path,
      content: text,
      mode: file.mode,
      uid: file.uid,
      gid: file.gid,
      reason: `${file.path}: add ${why} (${added.map((account) => account.name).join(', ')})`,
    };
    // shadow files hold other accounts' password hashes: never diffed, backups stay private.
    if (sensitive) change.sensitive = true;
    part.changes.push(change);
  }
  return part;
};
