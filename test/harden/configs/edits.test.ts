import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideConfigEdits } from '../../../src/harden/configs/edits.js';
import { parseNodeConfig } from '../../../src/parsers/node-config.js';
import { parseSignerConfig } from '../../../src/parsers/signer-config.js';
import { signerToml, TEST_AUTH_TOKEN, TEST_SIGNER_KEY } from '../../support/hosts.js';

const FRESH = 'f'.repeat(8) + '0123456789abcdef0123456789abcdef0123456789abcdef01234567';

function nodeToml(observer: string, token = TEST_AUTH_TOKEN): string {
  return `[node]\r\nrpc_bind = "127.0.0.1:20443"\r\n\r\n[[events_observer]]\r\nendpoint = "${observer}"\r\nevents_keys = ["stackerdb"]\r\n\r\n[connection_options]\r\nauth_token = "${token}"\r\n`;
}

function tokens(): { next: () => string; calls: () => number } {
  let calls = 0;
  return {
    next: () => {
      calls++;
      return FRESH;
    },
    calls: () => calls,
  };
}

describe('decideConfigEdits', () => {
  test('a wildcard endpoint moves to the loopback address the node sends events to (IPv6 kept)', () => {
    const source = tokens();
    const edits = decideConfigEdits({
      signerText: signerToml({ endpoint: '0.0.0.0:30000' }),
      nodeText: nodeToml('[::1]:30000'),
      newToken: source.next,
    });
    assert.deepEqual(edits.errors, []);
    assert.equal(edits.signer.text, signerToml({ endpoint: '[::1]:30000' }));
    assert.deepEqual(edits.signer.changedKeys, ['endpoint']);
    assert.equal(edits.node?.changedKeys.length, 0);
    assert.equal(source.calls(), 0, 'a strong, matching token is kept');
    assert.ok(edits.addresses.includes('topology/signer-endpoint-exposure'));
    assert.ok(edits.addresses.includes('keys/auth-token-strength'));
  });

  test('no observer over loopback for this port: the endpoint stays, with a note', () => {
    const edits = decideConfigEdits({
      signerText: signerToml({ endpoint: '0.0.0.0:30000' }),
      nodeText: nodeToml('10.0.0.5:30000'),
      newToken: tokens().next,
    });
    assert.deepEqual(edits.signer.changedKeys, []);
    assert.ok(!edits.addresses.includes('topology/signer-endpoint-exposure'));
    assert.match(edits.notes.join('\n'), /bind the signer's private address yourself/);
  });

  test('a weak or mismatched token is replaced in both files by one fresh token; CRLF and other keys stay', () => {
    for (const [signerToken, nodeToken] of [
      ['12345', '12345'],
      [TEST_AUTH_TOKEN, `${TEST_AUTH_TOKEN}x`],
    ] as const) {
      const source = tokens();
      const edits = decideConfigEdits({
        signerText: signerToml({ auth_password: signerToken }),
        nodeText: nodeToml('127.0.0.1:30000', nodeToken),
        newToken: source.next,
      });
      assert.equal(source.calls(), 1);
      const signer = parseSignerConfig(edits.signer.text);
      const node = parseNodeConfig(edits.node?.text ?? '');
      assert.ok(signer.ok && node.ok);
      assert.equal(signer.config.authPassword, FRESH);
      assert.equal(signer.config.stacksPrivateKey, TEST_SIGNER_KEY);
      assert.equal(node.config.connectionOptions.authToken, FRESH);
      assert.equal(edits.node?.text, nodeToml('127.0.0.1:30000', FRESH));
      const said = JSON.stringify({ ...edits, signer: edits.signer.changedKeys, node: edits.node?.changedKeys });
      for (const secret of [FRESH, signerToken, TEST_SIGNER_KEY]) assert.ok(!said.includes(secret));
    }
  });

  test('node elsewhere: a weak token is only a note (rotating one side would cut the signer off)', () => {
    const source = tokens();
    const edits = decideConfigEdits({ signerText: signerToml({ auth_password: '12345' }), newToken: source.next });
    assert.equal(source.calls(), 0);
    assert.equal(edits.node, undefined);
    assert.ok(!edits.addresses.includes('keys/auth-token-strength'));
    assert.match(edits.notes.join('\n'), /openssl rand -hex 32/);
  });

  test('a public metrics bind moves to 127.0.0.1 on the same port', () => {
    const edits = decideConfigEdits({
      signerText: signerToml({ metrics_endpoint: '203.0.113.7:9154' }),
      newToken: tokens().next,
    });
    assert.equal(edits.signer.text, signerToml({ metrics_endpoint: '127.0.0.1:9154' }));
    assert.ok(edits.addresses.includes('topology/metrics-endpoint-local'));
  });

  test('a signer config that does not parse is an error with its line, never its text', () => {
    const edits = decideConfigEdits({
      signerText: `stacks_private_key = "${TEST_SIGNER_KEY}"\nendpoint = `,
      newToken: tokens().next,
    });
    assert.match(edits.errors[0] ?? '', /signer config: invalid TOML.*line 2/);
    assert.ok(!edits.errors.join('').includes(TEST_SIGNER_KEY));
  });
});
