// Issue 18 item 4: compose files large enough to make a quadratic YAML parse hang the audit. Each case would take
// minutes with the library's own duplicate-key check; the outer timeout only catches a regression to that.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ComposeDiscovery, discoverCompose } from '../../src/discovery/compose.js';
import { COMPOSE_LIMITS } from '../../src/parsers/compose-yaml.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

async function discover(files: FileSpec): Promise<ComposeDiscovery> {
  const tree = await materialiseFiles(files);
  try {
    return await discoverCompose(new DirectoryTarget(tree.root, { live: false }));
  } finally {
    tree.cleanup();
  }
}

function environmentOf(keys: number): string {
  const lines = ['services:', '  signer:', '    image: stacks-signer', '    environment:'];
  for (let i = 0; i < keys; i++) lines.push(`      KEY_${i}: value-${i}`);
  return `${lines.join('\n')}\n`;
}

describe('compose files built to be slow', { timeout: 240_000 }, () => {
  test('18k unique keys (470 KB) parse: the duplicate check is one set per map, not a scan per key', async () => {
    const text = environmentOf(18_000);
    assert.ok(text.length > 400_000 && text.length < COMPOSE_LIMITS.maxBytes, String(text.length));
    const found = await discover({ 'opt/signer/compose.yml': text });
    assert.deepEqual(found.unreadable, []);
    assert.equal(found.services.length, 1);
    assert.equal(Object.keys(found.services[0]!.environment).length, 18_000);
  });

  test('20k duplicate image: lines (500 KB) are one duplicate-key error at the second one', async () => {
    const text = `services:\n  signer:\n${'    image: stacks-signer\n'.repeat(20_000)}`;
    assert.ok(text.length < COMPOSE_LIMITS.maxBytes);
    const found = await discover({ 'opt/signer/compose.yml': text });
    assert.deepEqual(found.services, []);
    assert.deepEqual(found.unreadable, [
      'compose file /opt/signer/compose.yml:4:5 could not be read or parsed: YAML duplicate key',
    ]);
  });

  test('a file over the size limit is refused before parsing', async () => {
    const found = await discover({ 'opt/signer/compose.yml': environmentOf(250_000) });
    assert.equal(found.unreadable.length, 1);
    assert.match(
      found.unreadable[0]!,
      /^compose file \/opt\/signer\/compose\.yml could not be read or parsed: .*limit/,
    );
  });

  test('more nodes than the limit, in a file under the size limit, is an error with a place', async () => {
    const items = `services:\n  signer:\n    image: stacks-signer\n    x: [${'1,'.repeat(COMPOSE_LIMITS.maxNodes)}1]\n`;
    const found = await discover({ 'opt/signer/compose.yml': items });
    assert.deepEqual(found.unreadable, [
      'compose file /opt/signer/compose.yml:4:1 could not be read or parsed: YAML too many nodes',
    ]);
  });

  test('nesting deeper than the limit is an error, not a stack overflow', async () => {
    const depth = 5_000;
    const found = await discover({
      'opt/signer/compose.yml': `services:\n  signer:\n    image: stacks-signer\n    x: ${'['.repeat(depth)}${']'.repeat(depth)}\n`,
    });
    assert.equal(found.unreadable.length, 1);
    assert.match(
      found.unreadable[0]!,
      /^compose file \/opt\/signer\/compose\.yml(:\d+:\d+)? could not be read or parsed: /,
    );
  });
});
