// https://docs.stacks.co/operate/run-a-signer/signer-configuration — auth_password must equal the node's auth_token.
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { appliesToSignerConfig, at, signerConfig } from '../../facts/services/discovered-services.js';
import { isWeakAuthToken } from '../../stacks/published-secrets.js';
import { estimateTokenStrength, TOKEN_MIN_BITS, TOKEN_MIN_LENGTH } from '../../stacks/token-strength.js';

export default defineCheck({
  id: 'keys/auth-token-strength',
  title: "The signer's auth token is strong and matches the node",
  threats: ['host-compromise', 'key-generation'],
  severity: 'high',
  description: [
    "The signer sends `auth_password` raw in the `Authorization` header to the node's `/v3/block_proposal`; the node",
    'accepts proposals from whoever knows its `[connection_options] auth_token`. A guessable token lets anyone who reaches',
    "the node RPC submit proposals in the signer's name. It must not be empty, a published sample or template placeholder",
    '(`12345`, `<YOUR_AUTH_PASSWORD>`, ...), and must have at least ' + String(TOKEN_MIN_LENGTH) + ' characters and an',
    'estimated ' + String(TOKEN_MIN_BITS) + ' bits of entropy (repeats, runs, common words and years are charged as an',
    'attacker would guess them). When a node config is found, its `auth_token` (or the pre-3.0 `block_proposal_token`)',
    'must equal `auth_password`: a mismatch fails, because the node then rejects every proposal the signer submits; a node',
    'config without a token is a warning (the node disables the endpoint). A node config that cannot be read only leaves',
    'the comparison out. Neither value is ever printed, nor a fingerprint of it: the report says only whether they differ.',
  ].join(' '),
  remediation:
    "Generate a token with `openssl rand -hex 32`, put it into the signer's `auth_password` and the node's `[connection_options] auth_token` (identical), and restart both.",
  references: [
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
    'https://github.com/stacks-network/stacks-core/blob/master/stackslib/src/config/mod.rs',
  ],
  messages: {
    missing: 'auth_password is not set: the signer cannot start.',
    notString: 'auth_password is not a string.',
    empty: 'auth_password is empty.',
    published: 'auth_password is a published sample value or a template placeholder.',
    weak: 'auth_password is weak: {{reasons}}.',
    strong: 'auth_password has {{length}} characters and about {{bits}} bits of estimated entropy.',
    matches: "auth_password equals the node's {{nodeKey}}.",
    mismatch: "auth_password differs from the node's {{nodeKey}}: the node rejects the signer's block proposals.",
    nodeTokenMissing:
      'The node config sets no [connection_options] auth_token: the node disables /v3/block_proposal and the signer cannot submit.',
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path, parsed } = await signerConfig(ctx);
    const raw = parsed.config.raw.auth_password;
    const line = parsed.lineOf('auth_password');
    if (raw === undefined) return report.fail('missing', {}, at(path, undefined, 'no auth_password'));
    if (typeof raw !== 'string')
      return report.fail('notString', {}, at(path, line, `auth_password is a ${typeof raw}`));
    const evidence = at(path, line, `auth_password (${Array.from(raw).length} characters)`);
    const strength = estimateTokenStrength(raw);
    report.data({ length: strength.length, bits: strength.bits });
    if (raw.trim() === '') report.fail('empty', {}, evidence);
    else if (isWeakAuthToken(raw)) report.fail('published', {}, evidence);
    else if (strength.reasons.length > 0) report.fail('weak', { reasons: strength.reasons.join('; ') }, evidence);
    else report.pass('strong', { length: strength.length, bits: strength.bits }, evidence);

    const { node } = await ctx.discovery();
    if (!node || node.config.status === 'unknown' || node.config.status === 'missing') return;
    if (node.config.status !== 'ok') {
      report.evidence(at(node.config.path, node.config.line, `node config not compared: ${node.config.reason}`));
      return;
    }
    const { path: nodePath, parsed: nodeParsed } = node.config;
    const connection = (nodeParsed.config.raw.connection_options ?? {}) as Record<string, unknown>;
    const nodeKey =
      connection.auth_token !== undefined
        ? 'auth_token'
        : connection.block_proposal_token !== undefined
          ? 'block_proposal_token'
          : undefined;
    if (!nodeKey) {
      return report.warn(
        'nodeTokenMissing',
        {},
        at(nodePath, nodeParsed.lineOf('connection_options'), 'no [connection_options] auth_token'),
      );
    }
    const nodeToken = connection[nodeKey];
    const nodeEvidence: Evidence[] = [
      at(nodePath, nodeParsed.lineOf('connection_options', nodeKey), `[connection_options] ${nodeKey}`),
    ];
    if (nodeKey === 'block_proposal_token') {
      nodeEvidence.push(
        at(
          nodePath,
          nodeParsed.lineOf('connection_options', nodeKey),
          'block_proposal_token is the pre-3.0 name; current nodes refuse it, use auth_token',
        ),
      );
    }
    if (nodeToken === raw) report.pass('matches', { nodeKey: `[connection_options] ${nodeKey}` }, nodeEvidence);
    else report.fail('mismatch', { nodeKey: `[connection_options] ${nodeKey}` }, nodeEvidence);
  },
});
