// Ansible inventories, as Ansible reads them: INI and YAML files, and the JSON `ansible-inventory --list` prints (so
// dynamic inventories work through Ansible itself). Pure: text in, hosts and groups out. --limit patterns below.
// https://docs.ansible.com/ansible/latest/inventory_guide/intro_inventory.html
import { LineCounter } from 'yaml';
import { compareBytes } from './glob.js';
import { jsonOverLimits, limitWords, PARSE_LIMITS, yamlEntriesBound } from './parse-limits.js';
import { yamlShapeProblem } from './yaml-depth.js';
import { parseYamlDocument, YamlStackError } from './yaml-document.js';

export type InventoryVars = Record<string, unknown>;

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: InventoryVars;
}

export interface Inventory {
  /** Host names in the order the inventory first lists them. */
  hostOrder: string[];
  hostVars: Map<string, InventoryVars>;
  groups: Map<string, InventoryGroup>;
}

export type InventoryResult = { ok: true; inventory: Inventory } | { ok: false; line?: number; reason: string };

function emptyInventory(): Inventory {
  const inventory: Inventory = { hostOrder: [], hostVars: new Map(), groups: new Map() };
  group(inventory, 'all');
  group(inventory, 'ungrouped');
  return inventory;
}

function group(inventory: Inventory, name: string): InventoryGroup {
  let found = inventory.groups.get(name);
  if (!found) {
    found = { name, hosts: [], children: [], vars: {} };
    inventory.groups.set(name, found);
  }
  return found;
}

/**
 * Membership sets beside each group's ordered lists: `list.includes` per added host or child made a group of
 * n hosts (or an inventory of n groups) quadratic; a 100,000-host range took 14 s (issue #18).
 */
const members = new WeakMap<unknown[], Set<string>>();

/** Appends `item` to `list` unless it is there already, in constant time. */
function addOnce(list: string[], item: string): void {
  let seen = members.get(list);
  if (seen === undefined) {
    seen = new Set(list);
    members.set(list, seen);
  }
  if (seen.has(item)) return;
  seen.add(item);
  list.push(item);
}

function addHost(inventory: Inventory, groupName: string, host: string, vars: InventoryVars): void {
  if (!inventory.hostVars.has(host)) {
    inventory.hostOrder.push(host);
    inventory.hostVars.set(host, {});
  }
  Object.assign(inventory.hostVars.get(host)!, vars);
  const target = group(inventory, groupName);
  addOnce(target.hosts, host);
}

/** Finishes as Ansible does: every group is under `all`, and a host in no group but `all` is `ungrouped`. */
function finish(inventory: Inventory): Inventory {
  const all = group(inventory, 'all');
  const isChild = new Set([...inventory.groups.values()].flatMap((entry) => entry.children));
  for (const name of inventory.groups.keys()) {
    if (name !== 'all' && !isChild.has(name)) addOnce(all.children, name);
  }
  const grouped = new Set(
    [...inventory.groups.values()]
      .filter((entry) => entry.name !== 'all' && entry.name !== 'ungrouped')
      .flatMap((entry) => entry.hosts),
  );
  group(inventory, 'ungrouped').hosts = inventory.hostOrder.filter((host) => !grouped.has(host));
  all.hosts = [];
  return inventory;
}

/**
 * The most hosts one inventory's ranges may expand to: a fleet is dozens of hosts, and `h[0:9999999999]`
 * would otherwise expand without bound (issue #18).
 */
export const MAX_RANGE_HOSTS = 100_000;

const RANGE = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/i;

/** How many names a pattern expands to, counted without expanding; Infinity for a zero stride. Capped past `cap`. */
export function countHostPattern(pattern: string, cap = MAX_RANGE_HOSTS): number {
  const match = RANGE.exec(pattern);
  if (!match) return 1;
  const [, , from = '', to = '', strideText, tail = ''] = match;
  const stride = strideText ? Number(strideText) : 1;
  let span: number;
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) span = Number(to) - Number(from);
  else if (from.length === 1 && to.length === 1) span = to.charCodeAt(0) - from.charCodeAt(0);
  else return 1;
  if (span < 0) return 0;
  if (stride < 1) return Number.POSITIVE_INFINITY;
  const here = Math.floor(span / stride) + 1;
  if (here > cap) return here;
  return here * countHostPattern(tail, Math.ceil(cap / here));
}

/**
 * An error when expanding `pattern` would take the inventory past MAX_RANGE_HOSTS; otherwise charges `budget`.
 * Never quotes the pattern's numbers as a count the user must trust: it names the limit.
 */
export function chargeHostRange(pattern: string, budget: { left: number }): string | undefined {
  const count = countHostPattern(pattern, budget.left);
  if (count > budget.left) {
    return `a host range expands to more than ${MAX_RANGE_HOSTS} hosts in this inventory (or has a zero stride)`;
  }
  budget.left -= count;
  return undefined;
}

/** `web[01:03].example.com` → web01, web02, web03 (numeric and alphabetic ranges, with an optional stride). */
export function expandHostPattern(pattern: string): string[] {
  const match = RANGE.exec(pattern);
  if (!match) return [pattern];
  const [, head = '', from = '', to = '', strideText, tail = ''] = match;
  const stride = strideText ? Number(strideText) : 1;
  const names: string[] = [];
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const width = from.length;
    for (let n = Number(from); n <= Number(to); n += stride) names.push(`${head}${String(n).padStart(width, '0')}`);
  } else if (from.length === 1 && to.length === 1) {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += stride) names.push(`${head}${String.fromCharCode(c)}`);
  } else return [pattern];
  return names.flatMap((name) => expandHostPattern(`${name}${tail}`));
}

/** An INI value: quoted strings unquoted, everything else a string (Ansible reads INI host vars as literals). */
function iniValue(text: string): unknown {
  const quoted = /^(["'])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

/** `key=value key2="a b"` → pairs (a quoted value may hold spaces). */
function iniPairs(text: string, line: number): InventoryVars | { error: string; line: number } {
  const vars: InventoryVars = {};
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) return { error: 'expected key=value', line };
    vars[match[1]!] = iniValue(match[2]!);
    at = pattern.lastIndex;
  }
  return vars;
}

export function parseIniInventory(text: string): InventoryResult {
  const inventory = emptyInventory();
  let section: { name: string; kind: 'hosts' | 'vars' | 'children' } = { name: 'ungrouped', kind: 'hosts' };
  const lines = text.split(/\r?\n/);
  const rangeBudget = { left: MAX_RANGE_HOSTS };
  for (const [index, raw] of lines.entries()) {
    const lineNumber = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]:\s]+)(?::(vars|children))?\]$/.exec(line);
    if (header) {
      section = { name: header[1]!, kind: (header[2] as 'vars' | 'children' | undefined) ?? 'hosts' };
      group(inventory, section.name);
      continue;
    }
    // Described, not quoted: the line may hold a host's variables, a password among them (the fuzzer planted one).
    if (line.startsWith('['))
      return {
        ok: false,
        line: lineNumber,
        reason: 'not a section header ([group], [group:vars] or [group:children])',
      };
    if (section.kind === 'children') {
      const child = line.split(/\s+/)[0]!;
      group(inventory, child);
      const parent = group(inventory, section.name);
      addOnce(parent.children, child);
      continue;
    }
    if (section.kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq === -1) return { ok: false, line: lineNumber, reason: 'expected key=value in a [group:vars] section' };
      group(inventory, section.name).vars[line.slice(0, eq).trim()] = iniValue(line.slice(eq + 1).trim());
      continue;
    }
    const [pattern = '', ...rest] = line.split(/\s+/);
    const vars = iniPairs(rest.join(' '), lineNumber);
    if ('error' in vars && typeof vars.error === 'string') return { ok: false, line: lineNumber, reason: vars.error };
    let host = pattern;
    // host:port is Ansible's shorthand for ansible_port.
    const withPort = /^([^:[\]]+):(\d+)$/.exec(pattern);
    if (withPort) {
      host = withPort[1]!;
      (vars as InventoryVars).ansible_port = Number(withPort[2]);
    }
    const tooMany = chargeHostRange(host, rangeBudget);
    if (tooMany !== undefined) return { ok: false, line: lineNumber, reason: tooMany };
    for (const name of expandHostPattern(host)) {
      addHost(inventory, section.name, name, { ...(vars as InventoryVars) });
    }
  }
  return { ok: true, inventory: finish(inventory) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseYamlInventory(text: string): InventoryResult {
  // Before the library recurses (src/parsers/yaml-depth.ts): an inventory nests groups a few levels, not hundreds.
  const shape = yamlShapeProblem(text, PARSE_LIMITS.inventoryYaml.maxDepth);
  if (shape?.kind === 'depth') return { ok: false, line: shape.line, reason: 'nested too deeply to be an inventory' };
  if (shape) return { ok: false, line: shape.line, reason: 'not valid YAML (two mapping keys on one line)' };
  const overLimit = yamlEntriesBound(text, PARSE_LIMITS.inventoryYaml);
  if (overLimit)
    return { ok: false, ...(overLimit.line ? { line: overLimit.line } : {}), reason: limitWords(overLimit) };
  // Not the library's `parse`: its duplicate-key check and pretty errors are quadratic (src/parsers/yaml-document.ts).
  // Repeated keys are not an error: Ansible keeps the last of them (with a warning), and so does toJS below.
  const counter = new LineCounter();
  let parsed: ReturnType<typeof parseYamlDocument>;
  try {
    parsed = parseYamlDocument(text, { lineCounter: counter });
  } catch (error) {
    if (error instanceof YamlStackError)
      return { ok: false, line: error.line, reason: `not valid YAML (${error.message})` };
    throw error;
  }
  const problem = parsed.errors[0];
  if (problem) {
    return {
      ok: false,
      line: counter.linePos(problem.pos[0]).line,
      // The library's code, not its message: a message can quote the token it met ("Unexpected scalar token in YAML
      // stream: <the line>"), which is the file's content.
      reason: `not valid YAML (${problem.code})`,
    };
  }
  let document: unknown;
  try {
    document = parsed.toJS();
  } catch {
    // An alias to no anchor, or too many alias expansions: the library's words name the alias, the file's content.
    return { ok: false, reason: 'not valid YAML (an alias to no anchor, or too many alias expansions)' };
  }
  if (document === null || document === undefined) return { ok: true, inventory: finish(emptyInventory()) };
  if (!isRecord(document)) return { ok: false, reason: 'expected a mapping of group names at the top level' };
  const inventory = emptyInventory();
  const rangeBudget = { left: MAX_RANGE_HOSTS };
  const visit = (name: string, body: unknown): string | undefined => {
    group(inventory, name);
    if (body === null || body === undefined) return undefined;
    if (!isRecord(body)) return 'a group is not a mapping with hosts, vars or children';
    for (const key of Object.keys(body)) {
      if (!['hosts', 'vars', 'children'].includes(key)) return 'a group holds a key other than hosts, vars or children';
    }
    const { hosts, vars, children } = body;
    if (hosts !== undefined && hosts !== null) {
      if (!isRecord(hosts)) return "a group's hosts are not a mapping of host names";
      for (const [pattern, hostVars] of Object.entries(hosts)) {
        if (hostVars !== null && hostVars !== undefined && !isRecord(hostVars))
          return "a host's variables are not a mapping";
        const tooMany = chargeHostRange(pattern, rangeBudget);
        if (tooMany !== undefined) return tooMany;
        for (const host of expandHostPattern(pattern)) {
          addHost(inventory, name, host, { ...(hostVars ?? {}) });
        }
      }
    }
    if (vars !== undefined && vars !== null) {
      if (!isRecord(vars)) return "a group's vars are not a mapping";
      Object.assign(group(inventory, name).vars, vars);
    }
    if (children !== undefined && children !== null) {
      if (!isRecord(children)) return "a group's children are not a mapping of group names";
      for (const [child, childBody] of Object.entries(children)) {
        const parent = group(inventory, name);
        addOnce(parent.children, child);
        const problem = visit(child, childBody);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  for (const [name, body] of Object.entries(document)) {
    const problem = visit(name, body);
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, inventory: finish(inventory) };
}

/** The JSON of `ansible-inventory --list`: groups with hosts/children/vars, host variables under _meta.hostvars. */
export function parseInventoryJson(text: string): InventoryResult {
  const overLimit = jsonOverLimits(text, PARSE_LIMITS.inventoryJson);
  if (overLimit)
    return { ok: false, ...(overLimit.line ? { line: overLimit.line } : {}), reason: limitWords(overLimit) };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!isRecord(document)) return { ok: false, reason: 'expected the JSON object ansible-inventory --list prints' };
  const inventory = emptyInventory();
  const meta = isRecord(document._meta) && isRecord(document._meta.hostvars) ? document._meta.hostvars : {};
  for (const [name, body] of Object.entries(document)) {
    if (name === '_meta') continue;
    const entry = group(inventory, name);
    const record = Array.isArray(body) ? { hosts: body } : isRecord(body) ? body : {};
    const hosts = Array.isArray(record.hosts) ? record.hosts : [];
    for (const host of hosts) {
      if (typeof host !== 'string') return { ok: false, reason: 'a host name is not a string' };
      addHost(inventory, name, host, {});
    }
    if (Array.isArray(record.children)) {
      for (const child of record.children) if (typeof child === 'string') addOnce(entry.children, child);
    }
    if (isRecord(record.vars)) Object.assign(entry.vars, record.vars);
  }
  for (const [host, vars] of Object.entries(meta)) {
    if (!inventory.hostVars.has(host)) addHost(inventory, 'ungrouped', host, {});
    if (isRecord(vars)) Object.assign(inventory.hostVars.get(host)!, vars);
  }
  return { ok: true, inventory: finish(inventory) };
}

/**
 * Whether a line is an INI section header, `[group]`, tested line by line: one multiline regex (`/^\s*\[[^\]]+\]\s*$/m`)
 * let `\s` and `[^\]]` run across lines and was retried from every line start, quadratic (40,000 blank lines: 2 s;
 * issue #18). A header is one line, as Ansible reads it.
 */
export function hasIniHeader(text: string): boolean {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (/^\s*\[[^\]]+\]\s*$/.test(text.slice(start, end))) return true;
    start = end + 1;
  }
  return false;
}

/** By content: a JSON object is ansible-inventory's output, a line `[group]` or `host key=value` is INI, else YAML. */
export function parseInventory(text: string, fileName = ''): InventoryResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return parseInventoryJson(text);
  if (/\.ya?ml$/i.test(fileName)) return parseYamlInventory(text);
  if (/\.(ini|cfg|hosts)$/i.test(fileName) || hasIniHeader(text)) return parseIniInventory(text);
  const yaml = parseYamlInventory(text);
  return yaml.ok ? yaml : parseIniInventory(text);
}

/** Every group a host is in, `all` included, nearest first by depth (Ansible's variable precedence). */
function groupDepths(inventory: Inventory): Map<string, number> {
  const depths = new Map<string, number>([['all', 0]]);
  const queue = ['all'];
  while (queue.length > 0) {
    const name = queue.shift()!;
    for (const child of inventory.groups.get(name)?.children ?? []) {
      const depth = depths.get(name)! + 1;
      if ((depths.get(child) ?? -1) < depth && depth < 64) {
        depths.set(child, depth);
        queue.push(child);
      }
    }
  }
  return depths;
}

/** The hosts a group holds, its children's included. */
export function hostsOfGroup(inventory: Inventory, name: string, seen = new Set<string>()): Set<string> {
  const result = new Set<string>();
  if (seen.has(name)) return result;
  seen.add(name);
  const entry = inventory.groups.get(name);
  if (!entry) return result;
  if (name === 'all') return new Set(inventory.hostOrder);
  for (const host of entry.hosts) result.add(host);
  for (const child of entry.children) for (const host of hostsOfGroup(inventory, child, seen)) result.add(host);
  return result;
}

/**
 * A group's `ansible_group_priority` (default 1): Ansible sets the group's priority from it and keeps it out of the
 * variables (Group.set_variable). Not an integer: Ansible's int() fails and the inventory does not load; here the
 * default stands.
 */
function groupPriority(vars: InventoryVars): number {
  const value = vars.ansible_group_priority;
  const text = typeof value === 'number' || typeof value === 'string' ? String(value).trim() : '';
  return /^[+-]?\d{1,9}$/.test(text) ? Number(text) : 1;
}

/**
 * A host's variables: `all`'s, then each group's in Ansible's order (sort_groups: depth, then priority, then the
 * name in Python's code-point order, so "B" before "a"), each overriding the one before, then the host's own.
 */
export function effectiveHostVars(inventory: Inventory, host: string): InventoryVars {
  const depths = groupDepths(inventory);
  const groups = [...inventory.groups.values()]
    .filter((entry) => entry.name === 'all' || hostsOfGroup(inventory, entry.name).has(host))
    .map((entry) => ({ entry, depth: depths.get(entry.name) ?? 1, priority: groupPriority(entry.vars) }))
    .sort((a, b) => a.depth - b.depth || a.priority - b.priority || compareBytes(a.entry.name, b.entry.name));
  const vars: InventoryVars = {};
  for (const { entry } of groups) Object.assign(vars, entry.vars);
  delete vars.ansible_group_priority;
  return Object.assign(vars, inventory.hostVars.get(host) ?? {});
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function matchOne(inventory: Inventory, pattern: string): Set<string> {
  if (pattern === 'all' || pattern === '*') return new Set(inventory.hostOrder);
  if (pattern.startsWith('~')) {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern.slice(1));
    } catch {
      return new Set();
    }
    return new Set(
      [...inventory.groups.keys()]
        .filter((name) => regex.test(name))
        .flatMap((name) => [...hostsOfGroup(inventory, name)])
        .concat(inventory.hostOrder.filter((host) => regex.test(host))),
    );
  }
  if (inventory.groups.has(pattern)) return hostsOfGroup(inventory, pattern);
  if (inventory.hostVars.has(pattern)) return new Set([pattern]);
  if (/[*?[]/.test(pattern)) {
    const regex = globToRegExp(pattern);
    const result = new Set<string>();
    for (const name of inventory.groups.keys())
      if (regex.test(name)) for (const host of hostsOfGroup(inventory, name)) result.add(host);
    for (const host of inventory.hostOrder) if (regex.test(host)) result.add(host);
    return result;
  }
  return new Set();
}

export type LimitResult = { ok: true; hosts: string[] } | { ok: false; reason: string };

/**
 * `--limit` as Ansible reads it: patterns separated by `,` (or `:`), each a host, a group, a glob or `~regex`;
 * `&pattern` intersects, `!pattern` excludes. Hosts keep the inventory's order.
 */
export function applyLimit(inventory: Inventory, limit: string | undefined): LimitResult {
  if (limit === undefined || limit.trim() === '') return { ok: true, hosts: [...inventory.hostOrder] };
  const parts = limit.includes(',') || limit.includes('~') ? limit.split(',') : limit.split(/[,:]/);
  let selected: Set<string> | undefined;
  const intersections: Set<string>[] = [];
  const exclusions: Set<string>[] = [];
  for (const raw of parts.map((part) => part.trim()).filter((part) => part !== '')) {
    if (raw.startsWith('!')) exclusions.push(matchOne(inventory, raw.slice(1)));
    else if (raw.startsWith('&')) intersections.push(matchOne(inventory, raw.slice(1)));
    else {
      const matched = matchOne(inventory, raw);
      if (matched.size === 0)
        return { ok: false, reason: `--limit ${raw}: no host or group of the inventory matches it` };
      selected = new Set([...(selected ?? []), ...matched]);
    }
  }
  let hosts = inventory.hostOrder.filter((host) => (selected ?? new Set(inventory.hostOrder)).has(host));
  for (const set of intersections) hosts = hosts.filter((host) => set.has(host));
  for (const set of exclusions) hosts = hosts.filter((host) => !set.has(host));
  return { ok: true, hosts };
}

/** Words of ansible_ssh_common_args as a POSIX shell would split them (quotes and backslashes; nothing expanded). */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) current += text[++i];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export interface HostConnection {
  name: string;
  address: string;
  port?: number;
  user?: string;
  become: boolean;
  identityFile?: string;
  extraArgs: string[];
}

function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return /^(true|yes|on|1)$/i.test(String(value ?? ''));
}

/** How to reach a host, from the variables Ansible itself uses. */
export function hostConnection(inventory: Inventory, host: string): HostConnection {
  const vars = effectiveHostVars(inventory, host);
  const text = (key: string) => (vars[key] === undefined || vars[key] === null ? undefined : String(vars[key]));
  const port = text('ansible_port') ?? text('ansible_ssh_port');
  const user = text('ansible_user') ?? text('ansible_ssh_user');
  const identityFile = text('ansible_ssh_private_key_file') ?? text('ansible_private_key_file');
  const commonArgs = text('ansible_ssh_common_args');
  return {
    name: host,
    address: text('ansible_host') ?? text('ansible_ssh_host') ?? host,
    ...(port !== undefined && /^\d+$/.test(port) ? { port: Number(port) } : {}),
    ...(user ? { user } : {}),
    become: truthy(vars.ansible_become),
    ...(identityFile ? { identityFile } : {}),
    extraArgs: commonArgs ? splitShellWords(commonArgs) : [],
  };
}
