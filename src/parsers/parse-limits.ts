// Parse limits for untrusted text (issue #18): every format is refused above a size, a line length, a nesting depth
// and a number of entries, each checked in one linear pass before the parser does its expensive work. Each bound is
// far above what a real file of that kind reaches (the comment says why), and exceeding it is an error that names
// the file, the line where one makes sense and the limit: never the content.

export interface ParseLimits {
  /** Characters of the text (UTF-16 units: never more than the UTF-8 bytes read). */
  readonly maxBytes: number;
  /** Characters of one line (for units: of one line with its continuations joined, as systemd reads it). */
  readonly maxLineBytes?: number;
  /** Nesting of objects and arrays, maps and sequences, or braces. */
  readonly maxDepth?: number;
  /** Keys plus items (JSON, YAML, TOML), assignments or lines (units, sshd), or tokens (nft). */
  readonly maxEntries?: number;
}

const KiB = 1024;
const MiB = 1024 * 1024;

function sizeWords(chars: number): string {
  if (chars % MiB === 0) return `${chars / MiB} MiB`;
  if (chars % KiB === 0) return `${chars / KiB} KiB`;
  return `${chars} bytes`;
}

export const PARSE_LIMITS = {
  /**
   * A stacker set (--stacker-set, a node's /v3/stacker_set answer; --operators is read alike): 4 entries a signer
   * (3 keys, the array item). 1e5 signers are ~12 MB and 400k entries; the hostile test's 125k signers 15 MB and
   * 500k. Depth is 3. Without the entry bound, 16 MB of `[{},{},…]` builds 5.6M objects.
   */
  stackerSet: { maxBytes: 16 * MiB, maxDepth: 64, maxEntries: 2_000_000 },
  /**
   * `docker inspect` (--docker-inspect, the live engine) and the engine's config.v2.json: ~10 KB and ~500 entries
   * per container, nested ~8 deep; 64 MiB is thousands of containers.
   */
  dockerInspect: { maxBytes: 64 * MiB, maxDepth: 64, maxEntries: 8_000_000 },
  /**
   * `nft -j list ruleset`: measured ~450 bytes, ~50 entries and depth 9 a rule (2000 rules: 887 KB). 64 MiB holds
   * ~150k rules, several times "tens of thousands"; 8M entries as many. All on one line, so no line bound.
   */
  nftJson: { maxBytes: 64 * MiB, maxDepth: 64, maxEntries: 8_000_000 },
  /** `ansible-inventory --list` output as --inventory (4 MiB): 100k hosts are ~3 MB, one or two entries each. */
  inventoryJson: { maxBytes: 4 * MiB, maxDepth: 64, maxEntries: 1_000_000 },
  /** A --baseline of the scan: one 8 or 16 hex fingerprint an entry, 16 MiB holds ~800k of them. */
  baselineJson: { maxBytes: 16 * MiB, maxDepth: 64, maxEntries: 2_000_000 },
  /**
   * The YAML library costs ~0.5 s per MB of real YAML and up to ~2.2 s per MB of garbage, ~8-10 us per entry (issue
   * #18: 1 MB of `a:` lines took 2.3 s), so its formats are bounded by what their files really are, checked on the text
   * before it parses (yamlEntriesBound, which overcounts: every `:`, `-`, `,`, `[`, `{`, `?`).
   *
   * A compose file: kilobytes in practice (a 6,000-service file is 800 KB and 60k counted entries). 512 KiB and 50k
   * entries keep any text under ~0.5 s; the compose parser walks map keys plus sequence items under the same bound,
   * and its duplicate-key check is one set per map.
   */
  composeYaml: { maxBytes: 512 * KiB, maxDepth: 64, maxEntries: 50_000 },
  /**
   * A waivers file (--waivers, 256 KiB): a flat map of tens of controls, ~150 bytes a waiver, so 256 KiB is ~1,700.
   * The YAML library's duplicate-key check, which a waived-twice control relies on, compares each key with every
   * earlier one (40k keys took 35 s, 80k 4 min): 10k entries keep it under a second. Entries are bounded from above on
   * the text (see yamlEntriesBound).
   */
  waiversYaml: { maxBytes: 256 * KiB, maxDepth: 64, maxEntries: 10_000 },
  /**
   * A YAML inventory (--inventory): 512 KiB and 100k counted entries, ~16k hosts with no variables or ~5k with two (at
   * ~0.5 s per MB for the library; 712 KB of fuzzed garbage took 1.8 s, so 1 MiB was not enough). A larger estate is
   * read from `ansible-inventory --list` (inventoryJson: 4 MiB, 100k hosts, parsed by JSON.parse) or an INI inventory.
   * Depth as deep as groups nest (512 levels of the text bound of src/parsers/yaml-depth.ts).
   */
  inventoryYaml: { maxBytes: 512 * KiB, maxDepth: 512, maxEntries: 100_000 },
  /** Signer and node configs (TOML) are a few KB; see src/parsers/toml-document.ts for what a larger one costs. */
  toml: { maxBytes: 1 * MiB, maxDepth: 64, maxEntries: 50_000 },
  /**
   * A systemd unit or drop-in. systemd itself refuses a line (continuations joined) over LONG_LINE_MAX, 1 MiB, and
   * then does not load the unit. A unit is a few KB; a signer unit with 130k Environment= lines (2 MB) must still be
   * read (test/hostile/big-inputs), so the file bound is 8 MiB and 500k assignments. No nesting.
   */
  systemdUnit: { maxBytes: 8 * MiB, maxLineBytes: 1 * MiB, maxEntries: 500_000 },
  /**
   * One sshd_config file (main or included). Debian's is ~3 KB and 130 lines; an AllowUsers line of 10k names is
   * ~250 KB, and sshd itself reads lines of any length (a 600 kB line is in test/parsers/sshd-config). 100k lines is
   * the Include expansion bound (MAX_EXPANDED_LINES) of the whole configuration. No nesting beyond Include, which
   * sshd bounds at 16 levels.
   */
  sshdConfig: { maxBytes: 4 * MiB, maxLineBytes: 1 * MiB, maxEntries: 100_000 },
  /**
   * One nftables file (main or included): a ban list of 1M IPv4 addresses in one set is ~15 MB, the target's 16 MiB
   * read bound; one written on one line (a 240k-address set is 3.1 MB, test/hostile/big-inputs) stays far under 8
   * MiB. Braces nest 3 or 4 deep (table, chain, set, anonymous set). 2M tokens is the bound on a whole ruleset with its
   * includes (MAX_EXPANDED_TOKENS); without it a file of `;` is one token object per byte.
   */
  nftText: { maxBytes: 16 * MiB, maxLineBytes: 8 * MiB, maxDepth: 64, maxEntries: 2_000_000 },
} as const satisfies Record<string, ParseLimits>;

/** Which limit a text exceeds, and where (1-based line) when a line says more than the file. */
export interface LimitExceeded {
  limit: keyof ParseLimits;
  max: number;
  line?: number;
}

/** The limit in words, never the content: "a line longer than 1 MiB (parse limit)". */
export function limitWords(exceeded: LimitExceeded, entries = 'keys and items'): string {
  switch (exceeded.limit) {
    case 'maxBytes':
      return `larger than ${sizeWords(exceeded.max)} (parse limit)`;
    case 'maxLineBytes':
      return `a line longer than ${sizeWords(exceeded.max)} (parse limit)`;
    case 'maxDepth':
      return `nested deeper than ${exceeded.max} levels (parse limit)`;
    case 'maxEntries':
      return `more than ${exceeded.max} ${entries} (parse limit)`;
  }
}

/** `file:line: <limit in words>; not read` */
export function limitMessage(file: string, exceeded: LimitExceeded, entries?: string): string {
  const where = exceeded.line === undefined ? file : `${file}:${exceeded.line}`;
  return `${where}: ${limitWords(exceeded, entries)}; not read`;
}

/** A parser's refusal of text over a limit, for callers that throw; `message` is limitMessage's. */
export class ParseLimitError extends Error {
  constructor(
    readonly file: string,
    readonly exceeded: LimitExceeded,
    entries?: string,
  ) {
    super(limitMessage(file, exceeded, entries));
    this.name = 'ParseLimitError';
  }
}

/** Size, then line length, then the number of lines as entries when `countLines` (line-based formats), in one pass. */
export function textOverLimits(
  text: string,
  limits: ParseLimits,
  options: { countLines?: boolean } = {},
): LimitExceeded | undefined {
  if (text.length > limits.maxBytes) return { limit: 'maxBytes', max: limits.maxBytes };
  const maxLine = limits.maxLineBytes ?? Number.POSITIVE_INFINITY;
  const maxLines = options.countLines ? (limits.maxEntries ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  if (text.length <= maxLine && text.length <= maxLines) return undefined;
  let line = 1;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    if (stop - start > maxLine) return { limit: 'maxLineBytes', max: maxLine, line };
    if (end === -1) return undefined;
    line += 1;
    start = end + 1;
    if (line > maxLines && start < text.length) return { limit: 'maxEntries', max: maxLines, line };
  }
}

/**
 * Size, nesting and entries (object members plus array items) of JSON text, in one pass that skips strings, before
 * JSON.parse: V8's parser does not recurse (it builds a million levels), but what it builds then overflows every
 * recursive reader (JSON.stringify threw at 10k levels), and 16 MB of `[{},…]` is millions of objects. Invalid JSON
 * is left to the parser; the bounds hold for any text.
 */
export function jsonOverLimits(text: string, limits: ParseLimits): LimitExceeded | undefined {
  if (text.length > limits.maxBytes) return { limit: 'maxBytes', max: limits.maxBytes };
  const maxDepth = limits.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxEntries = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  let depth = 0;
  let entries = 0;
  let line = 1;
  // After `[` or `{`: the next value or key, if any, is the container's first entry (later ones follow a `,`).
  let opened = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (c === 0x0a) {
      line += 1;
      continue;
    }
    if (opened && c !== 0x5d && c !== 0x7d) entries += 1;
    opened = false;
    if (c === 0x22) {
      // A string: to its closing quote, stepping over escapes. A newline inside is invalid JSON, counted anyway.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
        else if (s === 0x0a) line += 1;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return { limit: 'maxDepth', max: maxDepth, line };
      opened = true;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    } else if (c === 0x2c) {
      entries += 1;
    }
    if (entries > maxEntries) return { limit: 'maxEntries', max: maxEntries, line };
  }
  return undefined;
}

/**
 * An upper bound on a YAML text's map keys plus sequence items, without parsing: each needs its own `:` (a key),
 * `-` (a block item), `,`, `[` or `{` (flow entries) or `?` (a complex key), so the count of those characters,
 * anywhere in the text, is never less. It overcounts (`:` in a URL, `-` in a name) by a small factor in real files;
 * the limits that use it leave that room.
 */
export function yamlEntriesBound(text: string, limits: ParseLimits): LimitExceeded | undefined {
  if (text.length > limits.maxBytes) return { limit: 'maxBytes', max: limits.maxBytes };
  const maxEntries = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  let entries = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line += 1;
    else if (c === 0x3a || c === 0x2d || c === 0x2c || c === 0x5b || c === 0x7b || c === 0x3f) {
      entries += 1;
      if (entries > maxEntries) return { limit: 'maxEntries', max: maxEntries, line };
    }
  }
  return undefined;
}
