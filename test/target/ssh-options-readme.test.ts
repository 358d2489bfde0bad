// The README's "Fleet" section gives the exact ssh command line: every fixed option the connection passes is in it,
// and it names no option the connection does not pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { SSH_FIXED_OPTIONS } from '../../src/target/ssh-connection.js';

const README = readFileSync(join(resolve(import.meta.dirname, '../../..'), 'README.md'), 'utf8');

test('the README lists the exact ssh options every connection uses', () => {
  const section = README.slice(README.indexOf('**The ssh command.**'), README.indexOf('**Nothing is installed'));
  assert.ok(section.length > 100, 'the README has no "The ssh command" paragraph');
  const flat = section.replace(/\s+/g, ' ');
  for (const option of SSH_FIXED_OPTIONS) assert.ok(flat.includes(`-o ${option}`), `README lacks -o ${option}`);
  const listed = [...flat.matchAll(/-o (\w+)=/g)].map((match) => match[1]!);
  const passed = new Set([
    ...SSH_FIXED_OPTIONS.map((option) => option.split('=')[0]!),
    'ControlMaster',
    'ControlPath',
    'ConnectTimeout',
  ]);
  for (const name of listed) assert.ok(passed.has(name), `README names -o ${name}, which the connection does not pass`);
});
