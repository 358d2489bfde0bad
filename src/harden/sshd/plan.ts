// Plans the sshd hardening (area 'sshd'): a drop-in read before everything else, an Include at the top of
// sshd_config only when the drop-in would not otherwise win, the lock-out guard, and proof of the effective result
// from both our parser and the real `sshd -T`.

import { PROBE_CONNECTION, SSHD_CONFIG } from '../../discovery/sshd.js';
import type { AuditContext } from '../../engine/context.js';
import { conditionalSettings, shownValue } from '../../facts/sshd/match-blocks.js';
import { expandGlob } from '../../parsers/glob.js';
import { appendAll } from '../../parsers/lists.js';
import {
  effectiveSshd,
  loadSshdConfig,
  type SshdConfig,
  type SshdConfigFile,
  type SshdConfigSource,
  type SshdDirective,
  type SshdEffective,
  sshdTestSpec,
} from '../../parsers/sshd-config.js';
import type { Target } from '../../target/types.js';
import { copyPolicy } from '../copy-guard.js';
import { newPart } from '../part.js';
import type { Change, Planner, PlanPart, ReloadCommand } from '../types.js';
import { accessRulesFromSshdT } from './access-rules.js';
import { loginCandidates, passwdUsers } from './key-holders.js';
import { judgeLockout } from './lockout.js';
import {
  DEFAULT_DROP_IN,
  DROP_IN_DIR,
  DROP_IN_NAME,
  HARDENED_VALUES,
  insertIncludeAtTop,
  renderSshdDropIn,
} from './render.js';
import { includeSite, type SshdCopy, validateSshdConfig } from './validate.js';

type HardenedKeyword = keyof typeof HARDENED_VALUES;
const HARDENED_KEYWORDS = Object.keys(HARDENED_VALUES) as HardenedKeyword[];

/** The target's files with `overlay` (path → new text) laid over them: what sshd will read after apply. */
function overlaySource(target: Target, overlay: ReadonlyMap<string, string>): SshdConfigSource {
  return {
    readText: async (path) => overlay.get(path) ?? (await target.readText(path).catch(() => undefined)),
    glob: (pattern) =>
      expandGlob(pattern, {
        readDir: async (dir) => {
          const added = [...overlay.keys()]
            .filter((path) => path.slice(0, path.lastIndexOf('/')) === dir)
            .map((path) => path.slice(path.lastIndexOf('/') + 1));
          const present = await target.readDir(dir).catch(() => undefined);
          if (present === undefined && added.length === 0) return undefined;
          return [...new Set([...(present ?? []), ...added])].sort();
        },
        exists: async (path) => overlay.has(path) || (await target.lstat(path).catch(() => undefined)) !== undefined,
      }),
  };
}

/** The hardened keywords whose effective value is not ours, as "keyword value (file:line)". */
function notHardened(settings: SshdEffective): string[] {
  return HARDENED_KEYWORDS.flatMap((keyword) => {
    const setting = settings[keyword];
    if (setting.value === HARDENED_VALUES[keyword]) return [];
    return [`${keyword} ${setting.value} (${setting.file ? `${setting.file}:${setting.line}` : 'default'})`];
  });
}

async function dropInPath(target: Target): Promise<string> {
  const entries = await target.readDir(DROP_IN_DIR).catch(() => [] as string[]);
  const ours = entries.find((name) => DROP_IN_NAME.test(name));
  return ours ? `${DROP_IN_DIR}/${ours}` : DEFAULT_DROP_IN;
}

async function reloadCommand(target: Target): Promise<ReloadCommand | undefined> {
  for (const unit of ['ssh.service', 'sshd.service']) {
    for (const dir of ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system']) {
      if ((await target.stat(`${dir}/${unit}`).catch(() => undefined))?.type === 'file') {
        return { argv: ['systemctl', 'reload', unit], why: `make ${unit} read its new configuration` };
      }
    }
  }
  return undefined;
}

function emptyPart(): PlanPart {
  return newPart('sshd', 'sshd: key-only logins and no root login, in a drop-in read first; the port stays as it is');
}

/** The config after the change: the drop-in alone when it wins, else with our Include at the top of sshd_config. */
async function plannedConfig(
  target: Target,
  dropIn: string,
  mainText: string,
): Promise<{ overlay: Map<string, string>; config: SshdConfig; settings: SshdEffective; editsMain: boolean }> {
  const overlay = new Map([[dropIn, renderSshdDropIn()]]);
  let config = await loadSshdConfig(overlaySource(target, overlay), SSHD_CONFIG);
  let settings = effectiveSshd(config, PROBE_CONNECTION);
  if (notHardened(settings).length === 0) return { overlay, config, settings, editsMain: false };
  overlay.set(SSHD_CONFIG, insertIncludeAtTop(mainText, dropIn));
  config = await loadSshdConfig(overlaySource(target, overlay), SSHD_CONFIG);
  settings = effectiveSshd(config, PROBE_CONNECTION);
  return { overlay, config, settings, editsMain: true };
}

export const planSshd: Planner = async ({ ctx, options }) => {
  const sshd = await ctx.sshd();
  if (!sshd.present) return undefined;
  const part = emptyPart();
  const target = ctx.target;
  for (const failure of sshd.includeFailures) part.errors.push(failure.message);
  const mainStat = await target.stat(SSHD_CONFIG).catch(() => undefined);
  if (!mainStat) part.errors.push(`${SSHD_CONFIG} does not exist: sshd cannot start without it; nothing planned`);
  if (part.errors.length > 0) return part;
  const mainText = await target.readText(SSHD_CONFIG);

  const dropIn = await dropInPath(target);
  const planned = await plannedConfig(target, dropIn, mainText);
  const problems = planned.config.problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`);
  if (problems.length > 0) {
    part.errors.push(`sshd would refuse the resulting configuration: ${problems.join('; ')}`);
    return part;
  }
  const stillWrong = notHardened(planned.settings);
  if (stillWrong.length > 0) {
    part.errors.push(`even read first, the drop-in would not take effect: ${stillWrong.join(', ')}`);
    return part;
  }

  // Who can still log in is judged from what sshd itself applies to each user after the change (Match blocks
  // included), so sshd runs first; users whose shell gives no login are not asked about.
  const users = await passwdUsers(ctx);
  const probed = users.filter((user) => !user.shellProblem && SAFE_USER_NAME.test(user.name)).map((u) => u.name);
  const perUser = await proveWithSshd(part, ctx, planned.config, planned.overlay, dropIn, probed);
  if (part.errors.length > 0 || !perUser) return part;

  const { settings: current } = await sshd.effective();
  const verdict = judgeLockout({
    candidates: await loginCandidates(ctx, users, (name) => {
      const dump = perUser.get(name);
      return dump ? accessRulesFromSshdT(dump) : undefined;
    }),
    disablesPasswords:
      current.passwordauthentication.value !== 'no' || current.kbdinteractiveauthentication.value !== 'no',
    disablesRootLogin: current.permitrootlogin.value !== 'no',
    consoleAccess: options.consoleAccess,
  });
  if (verdict.refusal) part.refusals.push(verdict.refusal);
  appendAll(part.notes, verdict.notes);
  if (verdict.keyHolders.length > 0) {
    part.notes.push(`key login stays possible for: ${verdict.keyHolders.join(', ')}`);
  }
  appendAll(part.notes, matchBlockNotes(planned.config));

  appendAll(
    part.changes,
    await changes(target, dropIn, planned.editsMain ? planned.overlay.get(SSHD_CONFIG) : undefined),
  );
  const reload = await reloadCommand(target);
  if (reload) {
    part.reloads.push(reload);
    part.rollbackReloads.push({ ...reload, why: 'make sshd read its previous configuration' });
  } else {
    part.notes.push('no ssh.service or sshd.service unit found: reload sshd yourself (keep your current session open)');
  }
  appendAll(part.addresses, claimedControls(planned.config, part.notes));
  return part;
};

/** A user name that fits in `sshd -T -C user=…` unchanged (no comma or `=` to split the spec). */
const SAFE_USER_NAME = /^[A-Za-z0-9._][A-Za-z0-9._@$-]*$/;

/** The controls each Match-scoped keyword weakens: the audit warns on these, so harden does not claim them. */
const CONTROL_KEYWORDS = {
  'ssh/password-authentication': ['passwordauthentication', 'kbdinteractiveauthentication'],
  'ssh/root-login': ['permitrootlogin'],
} as const;

/** The controls this part makes pass: none that a Match block still weakens (that block is left alone). */
function claimedControls(config: SshdConfig, notes: string[]): string[] {
  return Object.entries(CONTROL_KEYWORDS).flatMap(([control, keywords]) => {
    const weakened = keywords.some((keyword) =>
      conditionalSettings(config, keyword).some(
        ({ directive }) => directive.args[0]?.toLowerCase() !== HARDENED_VALUES[keyword],
      ),
    );
    if (!weakened) return [control];
    notes.push(`${control} is not claimed: a Match block above weakens it for some connections, and the audit warns`);
    return [];
  });
}

/** Match-scoped keywords that can take key logins away from some users: reported whatever their value. */
const MATCH_REPORTED = ['authenticationmethods', 'pubkeyauthentication', 'authorizedkeysfile'] as const;

/** "PasswordAuthentication yes", or the keyword alone when its value is free text (AuthorizedKeysFile's paths). */
function setting(directive: SshdDirective): string {
  const value = shownValue(directive);
  return value === undefined ? directive.written : `${directive.written} ${value}`;
}

/** Match blocks that hand some users or addresses weaker settings than ours: not changed, only reported. */
function matchBlockNotes(config: SshdConfig): string[] {
  const keyLogin = MATCH_REPORTED.flatMap((keyword) =>
    conditionalSettings(config, keyword).map(
      ({ directive, match }) =>
        `${directive.file}:${directive.line}: ${match} sets ${setting(directive)} ` +
        'for the connections it selects (the lock-out guard judged each user with it applied)',
    ),
  );
  return keyLogin.concat(
    HARDENED_KEYWORDS.filter((keyword) => keyword !== 'pubkeyauthentication').flatMap((keyword) =>
      conditionalSettings(config, keyword)
        .filter(({ directive }) => directive.args[0]?.toLowerCase() !== HARDENED_VALUES[keyword])
        .map(
          ({ directive, match }) =>
            `${directive.file}:${directive.line}: ${match} sets ${setting(directive)} ` +
            'for the connections it selects; harden leaves Match blocks alone',
        ),
    ),
  );
}

/** Whether any file sshd reads has a Match block (without one, sshd answers every user alike). */
export function hasMatchBlock(config: SshdConfig): boolean {
  const pending = config.main ? [config.main] : [];
  while (pending.length > 0) {
    for (const node of pending.pop()!.nodes) {
      if (node.kind === 'match') return true;
      if (node.kind === 'include') for (const target of node.targets) appendAll(pending, target.files);
    }
  }
  return false;
}

/**
 * What sshd reads after the change, for its temp copy: each file's text, the files each Include line reads (as the
 * parser resolved them through the target), and each file's place in the target as the target resolves it.
 */
async function sshdCopy(target: Target, config: SshdConfig, overlay: ReadonlyMap<string, string>): Promise<SshdCopy> {
  const files = new Map<string, string>();
  const canonical = new Map<string, string>();
  for (const path of config.files) {
    const text = overlay.get(path) ?? (await target.readText(path).catch(() => undefined));
    if (text === undefined) continue;
    files.set(path, text);
    // A file harden adds does not exist yet: its directory is resolved instead.
    const slash = path.lastIndexOf('/');
    const place = overlay.has(path)
      ? await target
          .realpath(path.slice(0, slash) || '/')
          .then((dir) => `${dir === '/' ? '' : dir}/${path.slice(slash + 1)}`)
          .catch(() => undefined)
      : await target.realpath(path).catch(() => undefined);
    if (place !== undefined) canonical.set(path, place);
  }
  const includes = new Map<string, string[]>();
  const pending = config.main ? [config.main] : [];
  const seen = new Set<SshdConfigFile>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const node of file.nodes) {
      if (node.kind !== 'include') continue;
      const reads = node.targets.flatMap((included) => included.files);
      includes.set(
        includeSite(node.file, node.line),
        reads.map((read) => read.path),
      );
      appendAll(pending, reads);
    }
  }
  return { files, includes, canonical };
}

/** `sshd -t` and `sshd -T` on a temp copy of every file sshd will read; the effective values must be ours. */
async function proveWithSshd(
  part: PlanPart,
  ctx: AuditContext,
  config: SshdConfig,
  overlay: ReadonlyMap<string, string>,
  dropIn: string,
  users: readonly string[],
): Promise<Map<string, Record<string, string[]>> | undefined> {
  const result = await validateSshdConfig(
    SSHD_CONFIG,
    { ...(await sshdCopy(ctx.target, config, overlay)), policy: await copyPolicy(ctx) },
    sshdTestSpec(PROBE_CONNECTION),
    dropIn,
    {
      names: users,
      probe: PROBE_CONNECTION,
      uniform: !hasMatchBlock(config),
    },
  );
  appendAll(part.validations, result.validations);
  for (const validation of result.validations.filter((entry) => !entry.ok)) {
    part.errors.push(`${validation.tool} rejects the resulting configuration: ${validation.detail}`);
  }
  if (!result.effective) return undefined;
  const wrong = HARDENED_KEYWORDS.filter((keyword) => result.effective![keyword] !== HARDENED_VALUES[keyword]);
  const detail =
    wrong.length === 0
      ? `effective: ${HARDENED_KEYWORDS.map((keyword) => `${keyword} ${HARDENED_VALUES[keyword]}`).join(', ')}`
      : `not in effect: ${wrong.map((keyword) => `${keyword} ${result.effective![keyword] ?? '(unset)'}`).join(', ')}`;
  part.validations.push({ tool: 'sshd -T', artefact: dropIn, ok: wrong.length === 0, detail });
  if (wrong.length > 0) part.errors.push(`sshd -T disagrees with the plan: ${detail}`);
  return result.perUser;
}

async function changes(target: Target, dropIn: string, newMain: string | undefined): Promise<Change[]> {
  const planned: Change[] = [];
  if (!(await target.lstat(DROP_IN_DIR).catch(() => undefined))) {
    planned.push({ kind: 'mkdir', path: DROP_IN_DIR, mode: 0o755, uid: 0, gid: 0, reason: 'holds sshd drop-ins' });
  }
  planned.push({
    kind: 'write',
    path: dropIn,
    content: renderSshdDropIn(),
    mode: 0o644,
    uid: 0,
    gid: 0,
    reason: 'sshd drop-in: key-only logins, no root login',
  });
  if (newMain !== undefined) {
    const stat = await target.stat(SSHD_CONFIG);
    planned.push({
      kind: 'write',
      path: SSHD_CONFIG,
      content: newMain,
      mode: stat?.mode ?? 0o644,
      uid: stat?.uid ?? 0,
      gid: stat?.gid ?? 0,
      reason: `Include the drop-in first: sshd keeps the first value it reads, and ${SSHD_CONFIG} would otherwise win`,
    });
  }
  return planned;
}
