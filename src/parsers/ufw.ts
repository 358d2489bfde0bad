import type { Family, FirewallRuleset, Origin } from '../net/firewall/model.js';
import { parseIptablesSave } from './iptables-save.js';

// ufw keeps its state in files: /etc/ufw/ufw.conf (`ENABLED=yes` makes it load at boot), /etc/default/ufw (default
// policies, `IPV6=yes`), and the user's rules in /etc/ufw/user.rules / user6.rules (iptables-save format, chain
// ufw-user-input). ufw's own before.rules accept loopback and established traffic, then its input chain jumps to
// ufw-user-input and ends in the default input policy: that shape is rebuilt here around the user's rules.

export interface UfwSettings {
  enabled: boolean;
  /** Line of ENABLED= in ufw.conf. */
  enabledLine?: number;
}

export interface UfwDefaults {
  inputPolicy: 'accept' | 'drop';
  inputPolicyLine?: number;
  ipv6: boolean;
}

function shellAssignments(text: string): Map<string, { value: string; line: number }> {
  const values = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, index) => {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S*))/.exec(raw);
    if (match) values.set(match[1]!, { value: match[2] ?? match[3] ?? match[4] ?? '', line: index + 1 });
  });
  return values;
}

export function parseUfwConf(text: string): UfwSettings {
  const enabled = shellAssignments(text).get('ENABLED');
  return { enabled: enabled?.value.toLowerCase() === 'yes', ...(enabled ? { enabledLine: enabled.line } : {}) };
}

/** /etc/default/ufw; ufw's shipped defaults (DROP, IPv6 on) when absent. */
export function parseUfwDefaults(text: string | undefined): UfwDefaults {
  const values = shellAssignments(text ?? '');
  const policy = values.get('DEFAULT_INPUT_POLICY');
  return {
    inputPolicy: policy && policy.value.toUpperCase() === 'ACCEPT' ? 'accept' : 'drop',
    ...(policy ? { inputPolicyLine: policy.line } : {}),
    ipv6: (values.get('IPV6')?.value ?? 'yes').toLowerCase() === 'yes',
  };
}

export const UFW_DEFAULTS_PATH = '/etc/default/ufw';

/** The ruleset ufw loads for one family: its standard input chain around the user's rules. */
export function ufwRuleset(
  family: Family,
  userRules: { text: string; file: string } | undefined,
  defaults: UfwDefaults,
): FirewallRuleset {
  const parsed = userRules
    ? parseIptablesSave(userRules.text, { family, file: userRules.file, backend: 'ufw' })
    : { tables: [], problems: [] };
  let filter = parsed.tables.find((table) => table.name === 'filter');
  if (!filter) {
    filter = { backend: 'ufw', family: family === 'ipv4' ? 'ip' : 'ip6', name: 'filter', chains: [] };
    parsed.tables.push(filter);
  }
  const standard: Origin = { text: "ufw's before.rules: loopback and established connections accepted" };
  const hasUserInput = filter.chains.some((chain) => chain.name === 'ufw-user-input');
  filter.chains.push({
    name: 'ufw-input',
    hook: 'input',
    type: 'filter',
    priority: 0,
    policy: defaults.inputPolicy,
    origin: {
      file: UFW_DEFAULTS_PATH,
      ...(defaults.inputPolicyLine ? { line: defaults.inputPolicyLine } : {}),
      text: `DEFAULT_INPUT_POLICY ${defaults.inputPolicy === 'drop' ? 'DROP' : 'ACCEPT'}`,
    },
    rules: [
      {
        matches: [{ kind: 'interface', direction: 'in', negate: false, names: ['lo'] }],
        action: { kind: 'accept' },
        origin: standard,
      },
      {
        matches: [{ kind: 'ctState', negate: false, states: ['related', 'established'] }],
        action: { kind: 'accept' },
        origin: standard,
      },
      ...(hasUserInput
        ? [
            {
              matches: [],
              action: { kind: 'jump' as const, chain: 'ufw-user-input' },
              origin: { text: 'ufw-before-input → ufw-user-input' },
            },
          ]
        : []),
    ],
  });
  return parsed;
}
