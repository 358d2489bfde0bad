import type {
  Action,
  Family,
  FirewallChain,
  FirewallProblem,
  FirewallRule,
  FirewallRuleset,
  FirewallTable,
  Match,
  TableFamily,
} from './firewall/model.js';
import { comparisonRange, normaliseProtocol, parseAddressValues, parsePortValues } from './firewall/values.js';
import { appendAll } from './lists.js';
import { type VmapElement, verdictAction, vmapKeyOf, vmapRules } from './nftables-vmap.js';
import { jsonOverLimits, PARSE_LIMITS, ParseLimitError } from './parse-limits.js';

// `nft -j list ruleset` (libnftables-json(5)) into the model: the kernel's ruleset as it is loaded. Expressions the
// model does not know (iptables-nft's `xt`, `fib`, `limit`, ...) become unknown matches.

type Json = Record<string, unknown>;
const TRANSPORTS = new Set(['tcp', 'udp', 'th', 'sctp', 'dccp', 'udplite']);

/** Throws a ParseLimitError for output over PARSE_LIMITS.nftJson, any other Error for output that is not nft's JSON. */
export function parseNftJson(text: string): FirewallRuleset {
  const overLimit = jsonOverLimits(text, PARSE_LIMITS.nftJson);
  if (overLimit) throw new ParseLimitError('nft -j list ruleset', overLimit);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`nft -j output is not JSON: ${(error as Error).message}`);
  }
  const items = (document as Json | undefined)?.nftables;
  if (!Array.isArray(items)) throw new Error('nft -j output has no "nftables" array');
  const problems: FirewallProblem[] = [];
  const tables = new Map<string, FirewallTable>();
  const sets = new Map<string, string[]>();
  const tableOf = (family: string, name: string) => {
    const key = `${family} ${name}`;
    let table = tables.get(key);
    if (!table) {
      table = { backend: 'nftables', family: family as TableFamily, name, chains: [] };
      tables.set(key, table);
    }
    return table;
  };
  // A rule's comment is free text of the ruleset (an operator's note, or anything a hostile host put there): the
  // rule is named by its table, chain and handle only.
  const origin = (family: string, table: string, chain: string, handle: unknown) => ({
    text: `${family} ${table} ${chain} handle ${String(handle)}`,
  });
  for (const item of items as Json[]) {
    if (item.set && typeof item.set === 'object') {
      const set = item.set as Json;
      const elements = Array.isArray(set.elem) ? set.elem.map(elementText) : [];
      sets.set(
        `${set.family} ${set.table} ${set.name}`,
        elements.filter((element) => element !== undefined),
      );
    }
  }
  for (const item of items as Json[]) {
    if (item.table) {
      const table = item.table as Json;
      tableOf(String(table.family), String(table.name));
    } else if (item.chain) {
      const chain = item.chain as Json;
      const table = tableOf(String(chain.family), String(chain.table));
      const model: FirewallChain = {
        name: String(chain.name),
        type: typeof chain.type === 'string' ? chain.type : 'filter',
        priority: typeof chain.prio === 'number' ? chain.prio : 0,
        policy: chain.policy === 'drop' ? 'drop' : 'accept',
        rules: [],
        origin: {
          text: `chain ${chain.family} ${chain.table} ${chain.name}${chain.policy ? ` policy ${chain.policy}` : ''}`,
        },
        ...(typeof chain.hook === 'string' ? { hook: chain.hook } : {}),
      };
      table.chains.push(model);
    } else if (item.rule) {
      const rule = item.rule as Json;
      const family = String(rule.family);
      const table = tableOf(family, String(rule.table));
      const chain = table.chains.find((candidate) => candidate.name === rule.chain);
      if (!chain) {
        problems.push({ message: 'a rule for a chain that is not listed' });
        continue;
      }
      const lookup = (name: string) => sets.get(`${family} ${rule.table} ${name}`);
      appendAll(
        chain.rules,
        convertRule(
          Array.isArray(rule.expr) ? (rule.expr as Json[]) : [],
          lookup,
          origin(family, String(rule.table), String(rule.chain), rule.handle),
        ),
      );
    }
  }
  return { tables: [...tables.values()], problems };
}

/** An element of a set or a right-hand side, in the text form the value readers take. */
function elementText(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (!value || typeof value !== 'object') return undefined;
  const object = value as Json;
  if (object.elem) return elementText((object.elem as Json).val);
  if (object.prefix) {
    const prefix = object.prefix as Json;
    return `${prefix.addr}/${prefix.len}`;
  }
  if (Array.isArray(object.range)) return `${elementText(object.range[0])}-${elementText(object.range[1])}`;
  return undefined;
}

function rightValues(right: unknown, lookup: (name: string) => string[] | undefined): string[] | undefined {
  if (typeof right === 'string' && right.startsWith('@')) return lookup(right.slice(1));
  if (Array.isArray(right)) return collect(right);
  if (right && typeof right === 'object' && Array.isArray((right as Json).set))
    return collect((right as Json).set as unknown[]);
  const single = elementText(right);
  return single === undefined ? undefined : [single];
}

function collect(values: unknown[]): string[] | undefined {
  const out = values.map(elementText);
  return out.every((value) => value !== undefined) ? (out as string[]) : undefined;
}

/** The selector words of a vmap key expression (`{"ct": {"key": "state"}}` → ct state), as the text reader has them. */
function keyWords(key: unknown): string[] {
  const object = (key ?? {}) as Json;
  if (object.ct) return ['ct', String((object.ct as Json).key)];
  if (object.meta) return ['meta', String((object.meta as Json).key)];
  if (object.payload) {
    const payload = object.payload as Json;
    return [String(payload.protocol), String(payload.field)];
  }
  return [];
}

/** The elements of a vmap's `data`: `{"set": [[key, verdict], ...]}`; undefined when any is not understood. */
function vmapElements(data: unknown): VmapElement[] | undefined {
  const pairs = data && typeof data === 'object' ? (data as Json).set : undefined;
  if (!Array.isArray(pairs)) return undefined;
  const elements: VmapElement[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const key = elementText(pair[0]);
    const [verb, body] = Object.entries((pair[1] ?? {}) as Json)[0] ?? [''];
    if (key === undefined) return undefined;
    const target = body && typeof body === 'object' ? (body as Json).target : undefined;
    const verdict = verdictAction(typeof target === 'string' ? [verb, target] : [verb]);
    elements.push({ key, ...(verdict ? { verdict } : {}) });
  }
  return elements;
}

function convertRule(
  expressions: Json[],
  lookup: (name: string) => string[] | undefined,
  origin: FirewallRule['origin'],
): FirewallRule[] {
  const matches: Match[] = [];
  let action: Action = { kind: 'continue' };
  for (const expression of expressions) {
    const [key, body] = Object.entries(expression)[0] ?? ['', undefined];
    if (key === 'match') {
      appendAll(matches, convertMatch(body as Json, lookup));
    } else if (key === 'accept' || key === 'drop' || key === 'return' || key === 'continue' || key === 'reject') {
      action = { kind: key };
    } else if (key === 'jump' || key === 'goto') {
      action = { kind: key, chain: String((body as Json).target) };
    } else if (key === 'dnat') {
      const target = body as Json;
      action = {
        kind: 'dnat',
        ...(typeof target.addr === 'string' ? { address: target.addr } : {}),
        ...(typeof target.port === 'number' ? { port: target.port } : {}),
      };
    } else if (key === 'snat' || key === 'masquerade' || key === 'redirect') {
      action = { kind: 'nat' };
    } else if (key === 'counter' || key === 'log' || key === 'comment') {
      // filters nothing
    } else if (key === 'vmap') {
      const map = body as Json;
      const words = keyWords(map.key);
      const known = vmapKeyOf(words);
      // A key the model does not read is undecided for every element.
      const prefix: Match[] = known ? matches : [...matches, { kind: 'unknown', text: JSON.stringify(map.key) }];
      return vmapRules(prefix, known, words.join(' ') || 'map key', vmapElements(map.data), origin);
    } else if (key === 'queue') {
      action = { kind: 'unknown', text: key };
    } else {
      matches.push({ kind: 'unknown', text: JSON.stringify(expression) });
    }
  }
  return [{ matches, action, origin }];
}

function convertMatch(match: Json, lookup: (name: string) => string[] | undefined): Match[] {
  const unknown: Match[] = [{ kind: 'unknown', text: JSON.stringify({ match }) }];
  const op = String(match.op);
  const left = (match.left ?? {}) as Json;
  const values = rightValues(match.right, lookup);
  if (!values) return unknown;
  const negate = op === '!=';
  const equality = op === '==' || op === '!=' || op === 'in';
  if (left.payload) {
    const payload = left.payload as Json;
    const protocol = String(payload.protocol);
    const field = String(payload.field);
    if (TRANSPORTS.has(protocol) && field === 'dport') {
      const single = values.length === 1 ? Number(values[0]) : Number.NaN;
      const ports = equality
        ? parsePortValues(values)
        : Number.isInteger(single)
          ? [comparisonRange(op, single)].filter((range) => range !== undefined)
          : undefined;
      return ports?.length ? [{ kind: 'dport', negate, protocols: [protocol], ports }] : unknown;
    }
    if ((protocol === 'ip' || protocol === 'ip6') && (field === 'saddr' || field === 'daddr')) {
      const family: Family = protocol === 'ip' ? 'ipv4' : 'ipv6';
      const ranges = equality ? parseAddressValues(values) : undefined;
      return ranges ? [{ kind: 'address', field, family, negate, ranges }] : unknown;
    }
    if ((protocol === 'ip' && field === 'protocol') || (protocol === 'ip6' && field === 'nexthdr')) {
      const family: Family = protocol === 'ip' ? 'ipv4' : 'ipv6';
      return [
        { kind: 'family', family },
        { kind: 'protocol', negate, protocols: values.map(normaliseProtocol) },
      ];
    }
    if (protocol === 'icmp' || protocol === 'icmpv6') {
      return [{ kind: 'protocol', negate: false, protocols: [normaliseProtocol(protocol)] }, ...unknown];
    }
    return TRANSPORTS.has(protocol) && protocol !== 'th'
      ? [{ kind: 'protocol', negate: false, protocols: [protocol] }, ...unknown]
      : unknown;
  }
  if (left.meta && equality) {
    const metaKey = String((left.meta as Json).key);
    if (metaKey === 'l4proto') return [{ kind: 'protocol', negate, protocols: values.map(normaliseProtocol) }];
    if (['iif', 'iifname', 'oif', 'oifname'].includes(metaKey)) {
      if (values.some((value) => /^\d+$/.test(value))) return unknown;
      return [{ kind: 'interface', direction: metaKey.startsWith('i') ? 'in' : 'out', negate, names: values }];
    }
    if (metaKey === 'nfproto' && values.length === 1 && (values[0] === 'ipv4' || values[0] === 'ipv6')) {
      const named = values[0] as Family;
      return [{ kind: 'family', family: negate ? (named === 'ipv4' ? 'ipv6' : 'ipv4') : named }];
    }
  }
  if (left.ct && (left.ct as Json).key === 'state' && equality) {
    return [{ kind: 'ctState', negate, states: values.map((state) => state.toLowerCase()) }];
  }
  return unknown;
}
