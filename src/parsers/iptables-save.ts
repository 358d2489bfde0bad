import type {
  Action,
  Backend,
  Family,
  FirewallChain,
  FirewallRule,
  FirewallRuleset,
  FirewallTable,
  Match,
} from './firewall/model.js';
import { cappedProblems } from './firewall/problems.js';
import { normaliseProtocol, parseAddressValues, parsePortValues } from './firewall/values.js';
import { isSpace } from './whitespace.js';

// iptables-save / ip6tables-save output (and /etc/iptables/rules.v4|v6, ufw's user.rules, which share the format):
// `*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN <match...> -j TARGET`, `COMMIT`. Options the model doesn't know become
// unknown matches, never a silent accept or drop.

const HOOKS: Record<string, string> = {
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  PREROUTING: 'prerouting',
  POSTROUTING: 'postrouting',
};
/** iptables' tables as nft chain types and priorities (nft(8), "CHAINS"). */
const TABLE_TYPES: Record<string, { type: string; priority: number }> = {
  raw: { type: 'other', priority: -300 },
  mangle: { type: 'other', priority: -150 },
  nat: { type: 'nat', priority: -100 },
  filter: { type: 'filter', priority: 0 },
  security: { type: 'other', priority: 50 },
};
/** Options that take no value (after `-m` modules, most options take exactly one). */
const FLAGS = new Set(['--syn', '--rcheck', '--update', '--set', '--remove', '--rsource', '--rdest']);

/** What `.` does not match: a backslash before one of these escapes nothing. */
function isLineTerminator(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** The index of the `"` closing a quoted word opened at `open`, stepping over `\x` escapes; -1 when none does. */
function closingQuote(line: string, open: number): number {
  for (let i = open + 1; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x22) return i;
    if (code === 0x5c) {
      if (i + 1 >= line.length || isLineTerminator(line.charCodeAt(i + 1))) return -1;
      i++;
    }
  }
  return -1;
}

/**
 * Splits a line like a shell would for quotes (iptables-save quotes comments): a closed `"…"` is one word (without
 * its quotes), anything else runs to the next space. One pass of charCodeAt: the `matchAll` it replaces cloned its
 * regex per line, 3 µs a line (a 1 MB file of one-character lines took 1.5 s, issue #18). A failed scan for a
 * closing quote runs to the line's end, but then no later word can start with a quote that scan did not consume as
 * `\"`, and a word starts after a space, never after a backslash: so at most one scan fails per line.
 */
function words(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (isSpace(line.charCodeAt(i))) {
      i++;
      continue;
    }
    if (line.charCodeAt(i) === 0x22) {
      const close = closingQuote(line, i);
      if (close !== -1) {
        out.push(line.slice(i + 1, close));
        i = close + 1;
        continue;
      }
    }
    const start = i;
    while (i < line.length && !isSpace(line.charCodeAt(i))) i++;
    out.push(line.slice(start, i));
  }
  return out;
}

export function parseIptablesSave(
  text: string,
  options: { family: Family; file?: string; backend?: Backend },
): FirewallRuleset {
  const { family, file } = options;
  // Capped: a file of garbage is a problem per line (src/parsers/firewall/problems.ts).
  const problems = cappedProblems();
  const tables: FirewallTable[] = [];
  let table: FirewallTable | undefined;
  // Each table's chains by name: `chains.find` per line, and per rule's jump below, was quadratic in the chains
  // (40,000 `:C<n>` lines took 9 s, with a jump to each 30 s; issue #18).
  const chainsByName = new Map<FirewallTable, Map<string, FirewallChain>>();
  // A chain's `-I` rules, put in front once at the end: unshift per line was quadratic (110,000 lines took 5 s).
  const inserted = new Map<FirewallChain, FirewallRule[]>();
  const chainOf = (name: string, line: number): FirewallChain => {
    let named = chainsByName.get(table!);
    if (!named) {
      named = new Map();
      chainsByName.set(table!, named);
    }
    let chain = named.get(name);
    if (!chain) {
      const kind = TABLE_TYPES[table!.name] ?? { type: 'other', priority: 0 };
      chain = {
        name,
        type: kind.type,
        priority: kind.priority,
        policy: 'accept',
        rules: [],
        origin: { ...(file ? { file } : {}), line, text: `:${name}` },
        ...(HOOKS[name] ? { hook: HOOKS[name] } : {}),
      };
      table!.chains.push(chain);
      named.set(name, chain);
    }
    return chain;
  };
  // One pass with indexOf, not split and forEach: no array of every line besides the rules built from them.
  let lineNumber = 0;
  for (let from = 0; from <= text.length; ) {
    const newline = text.indexOf('\n', from);
    const stop = newline === -1 ? text.length : newline;
    const line = text.slice(from, stop).trim();
    from = stop + 1;
    lineNumber += 1;
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = {
        backend: options.backend ?? 'iptables',
        family: family === 'ipv4' ? 'ip' : 'ip6',
        name: line.slice(1),
        chains: [],
      };
      tables.push(table);
      continue;
    }
    if (!table) {
      if (problems.full()) problems.drop(file, false);
      else problems.push({ ...(file ? { file } : {}), line: lineNumber, message: 'rule outside a *table section' });
      continue;
    }
    if (line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(/\s+/);
      const chain = chainOf(name, lineNumber);
      if (policy === 'DROP' || policy === 'ACCEPT') {
        chain.policy = policy === 'DROP' ? 'drop' : 'accept';
        chain.origin = { ...(file ? { file } : {}), line: lineNumber, text: `:${name} ${policy}` };
      }
      continue;
    }
    const parts = words(line);
    const verb = parts[0];
    if ((verb === '-A' || verb === '-I') && parts[1]) {
      const origin = file ? { file, line: lineNumber, text: '' } : { line: lineNumber, text: '' };
      const rule = parseRule(parts, 2, family, origin);
      const chain = chainOf(parts[1], lineNumber);
      if (verb === '-I') {
        const before = inserted.get(chain);
        if (before) before.push(rule);
        else inserted.set(chain, [rule]);
      } else chain.rules.push(rule);
      continue;
    }
    if ((verb === '-N' || verb === '-P') && parts[1]) {
      const chain = chainOf(parts[1], lineNumber);
      if (verb === '-P' && (parts[2] === 'DROP' || parts[2] === 'ACCEPT'))
        chain.policy = parts[2] === 'DROP' ? 'drop' : 'accept';
      continue;
    }
    // Past the cap the problem is only counted: building each one cost as much as reading its line.
    if (problems.full()) problems.drop(file, false);
    else problems.push({ ...(file ? { file } : {}), line: lineNumber, message: 'a line not understood' });
  }
  // Each `-I` went to the top: the inserted rules in reverse, then the appended ones.
  for (const [chain, rules] of inserted) chain.rules = rules.reverse().concat(chain.rules);
  // A jump to a chain the table doesn't define is an extension target the model doesn't know.
  for (const each of tables) {
    const defined = chainsByName.get(each);
    for (const chain of each.chains) {
      for (const rule of chain.rules) {
        const action = rule.action;
        if ((action.kind === 'jump' || action.kind === 'goto') && !defined?.has(action.chain)) {
          rule.action = { kind: 'unknown', text: action.chain };
        }
      }
    }
  }
  return { tables, problems: problems.finish() };
}

/** Match modules the parser knows by name: another is shown as a placeholder (it could be any text). */
const KNOWN_MODULES = new Set(
  (
    'tcp udp udplite sctp dccp icmp icmp6 icmpv6 comment conntrack state multiport limit hashlimit recent set iprange ' +
    'addrtype mark connmark connlimit owner physdev pkttype string time u32 length ttl hl tos dscp mac policy rt frag ' +
    'ah esp ipv6header hbh dst mh socket cgroup bpf devgroup statistic quota nfacct rpfilter realm helper cpu cluster ' +
    'ecn tcpmss osf'
  ).split(' '),
);
const KNOWN_STATES = new Set(['new', 'established', 'related', 'invalid', 'untracked', 'snat', 'dnat']);

/**
 * A rule as evidence may quote it: the words the parser understood (options, protocols, addresses, ports, interface
 * and chain names), with everything else as a placeholder: a comment or a log prefix is free text, and an option or
 * value not understood could be anything a hostile host wrote there (a pasted token included).
 */
function shownRule(parts: readonly string[], hidden: ReadonlySet<number>, freeText: ReadonlySet<number>): string {
  const out: string[] = [];
  parts.forEach((part, index) => {
    if (freeText.has(index)) out.push('"…"');
    else if (hidden.has(index)) {
      if (out[out.length - 1] !== '…') out.push('…');
    } else out.push(/[\s"]/.test(part) || part === '' ? JSON.stringify(part) : part);
  });
  return out.join(' ');
}

/** The rule of `parts` from index `from` (after `-A CHAIN`). */
function parseRule(parts: string[], from: number, family: Family, origin: FirewallRule['origin']): FirewallRule {
  const matches: Match[] = [];
  let action: Action = { kind: 'continue' };
  let protocols: string[] | undefined;
  let i = from;
  // Part indexes the evidence text shows as a placeholder (shownRule).
  const hidden = new Set<number>();
  const freeText = new Set<number>();
  const unknown = (text: string, optionAt?: number, valueAt?: number) => {
    matches.push({ kind: 'unknown', text });
    if (optionAt !== undefined) hidden.add(optionAt);
    if (valueAt !== undefined) hidden.add(valueAt);
  };
  const value = () => parts[i++] ?? '';
  while (i < parts.length) {
    let negate = false;
    if (parts[i] === '!') {
      negate = true;
      i++;
    }
    const optionAt = i;
    const option = parts[i++] ?? '';
    if (option === '-p' || option === '--protocol') {
      const protocol = normaliseProtocol(value());
      if (protocol !== 'all') {
        protocols = [protocol];
        matches.push({ kind: 'protocol', negate, protocols: [protocol] });
      }
    } else if (option === '-s' || option === '--source' || option === '-d' || option === '--destination') {
      const text = value();
      const ranges = parseAddressValues(text.split(','));
      const field = option.startsWith('-s') || option === '--source' ? 'saddr' : 'daddr';
      if (ranges) matches.push({ kind: 'address', field, family, negate, ranges });
      else unknown(`${option} ${text}`, optionAt, optionAt + 1);
    } else if (option === '-i' || option === '--in-interface' || option === '-o' || option === '--out-interface') {
      const name = value().replace(/\+$/, '*');
      matches.push({
        kind: 'interface',
        direction: option === '-i' || option === '--in-interface' ? 'in' : 'out',
        negate,
        names: [name],
      });
    } else if (option === '-m' || option === '--match') {
      // The module's options follow.
      if (!KNOWN_MODULES.has(value())) hidden.add(i - 1);
    } else if (
      option === '--dport' ||
      option === '--dports' ||
      option === '--destination-port' ||
      option === '--destination-ports'
    ) {
      const text = value();
      const ports = parsePortValues(text.split(','));
      if (ports && protocols) matches.push({ kind: 'dport', negate, protocols, ports });
      else unknown(`${option} ${text}`, optionAt, optionAt + 1);
    } else if (option === '--ctstate' || option === '--state') {
      const states = value().toLowerCase().split(',');
      matches.push({ kind: 'ctState', negate, states });
      if (!states.every((state) => KNOWN_STATES.has(state))) hidden.add(i - 1);
    } else if (option === '--comment') {
      value();
      freeText.add(i - 1);
    } else if (option === '-j' || option === '--jump' || option === '-g' || option === '--goto') {
      action = target(value(), option === '-g' || option === '--goto', parts.slice(i));
      // A target's own options (a log prefix, a reject type, a mark) are not needed to judge the rule.
      for (let rest = i; rest < parts.length; rest++) hidden.add(rest);
      break;
    } else if (FLAGS.has(option)) {
      unknown(option);
    } else {
      const valueAt = parts[i] && !parts[i]!.startsWith('-') ? i : undefined;
      unknown(`${negate ? '! ' : ''}${option} ${parts[i] ?? ''}`.trim(), optionAt, valueAt);
      if (valueAt !== undefined) i++;
    }
  }
  origin.text = shownRule(parts, hidden, freeText);
  return { matches, action, origin };
}

function target(name: string, isGoto: boolean, rest: string[]): Action {
  if (name === 'ACCEPT') return { kind: 'accept' };
  if (name === 'DROP') return { kind: 'drop' };
  if (name === 'REJECT') return { kind: 'reject' };
  if (name === 'RETURN') return { kind: 'return' };
  // Targets that let the packet go on.
  if (['LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'TCPMSS', 'CT', 'NOTRACK', 'TRACE', 'AUDIT'].includes(name)) {
    return { kind: 'continue' };
  }
  if (name === 'DNAT') {
    const at = rest.indexOf('--to-destination');
    const to = at === -1 ? undefined : rest[at + 1];
    const bareV6 = to !== undefined && !to.startsWith('[') && to.split(':').length > 2;
    const parsed = to && !bareV6 ? /^\[?([^\]]*?)\]?(?::(\d+)(?:-\d+)?)?$/.exec(to) : undefined;
    if (bareV6) return { kind: 'dnat', address: to };
    return {
      kind: 'dnat',
      ...(parsed?.[1] ? { address: parsed[1] } : {}),
      ...(parsed?.[2] ? { port: Number(parsed[2]) } : {}),
    };
  }
  if (['SNAT', 'MASQUERADE', 'REDIRECT'].includes(name)) return { kind: 'nat' };
  return { kind: isGoto ? 'goto' : 'jump', chain: name };
}
