// Searches outputs and file trees for a private key in every encoding a leak could take.
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** 64 hex lower/upper (so also with 01, with 0x), and base64 of the 32 and 33 bytes. */
export function keyForms(keyHex: string): string[] {
  const scalar = keyHex.slice(0, 64).toLowerCase();
  const bytes = Buffer.from(scalar, 'hex');
  return [
    scalar,
    scalar.toUpperCase(),
    bytes.toString('base64'),
    Buffer.concat([bytes, Buffer.from([1])]).toString('base64'),
  ];
}

export function assertNoKey(text: string | Buffer, keyHex: string, where: string): void {
  const haystack = typeof text === 'string' ? text : text.toString('latin1');
  for (const form of keyForms(keyHex)) assert.ok(!haystack.includes(form), `${where} contains the private key`);
}

/**
 * Every regular file under `dir` (recursively; symlinks not followed) that holds the key, except `allowed` paths.
 * Files that vanish or can't be read while walking (other tests' temp dirs) are skipped.
 */
export function filesHoldingKey(dir: string, keyHex: string, allowed: ReadonlySet<string> = new Set()): string[] {
  const forms = keyForms(keyHex).map((form) => Buffer.from(form, 'latin1'));
  const found: string[] = [];
  const walk = (current: string) => {
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(current, name);
      try {
        const stats = lstatSync(path);
        if (stats.isDirectory()) walk(path);
        else if (stats.isFile() && stats.size < 16 * 1024 * 1024 && !allowed.has(path)) {
          const bytes = readFileSync(path);
          if (forms.some((form) => bytes.includes(form))) found.push(path);
        }
      } catch {
        // gone or unreadable meanwhile
      }
    }
  };
  walk(dir);
  return found;
}
