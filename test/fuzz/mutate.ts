// Structured mutations of real files, for the fuzz harness: what a hostile or broken host holds is almost its real
// config, with lines added, lost, doubled or swapped, a byte flipped, one part repeated until huge, brackets nested
// deep, odd bytes (NUL, BOM, CRLF, lone surrogates, bidi overrides) spliced in, and a secret planted where a message
// could quote it. Random strings alone would almost never get past a parser's first line.
import fc from 'fast-check';

/** Planted in mutated inputs; it must never reach a report, a problem or an error message. Never a real key. */
export const PLANTED_KEY = 'c0ffee5eedfacade0ddba11dec0de5ca1ab1efee1600dbadcafebabe0badf00d01';
export const PLANTED_TOKEN = 'f022c0ffee0123456789abcdef7e57ed';
export const PLANTED_SECRETS: readonly string[] = [PLANTED_KEY, PLANTED_TOKEN];

/** Byte strings that break naive parsers: encodings, line ends, separators, quotes, escapes. */
const ODD_BYTES: readonly Buffer[] = [
  '\0',
  '\uFEFF',
  '\r\n',
  '\r',
  '\n',
  '\t',
  '\\\n',
  '\u2028',
  '\u0085',
  '\u202E',
  '\u0301',
  '\uFF1D',
  '😀',
  '"',
  "'",
  '`',
  '\\',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '#',
  ';',
  '=',
  ':',
  ',',
  '*',
  '$',
  '${',
  '%',
  '&',
  '|',
  '<<',
  '-',
  ' ',
  '/..',
  '../../../../',
  '\x1b[2J',
].map((text) => Buffer.from(text, 'utf8'));
/** Not valid UTF-8: lone continuation bytes, an overlong NUL, a surrogate half, 0xff. */
const INVALID_UTF8: readonly Buffer[] = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf4, 0x90]].map(
  (bytes) => Buffer.from(bytes),
);
const INTERESTING_INTS = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff];
const NESTING: readonly [string, string][] = [
  ['{', '}'],
  ['[', ']'],
  ['(', ')'],
  ['"', '"'],
  ['{ ', ' }\n'],
  ['- ', '\n'],
  ['  ', ''],
  ['[a.', ']'],
  ['a:\n ', '\n'],
  ['Match User x\n', ''],
  ['include "', '"\n'],
];

export type Mutation =
  | { kind: 'insertLine'; at: number; line: string }
  | { kind: 'deleteLines'; at: number; count: number }
  | { kind: 'duplicateLine'; at: number; times: number; bytes?: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'flipBit'; at: number; bit: number }
  | { kind: 'insertBytes'; at: number; bytes: Buffer }
  | { kind: 'overwriteInt'; at: number; value: number; width: 1 | 2 | 4 }
  | { kind: 'repeatSlice'; at: number; length: number; times: number; bytes?: number }
  | { kind: 'nest'; at: number; pair: [string, string]; depth: number; bytes?: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'crlf' }
  | { kind: 'bom' }
  | { kind: 'splice'; at: number; from: number; start: number; length: number }
  | { kind: 'plantSecret'; at: number; template: string; secret: string };

export interface MutationOptions {
  /** Whole lines to insert (from every seed of the parser, and its keywords); `{SECRET}` is filled by plantSecret. */
  dictionary: readonly string[];
  /** Line templates that hold a secret where one belongs (`stacks_private_key = "{SECRET}"`). */
  secretLines: readonly string[];
  /** The largest one mutation may grow the input by (repeats, duplicates, nesting). */
  maxGrowthBytes: number;
  /** How many mutations at most are stacked on one seed. */
  maxMutations: number;
  /**
   * The share of growing mutations (duplicate a line, repeat a slice, nest) that grow by a large amount, drawn
   * log-uniformly in bytes up to twice the cap (so about 1 in 12 of them reaches maxGrowthBytes, ~1 in 3 passes
   * 100 KB at 1 MiB). The rest repeat a few times only. Default LARGE_SHARE.
   */
  largeShare?: number;
}

/**
 * The default share of large growing mutations: ~4% of cases then hold one (~1.4% of cases pass 100 KB, ~0.3% reach
 * the 1 MiB cap). Sizes drawn uniformly up to the cap made a third of all cases multi-megabyte, and a run cost
 * seconds per case; the big inputs still come, a few hundred in 100,000 cases.
 */
export const LARGE_SHARE = 0.05;
/** The smallest large growth: below it a large draw is no different from a few repeats. */
const LARGE_FROM_BYTES = 256;
const LOG_STEPS = 4096;

/** An integer drawn log-uniformly in [min, max] (as many between 1 and 10 KB as between 10 and 100 KB); it shrinks to min. */
export function logUniform(min: number, max: number): fc.Arbitrary<number> {
  if (max <= min) return fc.constant(min);
  return fc
    .integer({ min: 0, max: LOG_STEPS })
    .map((step) => Math.min(max, Math.round(min * (max / min) ** (step / LOG_STEPS))));
}

export interface MutatedInput {
  seed: number;
  mutations: Mutation[];
}

function mutationArbitrary(options: MutationOptions, seeds: number): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  const dictionaryLine =
    options.dictionary.length > 0 ? fc.constantFrom(...options.dictionary) : fc.string({ maxLength: 40 });
  const line = fc.oneof(
    { weight: 4, arbitrary: dictionaryLine },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
  const secretTemplates = ['{SECRET}', ...options.secretLines];
  // A growing mutation repeats a few times, or (largeShare of them) grows by a size drawn log-uniformly in bytes:
  // a uniform draw up to the cap made most of them megabytes, and most of a run's time went to a few sizes.
  const largeShare = Math.min(1, Math.max(0, options.largeShare ?? LARGE_SHARE));
  const largeBytes = logUniform(LARGE_FROM_BYTES, Math.max(LARGE_FROM_BYTES, 2 * options.maxGrowthBytes));
  const grow = <T extends Mutation>(few: fc.Arbitrary<T>): fc.Arbitrary<T> => {
    const large = fc.tuple(few, largeBytes).map(([mutation, bytes]) => ({ ...mutation, bytes }));
    const weight = Math.round(largeShare * 1000);
    if (weight <= 0) return few;
    if (weight >= 1000) return large;
    return fc.oneof({ weight: 1000 - weight, arbitrary: few }, { weight, arbitrary: large });
  };
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('insertLine' as const), at, line }) },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('deleteLines' as const), at, count: fc.integer({ min: 1, max: 8 }) }),
    },
    {
      weight: 3,
      arbitrary: grow(
        fc.record({ kind: fc.constant('duplicateLine' as const), at, times: fc.integer({ min: 1, max: 4 }) }),
      ),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('swapLines' as const), a: at, b: at }) },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('flipBit' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('insertBytes' as const),
        at,
        bytes: fc.oneof(
          fc.constantFrom(...ODD_BYTES),
          fc.constantFrom(...INVALID_UTF8),
          fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('overwriteInt' as const),
        at,
        value: fc.oneof(fc.constantFrom(...INTERESTING_INTS), fc.nat()),
        width: fc.constantFrom(1 as const, 2 as const, 4 as const),
      }),
    },
    {
      weight: 2,
      arbitrary: grow(
        fc.record({
          kind: fc.constant('repeatSlice' as const),
          at,
          length: fc.integer({ min: 1, max: 64 }),
          times: fc.integer({ min: 2, max: 16 }),
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: grow(
        fc.record({
          kind: fc.constant('nest' as const),
          at,
          pair: fc.constantFrom(...NESTING),
          depth: fc.integer({ min: 1, max: 64 }),
        }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'crlf' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('splice' as const),
        at,
        from: fc.nat({ max: Math.max(0, seeds - 1) }),
        start: at,
        length: fc.integer({ min: 1, max: 400 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('plantSecret' as const),
        at,
        template: fc.constantFrom(...secretTemplates),
        secret: fc.constantFrom(...PLANTED_SECRETS),
      }),
    },
  );
}

/** A seed (index into `seeds`) and the mutations applied to it, in order. */
export function mutatedInputArbitrary(seeds: readonly Buffer[], options: MutationOptions): fc.Arbitrary<MutatedInput> {
  return fc.record({
    seed: fc.nat({ max: seeds.length - 1 }),
    mutations: fc.array(mutationArbitrary(options, seeds.length), { minLength: 0, maxLength: options.maxMutations }),
  });
}

// Inputs reach megabytes: the helpers below scan without building arrays of offsets, and every mutation allocates
// its result once (a repeat is filled in place, not built and then concatenated).

/** How many lines `input` has (a last line without \n counts; at least 1), and how many \n bytes. */
function countLines(input: Buffer): { lines: number; newlines: number } {
  // A plain loop: indexOf per line costs a native call per line, and a repeated short line makes 500,000 of them.
  let newlines = 0;
  for (let i = 0; i < input.length; i += 1) if (input[i] === 10) newlines += 1;
  const unterminated = input.length > 0 && input[input.length - 1] !== 10 ? 1 : 0;
  return { lines: Math.max(1, newlines + unterminated), newlines };
}

/** Where line `k` starts: 0, or after the k-th \n (k ≤ newlines); past that, the input's length. */
function startOfLine(input: Buffer, k: number): number {
  if (k === 0) return 0;
  let seen = 0;
  for (let i = 0; i < input.length; i += 1) if (input[i] === 10 && ++seen === k) return i + 1;
  return input.length;
}

function lineRange(input: Buffer, index: number): [number, number] {
  const line = index % countLines(input).lines;
  const start = startOfLine(input, line);
  const next = input.indexOf(10, start);
  return [start, next === -1 ? input.length : next + 1];
}

/** A line start (0, after each \n, and the input's end), chosen by `index` modulo how many there are. */
function lineStart(input: Buffer, index: number): number {
  const { newlines } = countLines(input);
  const unterminated = input.length > 0 && input[input.length - 1] !== 10 ? 1 : 0;
  const k = index % (newlines + 1 + unterminated);
  return k > newlines ? input.length : startOfLine(input, k);
}

/** `input` with `length` bytes inserted at `at`: `bytes`, repeated to fill them (one allocation, one copy). */
function insertAt(input: Buffer, at: number, bytes: Buffer, length = bytes.length): Buffer {
  if (length === 0) return input;
  const result = Buffer.allocUnsafe(input.length + length);
  input.copy(result, 0, 0, at);
  if (length === bytes.length) bytes.copy(result, at);
  else result.fill(bytes, at, at + length);
  input.copy(result, at + length, at);
  return result;
}

/** How many copies of `unit` bytes a growing mutation makes: its count, or its size in bytes; within the cap. */
function copies(mutation: { times: number; bytes?: number }, unit: number, maxGrowth: number): number {
  const wanted = mutation.bytes !== undefined ? Math.ceil(mutation.bytes / unit) : mutation.times;
  return Math.max(0, Math.min(wanted, Math.floor(maxGrowth / unit)));
}

/** Every \n not after a \r becomes \r\n, bytewise (a string round trip cost three copies of a megabyte input). */
function toCrlf(input: Buffer): Buffer {
  let bare = 0;
  for (let i = 0; i < input.length; i += 1) if (input[i] === 10 && (i === 0 || input[i - 1] !== 13)) bare += 1;
  if (bare === 0) return input;
  const result = Buffer.allocUnsafe(input.length + bare);
  let from = 0;
  let to = 0;
  for (let i = input.indexOf(10); i !== -1; i = input.indexOf(10, i + 1)) {
    if (i > 0 && input[i - 1] === 13) continue;
    to += input.copy(result, to, from, i);
    result[to] = 13;
    to += 1;
    from = i;
  }
  input.copy(result, to, from);
  return result;
}

/**
 * Applies one mutation; growth is capped so one case stays a test input, not a memory test. `owned`: the input is
 * the caller's own scratch copy, changed in place where a mutation overwrites bytes (never a seed or an original).
 */
export function applyMutation(
  input: Buffer,
  mutation: Mutation,
  seeds: readonly Buffer[],
  maxGrowth: number,
  owned = false,
): Buffer {
  const position = (at: number) => (input.length === 0 ? 0 : at % (input.length + 1));
  switch (mutation.kind) {
    case 'insertLine':
      return insertAt(input, lineStart(input, mutation.at), Buffer.from(`${mutation.line}\n`, 'utf8'));
    case 'deleteLines': {
      const [start] = lineRange(input, mutation.at);
      let end = start;
      for (let i = 0; i < mutation.count; i += 1) {
        const next = input.indexOf(10, end);
        end = next === -1 ? input.length : next + 1;
      }
      return Buffer.concat([input.subarray(0, start), input.subarray(end)]);
    }
    case 'duplicateLine': {
      const [start, end] = lineRange(input, mutation.at);
      const line = input.subarray(start, end);
      const withNewline = line.at(-1) === 10 ? line : Buffer.concat([line, Buffer.from('\n')]);
      const times = copies(mutation, Math.max(1, withNewline.length), maxGrowth);
      return insertAt(input, end, withNewline, withNewline.length * times);
    }
    case 'swapLines': {
      const [aStart, aEnd] = lineRange(input, mutation.a);
      const [bStart, bEnd] = lineRange(input, mutation.b);
      if (aStart === bStart) return input;
      const [first, second] =
        aStart < bStart
          ? [
              [aStart, aEnd],
              [bStart, bEnd],
            ]
          : [
              [bStart, bEnd],
              [aStart, aEnd],
            ];
      return Buffer.concat([
        input.subarray(0, first[0]),
        input.subarray(second[0], second[1]),
        input.subarray(first[1], second[0]),
        input.subarray(first[0], first[1]),
        input.subarray(second[1]),
      ]);
    }
    case 'flipBit': {
      if (input.length === 0) return input;
      const copy = owned ? input : Buffer.from(input);
      const at = mutation.at % copy.length;
      copy[at] = (copy[at] ?? 0) ^ (1 << mutation.bit);
      return copy;
    }
    case 'insertBytes':
      return insertAt(input, position(mutation.at), mutation.bytes);
    case 'overwriteInt': {
      if (input.length < mutation.width) return input;
      const copy = owned ? input : Buffer.from(input);
      const at = mutation.at % (copy.length - mutation.width + 1);
      const value = mutation.value % 2 ** (8 * mutation.width);
      copy.writeUIntLE(value, at, mutation.width);
      return copy;
    }
    case 'repeatSlice': {
      const start = position(mutation.at);
      const slice = input.subarray(start, start + mutation.length);
      if (slice.length === 0) return input;
      return insertAt(input, start, slice, slice.length * copies(mutation, slice.length, maxGrowth));
    }
    case 'nest': {
      const [open, close] = mutation.pair;
      const amount = mutation.bytes !== undefined ? { times: 0, bytes: mutation.bytes } : { times: mutation.depth };
      const depth = copies(amount, Math.max(1, open.length + close.length), maxGrowth);
      const bytes = Buffer.from(open.repeat(depth) + close.repeat(depth), 'utf8');
      return insertAt(input, lineStart(input, mutation.at), bytes);
    }
    case 'truncate':
      return input.subarray(0, position(mutation.at));
    case 'crlf':
      return toCrlf(input);
    case 'bom':
      return insertAt(input, 0, Buffer.from([0xef, 0xbb, 0xbf]));
    case 'splice': {
      const other = seeds[mutation.from % seeds.length] ?? Buffer.alloc(0);
      const start = other.length === 0 ? 0 : mutation.start % other.length;
      return insertAt(input, position(mutation.at), other.subarray(start, start + mutation.length));
    }
    case 'plantSecret': {
      const line = mutation.template.replaceAll('{SECRET}', mutation.secret);
      return insertAt(input, lineStart(input, mutation.at), Buffer.from(`${line}\n`, 'utf8'));
    }
  }
}

export function applyMutations(seeds: readonly Buffer[], mutated: MutatedInput, maxGrowth: number): Buffer {
  const seed = seeds[mutated.seed] ?? Buffer.alloc(0);
  let input = seed;
  for (const mutation of mutated.mutations) {
    // Once a mutation has made a new buffer, later ones may overwrite its bytes in place: it is this case's alone.
    const owned = input.buffer !== seed.buffer;
    input = applyMutation(input, mutation, seeds, maxGrowth, owned);
  }
  return input;
}

/** Every line of every seed, de-duplicated: lines to insert that the parser knows the shape of. */
export function linesOf(seeds: readonly Buffer[]): string[] {
  const lines = new Set<string>();
  for (const seed of seeds) for (const line of seed.toString('utf8').split('\n')) if (line.trim()) lines.add(line);
  return [...lines];
}
