// TOML parsing shared by the signer and node config parsers: errors without secrets, and key positions.
import { parse, TomlError } from 'smol-toml';
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
 * Parses TOML. On failure only smol-toml's one-line reason and the position are kept: its message also carries a
 * code excerpt of the offending lines, which in a signer config may show the private key or the auth password.
 */
export function parseTomlDocument(text: string): TomlDocument {
  try {
    const value = parse(text) as Record<string, unknown>;
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
