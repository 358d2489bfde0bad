import type { Action, Family, FirewallRule, Match, Origin, TableFamily } from './firewall/model.js';
import {
  comparisonRange,
  normaliseProtocol,
  parseAddressValues,
  parsePort,
  parsePortValues,
} from './firewall/values.js';
import { appendAll } from './lists.js';
import type { NftToken } from './nftables-syntax.js';
import { type VmapElement, type VmapKey, verdictAction, vmapKeyOf, vmapRules } from './nftables-vmap.js';

// One nft rule (nft(8) "PRIMARY EXPRESSIONS", "STATEMENTS") into the model. Selectors that decide a new inbound TCP
// connection become matches; statements that filter nothing (counter, log, comment) are skipped; everything else
// becomes an `unknown` match or action, never a guess. A verdict map becomes one rule per element (nftables-vmap.ts).

export interface RuleScope {
  tableFamily: TableFamily;
  /** Elements of `define`d variables and of the table's named sets. */
  variable(name: string): string[] | undefined;
  set(name: string): string[] | undefined;
  /** Told about a statement `nft -f` refuses (a word that starts no expression or statement, e.g. `acept`). */
  reject?(token: NftToken, message: string): void;
  /** Counts elements a `$var` or `@set` copies into the rule; false when that is past the parse's bound. */
  charge?(count: number, token: NftToken | undefined): boolean;
}

/** Words that start an expression or statement: an unknown expression ends where one of these begins. */
const STARTS = new Set([
  'ip',
  'ip6',
  'tcp',
  'udp',
  'th',
  'sctp',
  'dccp',
  'udplite',
  'meta',
  'iif',
  'iifname',
  'oif',
  'oifname',
  'l4proto',
  'nfproto',
  'ct',
  'icmp',
  'icmpv6',
  'counter',
  'log',
  'limit',
  'comment',
  'accept',
  'drop',
  'reject',
  'jump',
  'goto',
  'return',
  'continue',
  'queue',
  'dnat',
  'snat',
  'masquerade',
  'redirect',
  'notrack',
  'fib',
  'mark',
  'pkttype',
  'vmap',
]);
/**
 * Every other word nft(8) accepts at the start of an expression or statement. A rule word outside STARTS and this
 * list is a syntax error to nft (the whole file then fails to load); inside it, the expression is valid but not
 * modelled, so it stays an `unknown` match.
 */
const OTHER_NFT_WORDS = new Set([
  'ether',
  'vlan',
  'arp',
  'rt',
  'rt0',
  'rt2',
  'srh',
  'hbh',
  'frag',
  'dst',
  'mh',
  'ah',
  'esp',
  'comp',
  'igmp',
  'gre',
  'gretap',
  'geneve',
  'vxlan',
  'inner',
  'ipsec',
  'socket',
  'osf',
  'numgen',
  'jhash',
  'symhash',
  'tproxy',
  'synproxy',
  'flow',
  'add',
  'update',
  'delete',
  'set',
  'quota',
  'dup',
  'fwd',
  'meter',
  'exthdr',
  'secmark',
  'xt',
  'last',
  'cgroupv2',
  'iifgroup',
  'oifgroup',
  'iiftype',
  'oiftype',
  'iifkind',
  'oifkind',
  'skuid',
  'skgid',
  'cpu',
  'priority',
  'nftrace',
  'rtclassid',
  'ibrname',
  'obrname',
  'ibrvproto',
  'ibrpvid',
  'length',
  'protocol',
  'random',
  'cgroup',
  'time',
  'day',
  'hour',
  'sdif',
  'sdifname',
  'broute',
  'ct',
  'map',
  'tunnel',
  'dccp',
  'ipv4',
  'ipv6',
]);
const OPERATORS = new Set(['==', '!=', 'eq', 'ne', '<', '>', '<=', '>=', 'lt', 'gt', 'le', 'ge']);
const TRANSPORTS = new Set(['tcp', 'udp', 'th', 'sctp', 'dccp', 'udplite']);
const META_KEYS = new Set(['iif', 'iifname', 'oif', 'oifname', 'l4proto', 'nfproto']);

/** `KEY vmap { value : verdict, ... }` element text, as the value reader joins it. */
function vmapElement(text: string): VmapElement | undefined {
  const element = /^(.+?)\s*:\s*(\S+(?:\s+\S+)?)$/.exec(text);
  if (!element) return undefined;
  const verdict = verdictAction(element[2]!.split(/\s+/));
  return { key: element[1]!, ...(verdict ? { verdict } : {}) };
}

/** Words whose string argument is free text: `comment "…"`, `log prefix "…"`. */
const FREE_TEXT_WORDS = new Set(['comment', 'prefix']);

/** One nft rule statement: its rule, or the rules its verdict map stands for. */
/** Is `word` one nft(8) accepts at the start of a rule's expression or statement? */
export function isNftRuleWord(word: string): boolean {
  return STARTS.has(word) || OTHER_NFT_WORDS.has(word);
}

export function parseNftRules(tokens: NftToken[], scope: RuleScope): FirewallRule[] {
  const first = tokens[0];
  const origin: Origin = { ...(first ? { file: first.file, line: first.line } : {}), text: '' };
  // Token indexes the evidence text shows as a placeholder: what was not understood could be anything the file holds.
  const hidden = new Set<number>();
  const rules = rulesOfTokens(tokens, scope, origin, hidden);
  const shown: string[] = [];
  tokens.forEach((token, index) => {
    if (hidden.has(index)) {
      if (shown[shown.length - 1] !== '…') shown.push('…');
    } else if (token.kind !== 'string') shown.push(token.text);
    // A rule's comment and a log prefix are free text (anything a hostile host wrote there): a placeholder.
    else shown.push(FREE_TEXT_WORDS.has(tokens[index - 1]?.text ?? '') ? '"…"' : `"${token.text}"`);
  });
  origin.text = shown.join(' ');
  return rules;
}

function rulesOfTokens(tokens: NftToken[], scope: RuleScope, origin: Origin, hidden: Set<number>): FirewallRule[] {
  const matches: Match[] = [];
  let action: Action = { kind: 'continue' };
  let i = 0;
  const peek = () => tokens[i];
  const word = () => tokens[i++]?.text ?? '';
  const unknown = (start: number) => {
    while (i < tokens.length && !(tokens[i]!.kind === 'word' && STARTS.has(tokens[i]!.text))) i++;
    const text = tokens
      .slice(start, i)
      .map((token) => token.text)
      .join(' ');
    matches.push({ kind: 'unknown', text });
    // Its first word, when nft's own (`ether`, `fib`, `ct`), names the expression; the rest could be anything.
    const named = tokens[start]?.kind === 'word' && isNftRuleWord(tokens[start]!.text) ? start + 1 : start;
    for (let index = named; index < i; index++) hidden.add(index);
  };
  const operator = (): string => {
    const next = peek();
    if (next?.kind === 'word' && OPERATORS.has(next.text)) {
      i++;
      return next.text === 'eq' ? '==' : next.text === 'ne' ? '!=' : next.text;
    }
    return '==';
  };
  const value = (): string[] | undefined => {
    const next = tokens[i];
    if (!next) return undefined;
    if (next.kind === '{') {
      const elements: string[] = [];
      let depth = 0;
      let current: string[] = [];
      const flush = () => {
        if (current.length) elements.push(current.join(' '));
        current = [];
      };
      for (; i < tokens.length; i++) {
        const token = tokens[i]!;
        if (token.kind === '{') depth++;
        else if (token.kind === '}') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        } else if (token.kind === ',') flush();
        else if (token.kind !== 'nl') current.push(token.text);
      }
      flush();
      return expand(elements);
    }
    if (next.kind !== 'word' && next.kind !== 'string') return undefined;
    i++;
    const elements = [next.text];
    while (tokens[i]?.kind === ',' && tokens[i + 1]) {
      elements.push(tokens[i + 1]!.text);
      i += 2;
    }
    return expand(elements);
  };
  const expand = (elements: string[]): string[] | undefined => {
    const out: string[] = [];
    for (const element of elements) {
      const resolved = element.startsWith('$')
        ? scope.variable(element.slice(1))
        : element.startsWith('@')
          ? scope.set(element.slice(1))
          : [element];
      if (!resolved) return undefined;
      // A named set or variable is copied into each rule that names it: counted, so the copies stay bounded.
      if (resolved.length > 1 && scope.charge && !scope.charge(resolved.length, tokens[0])) return undefined;
      appendAll(out, resolved);
    }
    return out;
  };
  const isMap = () => peek()?.kind === 'word' && (peek()!.text === 'vmap' || peek()!.text === 'map');
  let mapped: FirewallRule[] | undefined;
  /** At `vmap` (or a data `map`, which decides nothing the model knows): the rule ends here. */
  const verdictMap = (keyWords: string[]) => {
    const isVerdictMap = peek()?.text === 'vmap';
    i++;
    const values = isVerdictMap ? value() : undefined;
    const elements = values?.map(vmapElement);
    const readable = elements?.every((element) => element !== undefined) ? (elements as VmapElement[]) : undefined;
    const key: VmapKey | undefined = isVerdictMap ? vmapKeyOf(keyWords) : undefined;
    mapped = isVerdictMap
      ? vmapRules(matches, key, keyWords.join(' ') || 'map key', readable, origin)
      : [{ matches, action: { kind: 'unknown', text: 'data map' }, origin }];
    i = tokens.length;
  };

  while (i < tokens.length) {
    const start = i;
    const token = tokens[i]!;
    if (token.kind !== 'word') {
      i++;
      continue;
    }
    const keyword = word();
    if ((keyword === 'ip' || keyword === 'ip6') && ['saddr', 'daddr'].includes(peek()?.text ?? '')) {
      const family: Family = keyword === 'ip' ? 'ipv4' : 'ipv6';
      const field = word() as 'saddr' | 'daddr';
      const op = operator();
      if (isMap()) {
        verdictMap([keyword, field]);
        break;
      }
      const ranges = op === '==' || op === '!=' ? parseAddressValues(value() ?? []) : undefined;
      if (!ranges) unknown(start);
      else matches.push({ kind: 'address', field, family, negate: op === '!=', ranges });
    } else if (keyword === 'ip' || keyword === 'ip6') {
      matches.push({ kind: 'family', family: keyword === 'ip' ? 'ipv4' : 'ipv6' });
      const field = word();
      if (field === 'protocol' || field === 'nexthdr') protocolMatch(operator(), value(), start);
      else unknown(start);
    } else if (TRANSPORTS.has(keyword) && peek()?.text === 'dport') {
      i++;
      const op = operator();
      if (isMap()) {
        verdictMap([keyword, 'dport']);
        break;
      }
      const values = value() ?? [];
      const single = values.length === 1 ? parsePort(values[0]!) : undefined;
      const ports =
        op === '==' || op === '!='
          ? parsePortValues(values)
          : single !== undefined
            ? [comparisonRange(op, single)].filter((range) => range !== undefined)
            : undefined;
      if (!ports?.length) unknown(start);
      else matches.push({ kind: 'dport', negate: op === '!=', protocols: [keyword], ports });
    } else if (TRANSPORTS.has(keyword)) {
      if (keyword !== 'th') matches.push({ kind: 'protocol', negate: false, protocols: [keyword] });
      unknown(start);
    } else if (keyword === 'icmp' || keyword === 'icmpv6') {
      matches.push({ kind: 'protocol', negate: false, protocols: [normaliseProtocol(keyword)] });
      unknown(start);
    } else if (keyword === 'meta' || META_KEYS.has(keyword)) {
      const key = keyword === 'meta' ? word() : keyword;
      if (peek()?.text === 'set') unknown(start);
      else metaMatch(key, start);
      if (mapped) break;
    } else if (keyword === 'ct' && peek()?.text === 'state') {
      i++;
      const op = operator();
      if (isMap()) {
        verdictMap(['ct', 'state']);
        break;
      }
      const states = value();
      if (!states || (op !== '==' && op !== '!=')) unknown(start);
      else matches.push({ kind: 'ctState', negate: op === '!=', states: states.map((state) => state.toLowerCase()) });
    } else if (keyword === 'counter') {
      while (['packets', 'bytes', 'name'].includes(peek()?.text ?? '')) i += 2;
    } else if (keyword === 'log') {
      while (['prefix', 'level', 'group', 'snaplen', 'queue-threshold', 'flags'].includes(peek()?.text ?? '')) {
        i++;
        value();
      }
    } else if (keyword === 'comment') {
      i++;
    } else if (keyword === 'accept' || keyword === 'drop' || keyword === 'return' || keyword === 'continue') {
      action = { kind: keyword };
    } else if (keyword === 'reject') {
      action = { kind: 'reject' };
      i = tokens.length;
    } else if ((keyword === 'jump' || keyword === 'goto') && peek()) {
      action = { kind: keyword, chain: word() };
    } else if (keyword === 'dnat') {
      action = dnatAction();
    } else if (['snat', 'masquerade', 'redirect'].includes(keyword)) {
      action = { kind: 'nat' };
      i = tokens.length;
    } else if (keyword === 'vmap' || keyword === 'map') {
      // A key this reader does not know (`ip saddr . tcp dport`, `fib daddr type`): already an unknown match.
      i--;
      verdictMap([]);
      break;
    } else if (keyword === 'queue') {
      action = { kind: 'unknown', text: 'queue' };
      i = tokens.length;
    } else {
      // `@th,16,16`, `$var`, `{ ... }` and numbers are values; a bare unknown word is a syntax error to nft.
      if (/^[a-z]/i.test(keyword) && !STARTS.has(keyword) && !OTHER_NFT_WORDS.has(keyword)) {
        // The word itself is not quoted: it is no keyword, so it may be anything the file holds.
        scope.reject?.(token, 'a word that is not an nft expression or statement');
      }
      unknown(start);
    }
  }
  return mapped ?? [{ matches, action, origin }];

  function protocolMatch(op: string, values: string[] | undefined, start: number) {
    if (!values || (op !== '==' && op !== '!=')) unknown(start);
    else matches.push({ kind: 'protocol', negate: op === '!=', protocols: values.map(normaliseProtocol) });
  }

  function metaMatch(key: string, start: number) {
    const op = operator();
    if (isMap()) return verdictMap([key]);
    const values = value();
    if (!values || (op !== '==' && op !== '!=')) return unknown(start);
    const negate = op === '!=';
    if (key === 'l4proto') return protocolMatch(op, values, start);
    if (key === 'iif' || key === 'iifname' || key === 'oif' || key === 'oifname') {
      // `iif` takes an interface name or an index; only names can be compared.
      if (values.some((name) => /^\d+$/.test(name))) return unknown(start);
      matches.push({ kind: 'interface', direction: key.startsWith('i') ? 'in' : 'out', negate, names: values });
      return;
    }
    if (key === 'nfproto' && values.length === 1 && (values[0] === 'ipv4' || values[0] === 'ipv6')) {
      const named = values[0] as Family;
      matches.push({ kind: 'family', family: negate ? (named === 'ipv4' ? 'ipv6' : 'ipv4') : named });
      return;
    }
    unknown(start);
  }

  function dnatAction(): Action {
    if (peek()?.text === 'ip' || peek()?.text === 'ip6') i++;
    if (peek()?.text === 'to') i++;
    const target = value()?.[0];
    i = tokens.length;
    if (!target) return { kind: 'dnat' };
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
    const plain = /^([^:]*):(\d+)$/.exec(target);
    const [address, port] = bracketed
      ? [bracketed[1], bracketed[2]]
      : plain && !target.includes('::')
        ? [plain[1], plain[2]]
        : [target, undefined];
    return {
      kind: 'dnat',
      ...(address ? { address } : {}),
      ...(port !== undefined ? { port: Number(port) } : {}),
    };
  }
}
