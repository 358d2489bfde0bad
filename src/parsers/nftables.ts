import type {
  FirewallChain,
  FirewallProblem,
  FirewallRule,
  FirewallRuleset,
  FirewallTable,
  TableFamily,
} from './firewall/model.js';
import { cappedProblems } from './firewall/problems.js';
import { appendAll } from './lists.js';
import { parseNftRules } from './nftables-rule.js';
import { type NftSources, type NftToken, tokenizeWithIncludes } from './nftables-syntax.js';

// The nft text syntax of /etc/nftables.conf (nft(8)): `flush ruleset`, `define`, `include`, `table` blocks with
// `chain` and `set` blocks, and the command forms `add|create|insert table|chain|rule|set|element`. What is not
// understood is reported as a problem and skipped; its rules are then missing, which the caller states.

const FAMILIES = new Set<TableFamily>(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
/** nft's named priorities for the ip/ip6/inet families. */
const PRIORITIES: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

/** Objects a table block may hold besides chains and sets; their bodies decide nothing the model reads. */
const TABLE_OBJECTS = new Set(['map', 'flowtable', 'counter', 'quota', 'ct', 'secmark', 'synproxy', 'limit', 'tunnel']);
/** nft's other commands and objects: valid, just not modelled, so not a reason the file fails to load. */
const NFT_COMMANDS = new Set([
  'delete',
  'destroy',
  'list',
  'reset',
  'rename',
  'flush',
  'describe',
  'export',
  'monitor',
]);
/** Words a message may quote: nft's own vocabulary, never the file's names or values. */
const NFT_KEYWORDS = new Set([
  ...TABLE_OBJECTS,
  ...NFT_COMMANDS,
  'add',
  'create',
  'insert',
  'replace',
  'table',
  'chain',
  'set',
  'rule',
  'element',
  'define',
  'redefine',
  'undefine',
  'include',
  'flags',
  'comment',
  'ruleset',
]);

/**
 * A word of the file in a message: quoted only when it is an nft keyword. Anything else may be a secret (an
 * included /etc/shadow is one unknown word per line), so it is only described.
 */
export function isNftKeyword(word: string): boolean {
  return NFT_KEYWORDS.has(word);
}

export function quoteKnown(word: string): string {
  return NFT_KEYWORDS.has(word) ? `"${word}"` : 'an unknown word';
}

interface TableState {
  table: FirewallTable;
  sets: Map<string, string[]>;
  /** Each set's elements once: nft's sets hold an element once, and a set re-opened by every include grew without end. */
  members: Map<string, Set<string>>;
}

/**
 * The most set and variable elements the parse copies, into rules (`ip saddr @set`), sets and other variables: each
 * reference copies its elements, so 28k includes of a file whose rule names its set made a set of 28k and 28k copies
 * of it (4 GB, issue #18), and `define b = { $a, $a }` doubles per line. A real ruleset copies far less: 40k rules on
 * 10-element sets are 400k, a 1M-address ban list named by three rules 3M. Past it the parse stops copying and says so
 * as a parse limit, so no verdict rests on what was left out.
 */
export const MAX_EXPANDED_ELEMENTS = 4_000_000;

/**
 * Adds to set `name` (creating it) the elements it does not hold yet, in order; appends, never copies the set. The
 * first list is taken as written (hashing a 600k-element ban list cost more than reading it); the membership set is
 * built when the set is added to again.
 */
function addElements(state: TableState, name: string, elements: readonly string[]): void {
  const list = state.sets.get(name);
  if (!list || list.length === 0) {
    state.sets.set(name, [...elements]);
    return;
  }
  if (elements.length === 0) return;
  let seen = state.members.get(name);
  if (!seen) {
    seen = new Set(list);
    state.members.set(name, seen);
  }
  for (const element of elements) {
    if (seen.has(element)) continue;
    seen.add(element);
    list.push(element);
  }
}

export function parseNftablesConf(mainPath: string, sources: NftSources): FirewallRuleset {
  // Capped: a file of garbage is a problem per token (src/parsers/firewall/problems.ts).
  const problems = cappedProblems();
  const tokens = tokenizeWithIncludes(mainPath, sources, problems);
  const tables = new Map<string, TableState>();
  const variables = new Map<string, string[]>();
  let i = 0;
  let expandedElements = 0;
  /** Counts `count` copied elements; false (and a parse-limit problem, once) past MAX_EXPANDED_ELEMENTS. */
  const charge = (count: number, token: NftToken | undefined): boolean => {
    if (expandedElements + count <= MAX_EXPANDED_ELEMENTS) {
      expandedElements += count;
      return true;
    }
    if (expandedElements <= MAX_EXPANDED_ELEMENTS) {
      expandedElements = MAX_EXPANDED_ELEMENTS + 1;
      problems.push({
        ...(token ? { file: token.file, line: token.line } : {}),
        message: `named sets and variables expand to more than ${MAX_EXPANDED_ELEMENTS} elements (parse limit); not read`,
        rejects: true,
        limit: true,
      });
    }
    return false;
  };

  const peek = () => tokens[i];
  const isWord = (text?: string) => peek()?.kind === 'word' && (text === undefined || peek()!.text === text);
  const problem = (token: NftToken | undefined, message: string, rejects = false) =>
    problems.full()
      ? problems.drop(token?.file, rejects)
      : problems.push({
          ...(token ? { file: token.file, line: token.line } : {}),
          message,
          ...(rejects ? { rejects: true } : {}),
        });
  /** At the end of a block body: EOF instead of `}` is a syntax error to nft, and nothing in the file loads. */
  const closeBlock = (open: NftToken | undefined, what: string) => {
    if (!peek()) problem(open, `${what} is opened here but never closed with "}"`, true);
    i++;
  };
  const skipSeparators = () => {
    while (peek() && (peek()!.kind === 'nl' || peek()!.kind === ';')) i++;
  };
  /** Tokens up to the end of the statement (newline or `;` outside braces). */
  const statement = (): NftToken[] => {
    const out: NftToken[] = [];
    let depth = 0;
    while (peek()) {
      const token = peek()!;
      if (depth === 0 && (token.kind === 'nl' || token.kind === ';' || token.kind === '}')) break;
      if (token.kind === '{') depth++;
      if (token.kind === '}') depth--;
      if (token.kind !== 'nl') out.push(token);
      i++;
    }
    return out;
  };
  const skipBlock = () => {
    let depth = 0;
    while (peek()) {
      const token = tokens[i++]!;
      if (token.kind === '{') depth++;
      if (token.kind === '}' && --depth <= 0) return;
    }
  };
  const elementsOf = (body: NftToken[]): string[] => {
    const elements: string[] = [];
    for (const token of body) {
      if (token.kind !== 'word' && token.kind !== 'string') continue;
      if (token.text.startsWith('$')) {
        const values = variables.get(token.text.slice(1)) ?? [];
        if (charge(values.length, token)) appendAll(elements, values);
      } else elements.push(token.text);
    }
    return elements;
  };
  const family = (): TableFamily => {
    const text = peek()?.text as TableFamily;
    if (isWord() && FAMILIES.has(text)) {
      i++;
      return text;
    }
    return 'ip';
  };
  const tableState = (tableFamily: TableFamily, name: string): TableState => {
    const key = `${tableFamily} ${name}`;
    let state = tables.get(key);
    if (!state) {
      state = {
        table: { backend: 'nftables', family: tableFamily, name, chains: [] },
        sets: new Map(),
        members: new Map(),
      };
      tables.set(key, state);
    }
    return state;
  };
  const chainOf = (state: TableState, name: string, token?: NftToken): FirewallChain => {
    let chain = state.table.chains.find((candidate) => candidate.name === name);
    if (!chain) {
      chain = {
        name,
        type: 'filter',
        priority: 0,
        policy: 'accept',
        rules: [],
        ...(token ? { origin: { file: token.file, line: token.line, text: `chain ${name}` } } : {}),
      };
      state.table.chains.push(chain);
    }
    return chain;
  };
  const scopeOf = (state: TableState) => ({
    tableFamily: state.table.family,
    variable: (name: string) => variables.get(name),
    set: (name: string) => state.sets.get(name),
    charge,
    reject: (token: NftToken, message: string) => problem(token, message, true),
  });

  /** `{ type filter hook input priority 0; policy drop; rules... }` */
  const chainBody = (state: TableState, chain: FirewallChain, opener?: NftToken) => {
    i++; // {
    const added: FirewallRule[] = [];
    while (peek() && peek()!.kind !== '}') {
      skipSeparators();
      if (!peek() || peek()!.kind === '}') break;
      const first = peek()!;
      const words = statement();
      const head = words[0]?.text;
      if (head === 'type') {
        const text = words.map((token) => token.text);
        chain.type = text[1] ?? 'filter';
        const hookAt = text.indexOf('hook');
        if (hookAt !== -1 && text[hookAt + 1]) chain.hook = text[hookAt + 1];
        const priorityAt = text.indexOf('priority');
        const priority = priorityAt === -1 ? undefined : parsePriority(text.slice(priorityAt + 1).join(' '));
        if (priority === undefined) problem(first, 'chain priority not understood');
        else chain.priority = priority;
        chain.origin = { file: first.file, line: first.line, text: text.join(' ') };
      } else if (head === 'policy') {
        const policy = words[1]?.text;
        if (policy === 'drop' || policy === 'accept') {
          chain.policy = policy;
          chain.origin = { file: first.file, line: first.line, text: `policy ${policy}` };
        } else problem(first, 'chain policy not understood (drop or accept)');
      } else if (head === 'comment' || head === 'devices') {
        // metadata
      } else if (words.length) {
        appendAll(added, parseNftRules(words, scopeOf(state)));
      }
    }
    closeBlock(opener, 'a chain');
    appendAll(chain.rules, added);
  };

  const setBody = (state: TableState, name: string, opener?: NftToken) => {
    i++; // {
    if (!state.sets.has(name)) addElements(state, name, []);
    while (peek() && peek()!.kind !== '}') {
      skipSeparators();
      if (!peek() || peek()!.kind === '}') break;
      const words = statement();
      if (words[0]?.text === 'elements') {
        const open = words.findIndex((token) => token.kind === '{');
        addElements(state, name, elementsOf(words.slice(open + 1)));
      }
    }
    closeBlock(opener, 'a set');
  };

  const tableBody = (state: TableState, opener?: NftToken) => {
    i++; // {
    while (peek() && peek()!.kind !== '}') {
      skipSeparators();
      if (!peek() || peek()!.kind === '}') break;
      const token = peek()!;
      if (isWord('chain') || isWord('set')) {
        const kind = tokens[i++]!.text;
        const name = tokens[i++]?.text ?? '';
        if (peek()?.kind !== '{') {
          problem(token, `${quoteKnown(kind)}: expected a block`);
          statement();
        } else if (kind === 'chain') chainBody(state, chainOf(state, name, token), token);
        else setBody(state, name, token);
      } else if (TABLE_OBJECTS.has(peek()!.text) && isWord()) {
        statement();
        if (peek()?.kind === '{') skipBlock();
      } else if (isWord('flags') || isWord('comment')) {
        statement();
      } else {
        problem(token, `${quoteKnown(token.text)} is not a table statement`, true);
        statement();
        if (peek()?.kind === '{') skipBlock();
      }
    }
    closeBlock(opener, 'a table');
  };

  const command = (verb: string, first: NftToken) => {
    const object = tokens[i++]?.text ?? '';
    const tableFamily = family();
    const tableName = tokens[i++]?.text ?? '';
    if (object === 'table') {
      const state = tableState(tableFamily, tableName);
      if (peek()?.kind === '{') tableBody(state, first);
      return;
    }
    const state = tableState(tableFamily, tableName);
    if (object === 'chain') {
      const chain = chainOf(state, tokens[i++]?.text ?? '', first);
      if (peek()?.kind === '{') chainBody(state, chain, first);
    } else if (object === 'rule') {
      const chain = chainOf(state, tokens[i++]?.text ?? '', first);
      const words = statement();
      // `position N` / `handle N` / `index N` name a place in a live chain; the rule is kept at the start or end.
      const at = words[0] && ['position', 'handle', 'index'].includes(words[0].text) ? 2 : 0;
      const rules = parseNftRules(words.slice(at), scopeOf(state));
      if (verb === 'insert') chain.rules = [...rules, ...chain.rules];
      else appendAll(chain.rules, rules);
    } else if (object === 'set') {
      const name = tokens[i++]?.text ?? '';
      if (peek()?.kind === '{') setBody(state, name, first);
    } else if (object === 'element') {
      const name = tokens[i++]?.text ?? '';
      const words = statement();
      addElements(state, name, elementsOf(words));
    } else {
      problem(first, `"${verb}" ${quoteKnown(object)} not understood`, !TABLE_OBJECTS.has(object));
      statement();
    }
  };

  while (i < tokens.length) {
    skipSeparators();
    const token = peek();
    if (!token) break;
    if (token.kind !== 'word') {
      problem(token, `unexpected ${token.kind === 'string' ? 'string' : `"${token.text}"`}`, true);
      i++;
      continue;
    }
    const keyword = token.text;
    i++;
    if (keyword === 'flush' && isWord('ruleset')) {
      i++;
      tables.clear();
    } else if (keyword === 'flush' && (isWord('table') || isWord('chain'))) {
      const object = tokens[i++]!.text;
      const state = tableState(family(), tokens[i++]?.text ?? '');
      const chainName = object === 'chain' ? tokens[i++]?.text : undefined;
      for (const chain of state.table.chains) if (!chainName || chain.name === chainName) chain.rules = [];
    } else if (keyword === 'define' || keyword === 'redefine') {
      const name = tokens[i++]?.text ?? '';
      if (peek()?.kind === '=') i++;
      variables.set(name, elementsOf(statement()));
    } else if (keyword === 'undefine') {
      variables.delete(tokens[i++]?.text ?? '');
    } else if (keyword === 'table') {
      const state = tableState(family(), tokens[i++]?.text ?? '');
      if (peek()?.kind === '{') tableBody(state, token);
    } else if (['add', 'create', 'insert', 'replace'].includes(keyword)) {
      command(keyword, token);
    } else if ((keyword === 'delete' || keyword === 'destroy') && isWord('table')) {
      // `table x {}` + `delete table x` + `table x {...}` is the reloadable idiom: only the later definition counts.
      i++;
      tables.delete(`${family()} ${tokens[i++]?.text ?? ''}`);
      statement();
    } else {
      problem(token, `${quoteKnown(keyword)} not understood at the top level`, !NFT_COMMANDS.has(keyword));
      statement();
      if (peek()?.kind === '{') skipBlock();
    }
  }
  for (const { table } of tables.values()) rejectUndefinedTargets(table, problems);
  return { tables: [...tables.values()].map((state) => state.table), problems: problems.finish() };
}

/** `jump`/`goto` to a chain the table never defines: nft refuses the rule ("No such file or directory"). */
function rejectUndefinedTargets(table: FirewallTable, problems: FirewallProblem[]): void {
  const names = new Set(table.chains.map((chain) => chain.name));
  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      const action = rule.action;
      if ((action.kind === 'jump' || action.kind === 'goto') && !names.has(action.chain)) {
        problems.push({
          ...(rule.origin.file ? { file: rule.origin.file } : {}),
          ...(rule.origin.line !== undefined ? { line: rule.origin.line } : {}),
          message: `${action.kind === 'jump' ? 'jump to' : 'goto'} a chain that is not defined in its table`,
          rejects: true,
        });
      }
    }
  }
}

/** `0`, `-150`, `filter`, `filter + 10`, `mangle - 5`. */
export function parsePriority(text: string): number | undefined {
  const match = /^(-?\d+|[a-z]+)\s*(?:([+-])\s*(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const base = /^-?\d+$/.test(match[1]!) ? Number(match[1]) : PRIORITIES[match[1]!];
  if (base === undefined) return undefined;
  const offset = match[3] ? Number(match[3]) * (match[2] === '-' ? -1 : 1) : 0;
  return base + offset;
}
