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
  | { kind: 'duplicateLine'; at: number; times: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'flipBit'; at: number; bit: number }
  | { kind: 'insertBytes'; at: number; bytes: Buffer }
  | { kind: 'overwriteInt'; at: number; value: number; width: 1 | 2 | 4 }
  | { kind: 'repeatSlice'; at: number; length: number; times: number }
  | { kind: 'nest'; at: number; pair: [string, string]; depth: number }
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
  const maxTimes = Math.max(2, options.maxGrowthBytes);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('insertLine' as const), at, line }) },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('deleteLines' as const), at, count: fc.integer({ min: 1, max: 8 }) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('duplicateLine' as const),
        at,
        times: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: maxTimes })),
      }),
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
      arbitrary: fc.record({
        kind: fc.constant('repeatSlice' as const),
        at,
        length: fc.integer({ min: 1, max: 64 }),
        times: fc.oneof(fc.integer({ min: 2, max: 16 }), fc.integer({ min: 17, max: maxTimes })),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('nest' as const),
        at,
        pair: fc.constantFrom(...NESTING),
        depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: Math.max(65, maxTimes / 4) })),
      }),
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

/** Offsets where lines start (0 and after each \n), and the input's length. */
function lineStarts(input: Buffer): number[] {
  const starts = [0];
  for (let i = input.indexOf(10); i !== -1; i = input.indexOf(10, i + 1)) starts.push(i + 1);
  if (starts.at(-1) !== input.length) starts.push(input.length);
  return starts;
}

function lineRange(input: Buffer, index: number): [number, number] {
  const starts = lineStarts(input);
  const lines = Math.max(1, starts.length - 1);
  const line = index % lines;
  return [starts[line] ?? 0, starts[line + 1] ?? input.length];
}

function lineStart(input: Buffer, index: number): number {
  const starts = lineStarts(input);
  return starts[index % starts.length] ?? 0;
}

function insertAt(input: Buffer, at: number, bytes: Buffer): Buffer {
  return Buffer.concat([input.subarray(0, at), bytes, input.subarray(at)]);
}

/** Applies one mutation; growth is capped so one case stays a test input, not a memory test. */
export function applyMutation(input: Buffer, mutation: Mutation, seeds: readonly Buffer[], maxGrowth: number): Buffer {
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
      const times = Math.min(mutation.times, Math.floor(maxGrowth / Math.max(1, withNewline.length)));
      return insertAt(input, end, Buffer.alloc(withNewline.length * times, withNewline));
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
      const copy = Buffer.from(input);
      const at = mutation.at % copy.length;
      copy[at] = (copy[at] ?? 0) ^ (1 << mutation.bit);
      return copy;
    }
    case 'insertBytes':
      return insertAt(input, position(mutation.at), mutation.bytes);
    case 'overwriteInt': {
      if (input.length < mutation.width) return input;
      const copy = Buffer.from(input);
      const at = mutation.at % (copy.length - mutation.width + 1);
      const value = mutation.value % 2 ** (8 * mutation.width);
      copy.writeUIntLE(value, at, mutation.width);
      return copy;
    }
    case 'repeatSlice': {
      const start = position(mutation.at);
      const slice = input.subarray(start, start + mutation.length);
      if (slice.length === 0) return input;
      const times = Math.min(mutation.times, Math.floor(maxGrowth / slice.length));
      return insertAt(input, start, Buffer.alloc(slice.length * times, slice));
    }
    case 'nest': {
      const [open, close] = mutation.pair;
      const depth = Math.min(mutation.depth, Math.floor(maxGrowth / Math.max(1, open.length + close.length)));
      const bytes = Buffer.from(open.repeat(depth) + close.repeat(depth), 'utf8');
      return insertAt(input, lineStart(input, mutation.at), bytes);
    }
    case 'truncate':
      return input.subarray(0, position(mutation.at));
    case 'crlf':
      return Buffer.from(input.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), input]);
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
  let input = seeds[mutated.seed] ?? Buffer.alloc(0);
  for (const mutation of mutated.mutations) input = applyMutation(input, mutation, seeds, maxGrowth);
  return input;
}

/** Every line of every seed, de-duplicated: lines to insert that the parser knows the shape of. */
export function linesOf(seeds: readonly Buffer[]): string[] {
  const lines = new Set<string>();
  for (const seed of seeds) for (const line of seed.toString('utf8').split('\n')) if (line.trim()) lines.add(line);
  return [...lines];
}
