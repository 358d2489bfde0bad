import { CheckError } from '../../engine/errors.js';
import type { Evidence } from '../../engine/types.js';
import {
  type Family,
  type FirewallProblem,
  type FirewallRuleset,
  mergeRulesets,
} from '../../parsers/firewall/model.js';
import { expandGlob } from '../../parsers/glob.js';
import { parseIptablesSave } from '../../parsers/iptables-save.js';
import { appendAll } from '../../parsers/lists.js';
import { parseNftablesConf } from '../../parsers/nftables.js';
import { parseNftJson } from '../../parsers/nftables-json.js';
import { includeStatements, resolveIncludePath } from '../../parsers/nftables-syntax.js';
import { PARSE_LIMITS, ParseLimitError } from '../../parsers/parse-limits.js';
import { describeToolOutput } from '../../parsers/tool-messages.js';
import { parseUfwConf, parseUfwDefaults, UFW_DEFAULTS_PATH, ufwRuleset } from '../../parsers/ufw.js';
import type { Target } from '../../target/types.js';

// Which firewall filters this host's inbound traffic. Live: the kernel's ruleset (`nft -j list ruleset`, else
// iptables-save for legacy iptables); the config files are then only context, and an empty kernel ruleset means no
// firewall even when files exist (nothing loaded them). Offline: the files a boot would load — etc/nftables.conf when
// nftables.service is enabled, etc/iptables/rules.v4|v6 when netfilter-persistent is, ufw when ENABLED=yes. Several
// active ones are merged: each base chain on the input hook must accept a packet.

export const NFTABLES_CONF = '/etc/nftables.conf';
export const IPTABLES_RULES: Record<Family, string> = {
  ipv4: '/etc/iptables/rules.v4',
  ipv6: '/etc/iptables/rules.v6',
};
export const UFW_CONF = '/etc/ufw/ufw.conf';
export const UFW_USER_RULES: Record<Family, string> = { ipv4: '/etc/ufw/user.rules', ipv6: '/etc/ufw/user6.rules' };

export interface FirewallFacts {
  origin: 'live' | 'files';
  /** The ruleset filtering inbound traffic; undefined when no firewall is active (see `reason`). */
  ruleset?: FirewallRuleset;
  /** What made it active: the kernel, an enabled unit, ENABLED=yes. */
  active: Evidence[];
  /** Firewall files found that do not take effect (unit not enabled, ufw disabled, not loaded in the kernel). */
  inactive: Evidence[];
  /** Why there is no ruleset. */
  reason?: string;
  /**
   * Offline: enabled firewall files their loader would refuse (`nft -f` rejects the whole file), so nothing of them
   * takes effect at boot; each names the file, line and why. Their rules are not in `ruleset`.
   */
  rejected?: Evidence[];
  /** Live only: the kernel's ruleset could not be read (e.g. not root); the verdict is then not evaluable. */
  unreadable?: string;
}

async function readOptional(target: Target, path: string): Promise<string | undefined> {
  if (!(await target.stat(path))) return undefined;
  return target.readText(path, { maxBytes: 4 * 1024 * 1024 });
}

/** The `*.wants/<unit>` symlink under etc/systemd/system that enables a unit at boot, if any. */
export async function enablingLink(target: Target, unit: string): Promise<string | undefined> {
  const base = '/etc/systemd/system';
  const entries = await target.readDir(base).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.endsWith('.wants'))) {
    const path = `${base}/${entry}/${unit}`;
    if (await target.lstat(path)) return path;
  }
  return undefined;
}

/**
 * etc/nftables.conf and every file it includes, read through the target before the (pure) parser runs. A glob match
 * nft cannot open (a symlink loop, a dangling link, no permission) makes `nft -f` fail, so it is a `rejects` problem.
 */
async function loadNftablesConf(target: Target, mainPath: string): Promise<FirewallRuleset> {
  const texts = new Map<string, string>();
  const includes = new Map<string, string[]>();
  const unopenable: FirewallProblem[] = [];
  const pending = [mainPath];
  while (pending.length > 0 && texts.size < 256) {
    const path = pending.shift()!;
    if (texts.has(path)) continue;
    let text: string | undefined;
    try {
      text = await readOptional(target, path);
    } catch (error) {
      unopenable.push({ file: path, message: `cannot be read: ${(error as Error).message}`, rejects: true });
    }
    if (text === undefined) continue;
    texts.set(path, text);
    let statements: ReturnType<typeof includeStatements> = [];
    try {
      statements = includeStatements(text);
    } catch (error) {
      // The parser refuses the file too, and says so: its includes are not followed.
      if (!(error instanceof ParseLimitError)) throw error;
    }
    for (const { pattern, line } of statements) {
      const cannotOpen = (match: string, why: string) =>
        unopenable.push({ file: path, line, message: `include "${pattern}": ${match} ${why}`, rejects: true });
      const files = await expandGlob(resolveIncludePath(pattern), {
        readDir: (dir) => target.readDir(dir).catch(() => undefined),
        // nft skips directories among glob matches; anything else it must open.
        exists: async (match) => {
          const found = await target.stat(match).catch((error: Error) => error);
          if (found instanceof Error) cannotOpen(match, `cannot be opened (${found.message})`);
          else if (found === undefined && (await target.lstat(match).catch(() => undefined))) {
            cannotOpen(match, 'is a symlink that resolves to nothing');
          }
          return found !== undefined && !(found instanceof Error) && found.type !== 'dir';
        },
      });
      includes.set(`${path}\0${pattern}`, files);
      appendAll(pending, files);
    }
  }
  const ruleset = parseNftablesConf(mainPath, {
    read: (path) => texts.get(path),
    resolve: (pattern, from) => includes.get(`${from}\0${pattern}`) ?? [],
  });
  return { ...ruleset, problems: [...unopenable, ...ruleset.problems] };
}

interface FileFirewall {
  ruleset: FirewallRuleset;
  active?: Evidence;
  inactive?: Evidence;
  rejected?: Evidence[];
}

export const NFT_REJECTS = 'nft -f would reject this file; nothing loads at boot';

async function nftablesFiles(target: Target): Promise<FileFirewall | undefined> {
  if (!(await target.stat(NFTABLES_CONF))) return undefined;
  const ruleset = await loadNftablesConf(target, NFTABLES_CONF);
  const link = await enablingLink(target, 'nftables.service');
  // Offline, loaded at boot but too large to read: not that nft would reject it, only that no verdict can rest on
  // it. (Live, the kernel's ruleset is judged; the files are only context.)
  const overLimit = ruleset.problems.find((problem) => problem.limit);
  if (link && overLimit && !target.live) {
    const where = `${overLimit.file}${overLimit.line ? `:${overLimit.line}` : ''}`;
    throw new CheckError(`${NFTABLES_CONF}, loaded at boot, is not judged: ${where}: ${overLimit.message}`, {
      ...(overLimit.file ? { file: overLimit.file } : {}),
      ...(overLimit.line ? { line: overLimit.line } : {}),
      detail: overLimit.message,
    });
  }
  const fatal = ruleset.problems.filter((problem) => problem.rejects);
  if (link && fatal.length > 0) {
    const rejected = fatal.map((problem) => ({
      ...(problem.file ? { file: problem.file } : {}),
      ...(problem.line !== undefined ? { line: problem.line } : {}),
      detail: `${problem.message}: ${NFT_REJECTS}`,
    }));
    return {
      ruleset,
      rejected,
      inactive: { file: link, detail: `nftables.service enabled, but ${NFTABLES_CONF} does not load` },
    };
  }
  return link
    ? { ruleset, active: { file: link, detail: `nftables.service enabled: loads ${NFTABLES_CONF} at boot` } }
    : { ruleset, inactive: { file: NFTABLES_CONF, detail: 'present, but nftables.service is not enabled' } };
}

async function iptablesFiles(target: Target): Promise<FileFirewall | undefined> {
  const rulesets: FirewallRuleset[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const file = IPTABLES_RULES[family];
    const text = await readOptional(target, file);
    if (text !== undefined) rulesets.push(parseIptablesSave(text, { family, file }));
  }
  if (rulesets.length === 0) return undefined;
  const ruleset = mergeRulesets(rulesets);
  const link = await enablingLink(target, 'netfilter-persistent.service');
  return link
    ? {
        ruleset,
        active: { file: link, detail: 'netfilter-persistent enabled: loads /etc/iptables/rules.v4|v6 at boot' },
      }
    : {
        ruleset,
        inactive: { file: '/etc/iptables', detail: 'rules files present, but netfilter-persistent is not enabled' },
      };
}

async function ufwFiles(target: Target): Promise<FileFirewall | undefined> {
  const conf = await readOptional(target, UFW_CONF);
  if (conf === undefined) return undefined;
  const settings = parseUfwConf(conf);
  const defaults = parseUfwDefaults(await readOptional(target, UFW_DEFAULTS_PATH));
  const rulesets: FirewallRuleset[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const file = UFW_USER_RULES[family];
    // IPV6=no: ufw ignores user6.rules and drops IPv6 (ufwRuleset builds that chain).
    const text = family === 'ipv6' && !defaults.ipv6 ? undefined : await readOptional(target, file);
    rulesets.push(ufwRuleset(family, text === undefined ? undefined : { text, file }, defaults));
  }
  const ruleset = mergeRulesets(rulesets);
  const where = { file: UFW_CONF, ...(settings.enabledLine ? { line: settings.enabledLine } : {}) };
  return settings.enabled
    ? { ruleset, active: { ...where, detail: 'ufw ENABLED=yes' } }
    : { ruleset, inactive: { ...where, detail: 'ufw is installed but not enabled (ENABLED is not yes)' } };
}

async function fileFirewalls(target: Target): Promise<FileFirewall[]> {
  const found = [await nftablesFiles(target), await iptablesFiles(target), await ufwFiles(target)];
  return found.filter((entry): entry is FileFirewall => entry !== undefined);
}

function hasRules(ruleset: FirewallRuleset): boolean {
  return ruleset.tables.some((table) =>
    table.chains.some((chain) => chain.rules.length > 0 || chain.policy === 'drop'),
  );
}

async function liveRuleset(
  target: Target,
): Promise<{ ruleset?: FirewallRuleset; source?: string; unreadable?: string }> {
  let nftProblem: string | undefined;
  try {
    // The output bound is the parse limit: a ruleset of tens of thousands of rules is tens of MB of JSON.
    const run = await target.run('nft', ['-j', 'list', 'ruleset'], {
      timeoutMs: 10_000,
      maxOutputBytes: PARSE_LIMITS.nftJson.maxBytes,
    });
    if (run.code === 0) {
      const ruleset = parseNftJson(run.stdout || '{"nftables":[]}');
      if (ruleset.tables.length > 0) return { ruleset, source: 'nft -j list ruleset' };
    } else {
      const why = run.stderr.trim() === '' ? `exit ${run.code}` : describeToolOutput('nft', run.stderr);
      nftProblem = `nft -j list ruleset failed (${why})`;
    }
  } catch (error) {
    // Fail closed: a ruleset too large to judge is no reason to fall back to iptables or call the firewall unreadable.
    if (error instanceof ParseLimitError)
      throw new CheckError(`The kernel's firewall ruleset is not judged: ${error.message}`);
    nftProblem = (error as Error).message;
  }
  // Legacy iptables (x_tables) is invisible to nft.
  const legacy: FirewallRuleset[] = [];
  for (const [family, command] of [
    ['ipv4', 'iptables-save'],
    ['ipv6', 'ip6tables-save'],
  ] as const) {
    try {
      const run = await target.run(command, [], { timeoutMs: 10_000 });
      if (run.code === 0) legacy.push(parseIptablesSave(run.stdout, { family }));
    } catch {
      // not installed: nothing to read
    }
  }
  const merged = mergeRulesets(legacy);
  if (legacy.length > 0 && hasRules(merged)) return { ruleset: merged, source: 'iptables-save / ip6tables-save' };
  if (nftProblem && legacy.length === 0) return { unreadable: nftProblem };
  return {};
}

export async function loadFirewall(target: Target): Promise<FirewallFacts> {
  const files = await fileFirewalls(target);
  if (target.live) {
    const live = await liveRuleset(target);
    const context = files.map((entry) => entry.active ?? entry.inactive!);
    if (live.unreadable) return { origin: 'live', active: [], inactive: context, unreadable: live.unreadable };
    if (live.ruleset) {
      return {
        origin: 'live',
        ruleset: live.ruleset,
        active: [{ detail: `the kernel's ruleset (${live.source})` }],
        inactive: [],
      };
    }
    const reason =
      files.length > 0
        ? 'the kernel has no firewall ruleset loaded, although firewall files exist: nothing loaded them'
        : 'the kernel has no firewall ruleset loaded';
    return { origin: 'live', active: [], inactive: context, reason };
  }
  const active = files.filter((entry) => entry.active);
  const inactive = files.flatMap((entry) => (entry.inactive ? [entry.inactive] : []));
  const rejected = files.flatMap((entry) => entry.rejected ?? []);
  const refused = rejected.length > 0 ? { rejected } : {};
  if (active.length === 0) {
    return {
      origin: 'files',
      active: [],
      inactive,
      ...refused,
      reason:
        rejected.length > 0
          ? `${NFTABLES_CONF} does not load: nft -f would reject it, so the host boots with no nftables ruleset`
          : files.length > 0
            ? 'firewall files exist but nothing enables them at boot'
            : 'no nftables, iptables-persistent or ufw configuration found',
    };
  }
  return {
    origin: 'files',
    ruleset: mergeRulesets(active.map((entry) => entry.ruleset)),
    active: active.map((entry) => entry.active!),
    inactive,
    ...refused,
  };
}
