// `flush ruleset` in the nftables files wipes every table in the kernel, Docker's and ufw's included, each time
// nftables.service starts or reloads (nft(8) "flush ruleset"; the unit's ExecReload is `nft -f` again). Enabling that
// unit beside a container engine or an enabled ufw would silently delete their rules: harden refuses to.

import { UFW_CONF } from '../../net/firewall/load.js';
import { parseUfwConf } from '../../parsers/ufw.js';
import type { Target } from '../../target/types.js';
import { findBlock } from './render.js';

export interface FlushRuleset {
  file: string;
  line: number;
}

/** Every `flush ruleset` statement of the files, outside our block. */
export function flushRulesetStatements(files: ReadonlyMap<string, string>): FlushRuleset[] {
  const found: FlushRuleset[] = [];
  for (const [file, text] of files) {
    const block = findBlock(text);
    const inside = block && !('error' in block) ? block : undefined;
    text.split('\n').forEach((line, index) => {
      if (inside && index >= inside.begin && index <= inside.end) return;
      // Statements may share a line with `;`; a comment ends the line.
      const code = line.replace(/#.*$/, '');
      if (code.split(';').some((statement) => /^\s*flush\s+ruleset\s*$/.test(statement))) {
        found.push({ file, line: index + 1 });
      }
    });
  }
  return found;
}

/** `family name` of every table the files define (outside our block): what per-table deletes must name. */
export function definedTables(files: ReadonlyMap<string, string>): string[] {
  const tables = new Set<string>();
  for (const text of files.values()) {
    for (const match of text.matchAll(/^\s*table\s+(?:(ip6?|inet|arp|bridge|netdev)\s+)?([A-Za-z_][\w-]*)\s*\{/gm)) {
      if (match[2] !== 'signer_opsec') tables.add(`${match[1] ?? 'ip'} ${match[2]}`);
    }
  }
  return [...tables];
}

/** "/etc/ufw/ufw.conf:5 ENABLED=yes" when ufw is enabled at boot; undefined otherwise. */
export async function ufwEnabled(target: Target): Promise<string | undefined> {
  const text = await target.readText(UFW_CONF).catch(() => undefined);
  if (text === undefined) return undefined;
  const settings = parseUfwConf(text);
  return settings.enabled
    ? `ufw (${UFW_CONF}${settings.enabledLine ? `:${settings.enabledLine}` : ''} ENABLED=yes)`
    : undefined;
}

/** The refusal text: where each `flush ruleset` is, whose tables it would wipe, and the two ways out. */
export function flushRulesetMessage(
  statements: readonly FlushRuleset[],
  others: readonly string[],
  tables: readonly string[],
  enabling: boolean,
): string {
  const where = statements.map((statement) => `${statement.file}:${statement.line}`).join(', ');
  const example =
    tables.length > 0
      ? ` (here: ${tables.map((table) => `\`table ${table} {}\` + \`delete table ${table}\``).join(', ')})`
      : '';
  return (
    `\`flush ruleset\` at ${where}: ${enabling ? 'enabling nftables.service would wipe' : 'nftables.service (already enabled at boot) wipes'} the tables of ${others.join(' and ')} ` +
    'at every boot and every `systemctl reload/restart nftables`. Replace it with, for each table the file defines, ' +
    `a \`table <family> <name> {}\` line followed by \`delete table <family> <name>\`${example}, or remove it; then plan again.`
  );
}
