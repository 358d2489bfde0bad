// Is a file nft configuration at all? Any file an `include` names is read by nft (and copied for `nft -c`), so before
// that each one is checked on its own: every statement, at the top level or inside a table, chain, set, map or other
// object block, must start with a word of nft's vocabulary. Element lists (`{ 22, 80 }`, `elements = { … }`) hold
// values and are not judged. An included /etc/shadow, a TOML config or a token file fails on its first line; the
// answer is a line and a category, never the word.

import { isNftKeyword } from './nftables.js';
import { isNftRuleWord } from './nftables-rule.js';
import { scanTokens } from './nftables-syntax.js';
import { PARSE_LIMITS } from './parse-limits.js';

const LIMITS = PARSE_LIMITS.nftText;

/** Objects whose `{` opens a block of statements (everything else's `{` is a list of values). */
const BLOCK_OBJECTS = new Set([
  'table',
  'chain',
  'set',
  'map',
  'flowtable',
  'counter',
  'quota',
  'secmark',
  'synproxy',
  'limit',
  'tunnel',
]);
/** `ct helper|timeout|expectation NAME {` is a block; `ct state { … }` a rule's list. */
const CT_OBJECTS = new Set(['helper', 'timeout', 'expectation']);
const VERBS = new Set(['add', 'create', 'insert', 'replace', 'delete', 'destroy']);
/** What object blocks hold besides rules: chain, set, map, flowtable, ct and stateful object properties. */
const BLOCK_WORDS = new Set([
  'type',
  'typeof',
  'hook',
  'policy',
  'priority',
  'device',
  'devices',
  'elements',
  'size',
  'timeout',
  'gc-interval',
  'auto-merge',
  'flags',
  'comment',
  'packets',
  'bytes',
  'rate',
  'burst',
  'until',
  'used',
  'over',
  'protocol',
  'l3proto',
  'mss',
  'wscale',
  'timestamp',
  'sack-perm',
  'dport',
  'id',
  'ip',
  'ip6',
  'tos',
  'ttl',
  'dscp',
  'tcp',
  'udp',
]);
/** Objects whose blocks hold a bare value (`quota q { 25 mbytes }`, `limit l { 10/second }`). */
const VALUE_BLOCKS = new Set(['quota', 'limit', 'counter', 'secmark']);

function startsStatement(word: string, block: string | undefined): boolean {
  if (isNftKeyword(word) || isNftRuleWord(word) || BLOCK_WORDS.has(word) || VERBS.has(word)) return true;
  // Variables and payload expressions (`$x`, `@th,16,16`); numbers only where an object block holds a value.
  if (/^[$@]/.test(word)) return true;
  return block !== undefined && VALUE_BLOCKS.has(block) && /^[0-9]/.test(word);
}

/** The object a statement's `{` opens, or undefined when it opens a list of values. */
function blockObject(words: readonly string[]): string | undefined {
  const object = words[0] !== undefined && VERBS.has(words[0]) ? words[1] : words[0];
  if (object === undefined) return undefined;
  if (object === 'ct') return CT_OBJECTS.has(words[words.indexOf('ct') + 1] ?? '') ? 'ct' : undefined;
  return BLOCK_OBJECTS.has(object) ? object : undefined;
}

/**
 * The first line whose statement does not start like nft configuration, or undefined when every one does. Streams the
 * tokens and stops at the first bad one: a file of garbage costs its first line, not a token array of the whole file.
 */
export function nftShapeProblem(text: string, _file = ''): { line: number; why: string } | undefined {
  const stack: { list: boolean; object?: string }[] = [];
  let statement: string[] = [];
  let atStart = true;
  let found: { line: number; why: string } | undefined;
  let tokens = 0;
  scanTokens(text, (kind, value, line) => {
    // The token bound tokenize() keeps, so a file of `{` holds no stack of millions. A refusal like any other shape
    // problem (the copy's caller reports it), not a throw: the long fuzz run's nftables seed 18 case 444 crashed it.
    if (++tokens > LIMITS.maxEntries) {
      found = { line, why: `holds more than ${LIMITS.maxEntries} tokens (parse limit)` };
      return false;
    }
    const inList = stack.at(-1)?.list === true;
    if (kind === 'nl' || kind === ';') {
      if (!inList) {
        atStart = true;
        statement = [];
      }
    } else if (kind === '{') {
      const object = inList ? undefined : blockObject(statement);
      stack.push(object === undefined ? { list: true } : { list: false, object });
      if (object !== undefined) {
        atStart = true;
        statement = [];
      }
    } else if (kind === '}') {
      const closed = stack.pop();
      // A closed block ends its statement; a closed list is part of one (`tcp dport { 22, 80 } accept`).
      if (closed === undefined || !closed.list) {
        atStart = true;
        statement = [];
      }
    } else if (!inList) {
      if (atStart && (kind !== 'word' || !startsStatement(value, stack.at(-1)?.object))) {
        found = { line, why: 'is not nftables configuration (a statement starts with no nft word)' };
        return false;
      }
      atStart = false;
      // blockObject reads the first three words (`add ct helper`); a long statement keeps no more.
      if (statement.length < 3) statement.push(value);
    }
    return true;
  });
  return found;
}
