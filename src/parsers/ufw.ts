import type { Family, FirewallRuleset, Origin } from './firewall/model.js';
import { parseIptablesSave } from './iptables-save.js';

// ufw keeps its state in files: /etc/ufw/ufw.conf (`ENABLED=yes` makes it load at boot), /etc/default/ufw (default
// policies, `IPV6=yes`), and the user's rules in /etc/ufw/user.rules / user6.rules (iptables-save format, chains
// ufw-user-input / ufw6-user-input). ufw's own before.rules accept loopback and established traffic, then its input
// chain jumps to the user chain and ends in the default input policy: that shape is rebuilt here around the user's
// rules. With IPV6=no, ufw drops every IPv6 packet but loopback (ufw-init-functions).

export interface UfwSettings {
  enabled: boolean;
  /** Line of ENABLED= in ufw.conf. */
  enabledLine?: number;
}

export interface UfwDefaults {
  inputPolicy: 'accept' | 'drop';
  inputPolicyLine?: number;
  ipv6: boolean;
  /** Line of IPV6= in /etc/default/ufw. */
  ipv6Line?: number;
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
  const ipv6 = values.get('IPV6');
  return {
    inputPolicy: policy && policy.value.toUpperCase() === 'ACCEPT' ? 'accept' : 'drop',
    ...(policy ? { inputPolicyLine: policy.line } : {}),
    ipv6: (ipv6?.value ?? 'yes').toLowerCase() === 'yes',
    ...(ipv6 ? { ipv6Line: ipv6.line } : {}),
  };
}

export const UFW_DEFAULTS_PATH = '/etc/default/ufw';

/** The ruleset ufw loads for one family: its standard input chain around the user's rules (IPv6 off: drop). */
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
  const loopback = {
    matches: [{ kind: 'interface' as const, direction: 'in' as const, negate: false, names: ['lo'] }],
    action: { kind: 'accept' as const },
    origin: standard,
  };
  if (family === 'ipv6' && !defaults.ipv6) {
    filter.chains.push({
      name: 'ufw6-input',
      hook: 'input',
      type: 'filter',
      priority: 0,
      policy: 'drop',
      origin: {
        file: UFW_DEFAULTS_PATH,
        ...(defaults.ipv6Line ? { line: defaults.ipv6Line } : {}),
        text: 'IPV6=no: ufw drops all IPv6 but loopback',
      },
      rules: [loopback],
    });
    return parsed;
  }
  // ufw names its IPv6 chains ufw6-*; a hand-written user6.rules with the IPv4 names is read too.
  const userInput = [family === 'ipv6' ? 'ufw6-user-input' : 'ufw-user-input', 'ufw-user-input'].find((name) =>
    filter.chains.some((chain) => chain.name === name),
  );
  filter.chains.push({
    name: family === 'ipv6' ? 'ufw6-input' : 'ufw-input',
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
      loopback,
      {
        matches: [{ kind: 'ctState', negate: false, states: ['related', 'established'] }],
        action: { kind: 'accept' },
        origin: standard,
      },
      ...(userInput
        ? [
            {
              matches: [],
              action: { kind: 'jump' as const, chain: userInput },
              origin: { text: `${family === 'ipv6' ? 'ufw6' : 'ufw'}-before-input → ${userInput}` },
            },
          ]
        : []),
    ],
  });
  return parsed;
}
