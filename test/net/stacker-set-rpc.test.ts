import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { HttpGetError, httpGet } from '../../src/net/http-get.js';
import { fetchStackerSet, NodeRpcError } from '../../src/net/stacker-set-rpc.js';
import { REPO_ROOT } from '../support/cli.js';
import { closedPort, type Route, startFakeNode } from '../support/fake-node.js';

/** A local server answers in milliseconds; the bound only stops a broken test, at well over 3× a loaded run. */
const FETCH_TIMEOUT_MS = 30_000;

const POX4 = readFileSync(`${REPO_ROOT}examples/stacker-sets/docs-pox4.json`, 'utf8');
const POX5 = readFileSync(`${REPO_ROOT}examples/stacker-sets/docs-pox5.json`, 'utf8');
const NOT_READY = JSON.stringify({
  response: 'error',
  err_type: 'not_available_try_again',
  err_msg:
    'Could not read reward set. Prepare phase may not have started for this cycle yet. Cycle = 22, Err = PoXAnchorBlockRequired',
});

async function withNode<T>(
  routes: Record<string, Route>,
  body: (url: URL, requests: string[]) => Promise<T>,
): Promise<T> {
  const node = await startFakeNode(routes);
  try {
    return await body(new URL(node.url), node.requests);
  } finally {
    await node.close();
  }
}

async function rejectsWith(
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
  failure: string,
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: Error & { failure?: string }) => {
    assert.ok(error instanceof type, `${error.name}: ${error.message}`);
    assert.equal(error.failure, failure, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('fetchStackerSet', () => {
  test('v3 answer, both reward_set_version shapes', async () => {
    await withNode(
      { '/v3/stacker_set/90': { status: 200, body: POX4 }, '/v3/stacker_set/91': { status: 200, body: POX5 } },
      async (url, requests) => {
        const v0 = await fetchStackerSet(url, 90, { timeoutMs: FETCH_TIMEOUT_MS });
        assert.equal(v0.set.rewardSetVersion, 0);
        assert.equal(v0.set.signers[0]!.stackedUstx, 2_143_020_000_000_000n);
        assert.equal(v0.url, `${url.origin}/v3/stacker_set/90`);
        const v1 = await fetchStackerSet(url, 91, { timeoutMs: FETCH_TIMEOUT_MS });
        assert.equal(v1.set.rewardSetVersion, 1);
        assert.deepEqual(requests, ['/v3/stacker_set/90', '/v3/stacker_set/91']);
      },
    );
  });

  test('a 2.5 node: 404 on /v3, then /v2', async () => {
    await withNode({ '/v2/stacker_set/7': { status: 200, body: POX4 } }, async (url, requests) => {
      const fetched = await fetchStackerSet(url, 7, { timeoutMs: FETCH_TIMEOUT_MS });
      assert.equal(fetched.url, `${url.origin}/v2/stacker_set/7`);
      assert.deepEqual(requests, ['/v3/stacker_set/7', '/v2/stacker_set/7']);
    });
  });

  test('a base path behind a proxy is kept', async () => {
    await withNode({ '/stacks/v3/stacker_set/5': { status: 200, body: POX4 } }, async (url) => {
      const fetched = await fetchStackerSet(new URL('/stacks/', url), 5, { timeoutMs: FETCH_TIMEOUT_MS });
      assert.equal(fetched.set.signers.length, 1);
    });
  });

  test('not available yet: HTTP 400 not_available_try_again', async () => {
    await withNode({ '/v3/stacker_set/22': { status: 400, body: NOT_READY } }, (url) =>
      rejectsWith(
        fetchStackerSet(url, 22, { timeoutMs: FETCH_TIMEOUT_MS }),
        NodeRpcError,
        'not-available',
        /^cycle 22's signer set is not available yet: .*try again later \(node: "Could not read reward set/,
      ),
    );
  });

  test('other 400s, 404 on both paths, 500, non-JSON and wrong JSON', async () => {
    await withNode(
      {
        '/v3/stacker_set/1': {
          status: 400,
          body: '{"response":"error","err_type":"other","err_msg":"Active PoX contract version at tip is Pre-PoX-4"}',
        },
        '/v3/stacker_set/3': { status: 500, body: 'boom' },
        '/v3/stacker_set/4': { status: 200, body: '<html>proxy error</html>' },
        '/v3/stacker_set/5': { status: 200, body: '{"stacker_set":{"signers":[]}}' },
      },
      async (url) => {
        await rejectsWith(
          fetchStackerSet(url, 1, { timeoutMs: FETCH_TIMEOUT_MS }),
          NodeRpcError,
          'rejected',
          /HTTP 400\): "Active PoX/,
        );
        await rejectsWith(
          fetchStackerSet(url, 2, { timeoutMs: FETCH_TIMEOUT_MS }),
          NodeRpcError,
          'no-endpoint',
          /HTTP 404 for \/v3\/stacker_set\/2 and \/v2\/stacker_set\/2/,
        );
        await rejectsWith(
          fetchStackerSet(url, 3, { timeoutMs: FETCH_TIMEOUT_MS }),
          NodeRpcError,
          'http-status',
          /HTTP 500/,
        );
        await rejectsWith(
          fetchStackerSet(url, 4, { timeoutMs: FETCH_TIMEOUT_MS }),
          NodeRpcError,
          'bad-answer',
          /not a usable stacker set: 1:1: invalid JSON/,
        );
        await rejectsWith(
          fetchStackerSet(url, 5, { timeoutMs: FETCH_TIMEOUT_MS }),
          NodeRpcError,
          'bad-answer',
          /stacker_set\.signers: the signer set is empty/,
        );
      },
    );
  });

  test('connection refused', async () => {
    const port = await closedPort();
    await rejectsWith(
      fetchStackerSet(new URL(`http://127.0.0.1:${port}`), 1, { timeoutMs: FETCH_TIMEOUT_MS }),
      HttpGetError,
      'refused',
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v3/stacker_set/1: connection refused`),
    );
  });

  test('a node that never answers: the deadline ends the request', async () => {
    await withNode({ '/v3/stacker_set/9': 'hang' }, (url) =>
      rejectsWith(
        // timeout-ok: the deadline is what this test exercises (the node never answers).
        fetchStackerSet(url, 9, { timeoutMs: 200 }),
        HttpGetError,
        'timeout',
        /no complete answer within 0\.2 s/,
      ),
    );
  });

  test('an answer over the size cap is cut off', async () => {
    await withNode({ '/big': { status: 200, body: 'x'.repeat(100_000) } }, (url) =>
      rejectsWith(
        httpGet(new URL('/big', url), { timeoutMs: FETCH_TIMEOUT_MS, maxBytes: 1000 }),
        HttpGetError,
        'too-large',
        /larger than 1000 bytes/,
      ),
    );
  });
});
