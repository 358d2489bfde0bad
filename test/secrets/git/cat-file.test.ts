import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readBatch } from '../../../src/secrets/git/cat-file.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** cat-file output cut into pieces at every given offset, as a pipe may deliver it. */
function piecesOf(output: Buffer, cuts: number[]): Readable {
  const bounds = [0, ...cuts, output.length];
  return Readable.from(bounds.slice(1).map((end, i) => output.subarray(bounds[i], end)));
}

const output = Buffer.from(
  `${A} blob 5 config missing\nhello\n${B} missing\n${C} blob 12 \nsecond blob!\n${'d'.repeat(40)} blob 3 big\nxyz\n`,
);

test('objects come out whole however the pipe cuts headers and contents', async () => {
  for (const cuts of [[], [10], [45, 60], Array.from({ length: output.length - 1 }, (_, i) => i + 1)]) {
    // Read as it comes: content spread over pieces lives in a buffer the next such object reuses.
    const objects: string[] = [];
    for await (const object of readBatch(piecesOf(output, cuts), 5)) {
      objects.push(
        'missing' in object ? `missing ${object.missing}` : `${object.oid} ${object.rest} ${object.content ?? '-'}`,
      );
    }
    assert.deepEqual(
      objects,
      [
        // A path that ends in " missing" is still an object.
        `${A} config missing hello`,
        `missing ${B}`,
        // Over the 5-byte cap: announced, content never held.
        `${C}  -`,
        `${'d'.repeat(40)} big xyz`,
      ],
      `cuts ${cuts.length}`,
    );
  }
});

test('output that ends inside an object or a header is an error, not a short read', async () => {
  const drain = async (text: string) => {
    for await (const _ of readBatch(Readable.from([Buffer.from(text)]), 100)) {
      // Only the error matters.
    }
  };
  await assert.rejects(drain(`${A} blob 10 x\nhel`), /ended inside object/);
  await assert.rejects(drain(`${A} blob`), /ended inside a header/);
  await assert.rejects(drain('not a header\n'), /unexpected output line/);
});
