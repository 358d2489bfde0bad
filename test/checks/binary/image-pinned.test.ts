import assert from 'node:assert/strict';
import { test } from 'node:test';
import check, { judgeImage } from '../../../src/checks/binary/image-pinned.js';
import { runCheckCases } from '../../support/check-tester.js';
import { engineStateHost } from '../../support/docker-hosts.js';
import { composeHost, signerHost } from '../../support/hosts.js';

const DIGEST = 'sha256:4c0e5b8f0d6a3b2e1f9c8d7a6b5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e';

/** A compose project whose signer uses `image`. */
function withImage(image: string) {
  const files = composeHost({ endpoint: '0.0.0.0:30000' });
  const compose = String(files['opt/stacks/compose.yaml']).replace('ghcr.io/stacks-network/stacks-signer:4.0.2', image);
  return { ...files, 'opt/stacks/compose.yaml': compose };
}

runCheckCases(check, {
  pass: [
    {
      name: 'ghcr.io with tag and digest',
      files: withImage(`ghcr.io/stacks-network/stacks-signer:4.0.2@${DIGEST}`),
      messages: ['pinned'],
      verify: ({ result }) => assert.match(result.message, /sha256:4c0e5b8f0d6a/),
    },
    {
      name: 'Docker Hub blockstack/ by digest',
      files: withImage(`blockstack/stacks-signer@${DIGEST}`),
      messages: ['pinned'],
    },
    {
      name: 'docker.io/blockstack/ by digest',
      files: withImage(`docker.io/blockstack/stacks-signer:3.1.0.0.13.0@${DIGEST}`),
      messages: ['pinned'],
    },
    {
      name: 'engine state: Config.Image by digest',
      files: engineStateHost({ image: `index.docker.io/blockstack/stacks-signer@${DIGEST}` }),
      messages: ['pinned'],
    },
  ],
  fail: [
    { name: 'a tag only', files: withImage('ghcr.io/stacks-network/stacks-signer:4.0.2'), messages: ['tagOnly'] },
    { name: 'latest', files: withImage('blockstack/stacks-signer:latest'), messages: ['latest'] },
    { name: 'no tag means latest', files: withImage('blockstack/stacks-signer'), messages: ['latest'] },
    {
      name: 'another registry, even by digest',
      files: withImage(`docker.io/someone/stacks-signer@${DIGEST}`),
      messages: ['unofficial'],
    },
    {
      name: 'a short digest',
      files: withImage('ghcr.io/stacks-network/stacks-signer@sha256:abc123'),
      messages: ['badDigest'],
    },
    {
      name: 'the node image is judged too',
      files: {
        ...withImage(`ghcr.io/stacks-network/stacks-signer@${DIGEST}`),
        ...(() => {
          const files = composeHost({}, [], true);
          return {
            'opt/stacks/compose.yaml': String(files['opt/stacks/compose.yaml']).replace(
              'ghcr.io/stacks-network/stacks-signer:4.0.2',
              `ghcr.io/stacks-network/stacks-signer@${DIGEST}`,
            ),
            'opt/stacks/node.toml': files['opt/stacks/node.toml']!,
          };
        })(),
      },
      messages: ['tagOnly'],
      verify: ({ items }) => {
        assert.ok(items.some((item) => item.status === 'pass' && item.messageId === 'pinned'));
        assert.ok(items.some((item) => item.status === 'fail' && /compose service node/.test(item.message)));
      },
    },
  ],
  notApplicable: [{ name: 'no container', files: signerHost() }],
});

test('judgeImage: a registry port is not a tag', () => {
  assert.deepEqual(judgeImage('ghcr.io/stacks-network/stacks-signer'), { status: 'latest', tag: 'latest' });
  assert.deepEqual(judgeImage('localhost:5000/stacks-signer:4.0.2'), { status: 'unofficial' });
});
