// The plan as the operator reads it: unified diffs, chmod/chown/mkdir/ln/rm lines, validations, refusals, notes and
// the commands a live apply runs. Pure: a built plan and owner names in, text (or JSON) out. A sensitive file's
// content is never printed, only which keys changed.

import { isSecretName, maskSecrets } from '../facts/secrets/secret-values.js';
import { appendAll } from '../parsers/lists.js';
import type { UserDatabase } from '../parsers/passwd.js';
import { printableDeep } from '../report/printable.js';
import { fingerprint } from '../stacks/fingerprint.js';
import { changedLines, unifiedDiff } from './diff.js';
import { accountsCreatedBy, type BuiltPlan, type PlannedChange } from './plan.js';
import type { CurrentState } from './state.js';
import type { HardenPlan, PlanPart, ReloadCommand } from './types.js';

export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/**
 * Names from the target's passwd/group, plus the accounts the plan itself creates (not in passwd yet). An account the
 * plan would not create (accounts skipped) keeps its bare uid: naming it would hide that nobody has that uid.
 */
export function ownerNames(users: UserDatabase, plan: Pick<HardenPlan, 'layout' | 'parts'>): OwnerNames {
  const newUsers = new Map<number, string>();
  const newGroups = new Map<number, string>();
  for (const account of accountsCreatedBy(plan)) {
    newUsers.set(account.uid, account.name);
    newGroups.set(account.gid, account.group);
  }
  return {
    user: (uid) => users.user(uid)?.name ?? newUsers.get(uid) ?? String(uid),
    group: (gid) => users.group(gid)?.name ?? newGroups.get(gid) ?? String(gid),
  };
}

export const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/** The reloads a live apply runs: those of the parts that still change something, in part order. */
export function reloadsOf(plan: BuiltPlan): ReloadCommand[] {
  return plan.parts.filter((part) => part.changes.length > 0).flatMap((part) => part.reloads);
}

/**
 * The plan as text. `quiet` (harden plan --quiet, like audit --quiet: only what needs attention) keeps one line per
 * pending change (no diff, no reason), the host notes harden will not act on, the problems (failed validations,
 * refusals, errors), the summary and apply's refusals; areas already in place, the areas' notes, passed validations
 * and the reload commands are left out. Everything from the target is made printable (control characters escaped)
 * before it is laid out.
 */
export function renderPlanText(plan: BuiltPlan, names: OwnerNames, options: { quiet?: boolean } = {}): string {
  return layoutPlanText(printableDeep(plan), printableDeep(names), options.quiet === true);
}

function layoutPlanText(plan: BuiltPlan, names: OwnerNames, quiet: boolean): string {
  const lines: string[] = [`Hardening plan for ${plan.root}${plan.live ? ' (live host)' : ''}`];
  for (const note of plan.layout.notes) lines.push(`  ${note}`);
  for (const part of plan.parts) {
    const changes = plan.pending.filter((pending) => pending.area === part.area);
    const checks = renderChecks(part, quiet);
    if (quiet && changes.length === 0 && checks.length === 0) continue;
    lines.push('', `== ${part.area}: ${part.summary}`);
    if (changes.length === 0 && part.errors.length === 0) lines.push('   (already in place)');
    for (const pending of changes) {
      const rendered = renderChange(pending, names);
      appendAll(lines, quiet ? rendered.slice(0, 1) : rendered);
    }
    appendAll(lines, checks);
  }
  const reloads = reloadsOf(plan);
  if (reloads.length > 0 && !quiet) {
    lines.push('', plan.live ? 'Commands (live host only):' : 'Commands (live host only; not run on this root):');
    for (const reload of reloads) lines.push(`  ${renderCommand(reload)}    # ${reload.why}`);
  }
  lines.push('', summaryLine(plan));
  if (plan.blockers.length > 0) {
    lines.push('Apply would refuse:');
    for (const blocker of plan.blockers) lines.push(`  - ${blocker}`);
  }
  return `${lines.join('\n')}\n`;
}

export function summaryLine(plan: BuiltPlan): string {
  const already = plan.satisfied > 0 ? ` (${plan.satisfied} already in place)` : '';
  if (plan.pending.length === 0) return `Nothing to change${already}.`;
  return `${plan.pending.length} change${plan.pending.length === 1 ? '' : 's'} to make${already}.`;
}

function renderCommand(reload: ReloadCommand): string {
  return `${reload.argv.join(' ')}${reload.stdin === undefined ? '' : ' < (generated ruleset)'}`;
}

/** A part's validations, refusals, errors and notes; `problemsOnly`: failed validations, refusals and errors. */
function renderChecks(part: PlanPart, problemsOnly: boolean): string[] {
  const lines: string[] = [];
  for (const validation of part.validations) {
    if (problemsOnly && validation.ok) continue;
    lines.push(
      `   validated: ${validation.ok ? 'ok  ' : 'FAIL'} ${validation.tool} ${validation.artefact}: ${validation.detail}`,
    );
  }
  for (const refusal of part.refusals) {
    lines.push(
      `   REFUSED (${refusal.code}): ${refusal.message}${refusal.override ? ` [override: ${refusal.override}]` : ''}`,
    );
  }
  for (const error of part.errors) lines.push(`   ERROR: ${error}`);
  if (!problemsOnly) for (const note of part.notes) lines.push(`   note: ${note}`);
  return lines;
}

function owner(names: OwnerNames, uid: number, gid: number): string {
  return `${names.user(uid)}:${names.group(gid)}`;
}

/** "mode 0644 → 0600, owner root:root → stacks-signer:stacks-signer" for whatever differs. */
function attributeDelta(
  names: OwnerNames,
  current: CurrentState,
  wanted: { mode?: number; uid?: number; gid?: number },
): string[] {
  if (current.type === 'absent' || current.type === 'symlink') return [];
  const parts: string[] = [];
  if (wanted.mode !== undefined && wanted.mode !== current.mode)
    parts.push(`mode ${octal(current.mode)} → ${octal(wanted.mode)}`);
  const uid = wanted.uid ?? current.uid;
  const gid = wanted.gid ?? current.gid;
  if (uid !== current.uid || gid !== current.gid)
    parts.push(`owner ${owner(names, current.uid, current.gid)} → ${owner(names, uid, gid)}`);
  return parts;
}

function renderChange(pending: PlannedChange, names: OwnerNames): string[] {
  const { change, current } = pending;
  const reason = `   # ${change.reason}`;
  switch (change.kind) {
    case 'write': {
      const before = current.type === 'file' ? current.content.toString('utf8') : undefined;
      const delta = attributeDelta(names, current, change);
      const head =
        current.type === 'file'
          ? `write ${change.path}${delta.length ? ` (${delta.join(', ')})` : ''}`
          : `create ${change.path} (mode ${octal(change.mode)}, owner ${owner(names, change.uid, change.gid)})`;
      if (change.sensitive)
        return [head, reason, `   ${sensitiveSummary(before, change.content)} (content not shown: holds secrets)`];
      const diff = unifiedDiff(
        change.path,
        before === undefined ? undefined : maskShownContent(change.path, before),
        maskShownContent(change.path, change.content),
      );
      return [head, reason, ...(diff ? diff.trimEnd().split('\n') : [])];
    }
    case 'attributes': {
      const delta = attributeDelta(names, current, change);
      const verb =
        change.mode !== undefined && (change.uid !== undefined || change.gid !== undefined)
          ? 'chmod/chown'
          : change.mode !== undefined
            ? 'chmod'
            : 'chown';
      return [`${verb} ${change.path}: ${delta.join(', ') || 'set'}`, reason];
    }
    case 'mkdir': {
      if (current.type === 'dir')
        return [`chmod/chown ${change.path} (directory): ${attributeDelta(names, current, change).join(', ')}`, reason];
      return [
        `mkdir ${change.path} (mode ${octal(change.mode)}, owner ${owner(names, change.uid, change.gid)})`,
        reason,
      ];
    }
    case 'symlink': {
      const was = current.type === 'symlink' ? ` (was → ${current.linkTarget})` : '';
      return [`ln -s ${change.linkTarget} ${change.path}${was}`, reason];
    }
    case 'remove':
      return [`rm ${change.path}`, reason];
  }
}

/** The account files whose second field may hold a password hash (legacy passwd without shadow, group passwords). */
const ACCOUNT_FILE = /^\/etc\/(passwd|group|shadow|gshadow)-?$/;
/** Second-field values that are not a hash: shadowed (x), locked or no password (*, !, !!), empty. */
const NOT_A_HASH = new Set(['', 'x', '*', '!', '!!']);

/**
 * A file's text as a plan shows it: password hashes and every secret-shaped value (a 64-hex key, a BIP-39 mnemonic,
 * the value of a secret-named flag) replaced by fingerprints. The run's known secrets are masked later, over the
 * whole plan; these are the ones discovery never read (a key line pasted into /etc/passwd of a host whose signer
 * config does not parse: the long fuzz run's seed 20261209 case 1840 showed it in the passwd diff).
 */
export function maskShownContent(path: string, text: string): string {
  // In an account file `:` separates fields (`authd:x:…` is an account named authd, not a key), so only `=` counts.
  const separators = ACCOUNT_FILE.test(path) ? '=' : '=:';
  return maskSecrets(maskPasswordHashes(path, text))
    .split('\n')
    .map((line) => maskSecretAssignment(line, separators))
    .join('\n');
}

/** `auth_password = "…"`, `TOKEN=…`: the value of a secret-named key, masked (found by index, not a backtracking regex). */
function maskSecretAssignment(line: string, separators: string): string {
  let at = -1;
  for (const separator of separators) {
    const found = line.indexOf(separator);
    if (found !== -1 && (at === -1 || found < at)) at = found;
  }
  if (at <= 0 || at > 128) return line;
  const key = line.slice(0, at).trim();
  if (!/^[\w.-]+$/.test(key) || !isSecretName(key)) return line;
  const value = line.slice(at + 1).trim();
  if (value === '' || value.startsWith('[secret ')) return line;
  // No fingerprint: a fast one of a weak password would be a dictionary oracle, and a slow one per line too costly.
  return `${line.slice(0, at + 1)} [secret not shown]`;
}

/**
 * An account file's text with every password hash replaced by its fingerprint, whichever planner writes it: a hash
 * is a secret (it can be cracked offline) and a plan is meant to be read and pasted.
 */
export function maskPasswordHashes(path: string, text: string): string {
  if (!ACCOUNT_FILE.test(path)) return text;
  return text
    .split('\n')
    .map((line) => {
      const fields = line.split(':');
      const field = fields[1];
      if (field === undefined || NOT_A_HASH.has(field) || line.trimStart().startsWith('#')) return line;
      fields[1] = `<hash ${fingerprint(field)}>`;
      return fields.join(':');
    })
    .join('\n');
}

/** The name of a changed line without its value: a TOML/INI key, a [table] header, or what kind of line it is. */
export function lineName(line: string): string {
  const trimmed = line.trim();
  if (trimmed === '') return '(blank line)';
  if (trimmed.startsWith('#')) return '(comment)';
  const table = /^\[\[?\s*([A-Za-z0-9_.\-" ]+?)\s*\]\]?$/.exec(trimmed);
  if (table) return `[${table[1]}]`;
  const key = /^([A-Za-z0-9_.\-"]+)\s*=/.exec(trimmed);
  if (key) return key[1] as string;
  // passwd/group/shadow: the first field is the account's name, the rest (a hash) is not shown.
  const account = /^([a-z_][a-z0-9_.-]*\$?):/.exec(trimmed);
  if (account) return `${account[1]}:…`;
  return '(unnamed line)';
}

/** "2 lines changed: endpoint, metrics_endpoint": never a value. */
export function sensitiveSummary(before: string | undefined, after: string): string {
  const { removed, added } = changedLines(before ?? '', after);
  const keys = [...new Set([...removed, ...added].map(lineName))];
  const count = before === undefined ? added.length : Math.max(removed.length, added.length);
  const what =
    before === undefined
      ? `new file, ${count} line${count === 1 ? '' : 's'}`
      : `${count} line${count === 1 ? '' : 's'} changed`;
  return `${what}: ${keys.join(', ')}`;
}

/** The plan as JSON: everything but a sensitive file's content (and no file's current content). */
export function renderPlanJson(plan: BuiltPlan): string {
  const document = {
    root: plan.root,
    live: plan.live,
    layout: plan.layout,
    summary: { changes: plan.pending.length, alreadyInPlace: plan.satisfied, blockers: plan.blockers },
    parts: plan.parts.map((part) => ({
      ...part,
      changes: plan.pending
        .filter((pending) => pending.area === part.area)
        .map(({ change, current }) => ({
          ...(change.kind === 'write' && change.sensitive
            ? {
                ...change,
                content: undefined,
                summary: sensitiveSummary(
                  current.type === 'file' ? current.content.toString('utf8') : undefined,
                  change.content,
                ),
              }
            : change.kind === 'write'
              ? { ...change, content: maskShownContent(change.path, change.content) }
              : change),
          current: describeCurrent(current),
        })),
    })),
    reloads: reloadsOf(plan),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function describeCurrent(current: CurrentState): Record<string, unknown> {
  if (current.type === 'file') return { type: 'file', mode: octal(current.mode), uid: current.uid, gid: current.gid };
  if (current.type === 'dir' || current.type === 'other')
    return { type: current.type, mode: octal(current.mode), uid: current.uid, gid: current.gid };
  if (current.type === 'symlink') return { type: 'symlink', linkTarget: current.linkTarget };
  return { type: 'absent' };
}
