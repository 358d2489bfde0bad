// TOML parsing shared by the signer and node config parsers: errors without secrets, and key positions.
import { parse, TomlError } from 'smol-toml';
import { PARSE_LIMITS } from './parse-limits.js';
import { scanTomlKeyLines, type TomlKeyLine } from './toml-lines.js';

export interface TomlParseError {
  message: string;
  line: number | undefined;
  column: number | undefined;
}

export type TomlDocument =
  | { ok: true; value: Record<string, unknown>; keyLines: TomlKeyLine[] }
  | { ok: false; error: TomlParseError };

/**
 * Signer and node configs are a few KB; these bound a hostile one far above any real config. Time grows faster than
 * the size (100k tables took 2.7 s, 200k 6.8 s), and dotted keys nest without smol-toml's depth check (`a.a.a… = 1`
 * 200k deep parsed, and every recursive reader of the result would overflow).
 */
export const TOML_LIMITS = {
  maxBytes: PARSE_LIMITS.toml.maxBytes,
  maxDepth: PARSE_LIMITS.toml.maxDepth,
  maxKeys: PARSE_LIMITS.toml.maxEntries,
} as const;

function limitError(what: string): TomlParseError {
  return { message: `invalid TOML: ${what}; not read`, line: undefined, column: undefined };
}

/** What the parsed value exceeds (nesting of tables and arrays, keys in all), in one walk with an explicit stack. */
function shapeOverLimit(root: Record<string, unknown>): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  let keys = 0;
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (depth > TOML_LIMITS.maxDepth) return `nested deeper than ${TOML_LIMITS.maxDepth} levels`;
    const children = Array.isArray(value) ? value : Object.values(value);
    keys += children.length;
    if (keys > TOML_LIMITS.maxKeys) return `more than ${TOML_LIMITS.maxKeys} keys and items`;
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/**
 * Parses TOML. On failure only smol-toml's one-line reason and the position are kept: its message also carries a
 * code excerpt of the offending lines, which in a signer config may show the private key or the auth password.
 */
export function parseTomlDocument(text: string): TomlDocument {
  if (text.length > TOML_LIMITS.maxBytes) {
    return { ok: false, error: limitError(`larger than ${TOML_LIMITS.maxBytes} bytes`) };
  }
  try {
    const value = parse(text, { maxDepth: TOML_LIMITS.maxDepth }) as Record<string, unknown>;
    const overLimit = shapeOverLimit(value);
    if (overLimit) return { ok: false, error: limitError(overLimit) };
    return { ok: true, value, keyLines: scanTomlKeyLines(text) };
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      return { ok: false, error: { message: `invalid TOML: ${reason}`, line: error.line, column: error.column } };
    }
    return { ok: false, error: { message: 'invalid TOML', line: undefined, column: undefined } };
  }
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
