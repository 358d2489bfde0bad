// https://github.com/stacks-network/stacks-core/blob/master/stacks-signer/src/config.rs — stacks_private_key parsing.
import { defineCheck } from '../../engine/define-check.js';
import { appliesToSignerConfig, at, signerConfig } from '../../facts/services/discovered-services.js';
import { fingerprint } from '../../stacks/fingerprint.js';
import { parsePrivateKeyHex, type StacksNetwork, signerIdentity } from '../../stacks/keys.js';
import { isKeyPlaceholder } from '../../stacks/published-secrets.js';

export default defineCheck({
  id: 'keys/key-format',
  title: 'The signer key is a valid secp256k1 key',
  threats: ['key-generation'],
  severity: 'medium',
  description: [
    '`stacks_private_key` must be what stacks-signer accepts: 64 hex characters, or 66 ending in `01` (the compressed',
    'marker), no `0x`, no spaces, and a valid secp256k1 scalar (1 ≤ k < n). A template placeholder left in place',
    '(`<YOUR_SIGNER_PRIVATE_KEY_HEX>`, `$your_stacks_private_key`, `$VAR` and its braced form, `{{ var }}`) fails: the config was deployed',
    'from a template that was never filled, or filled by a step that did not run. A missing key fails. On success the',
    "evidence gives the compressed public key and the STX address the signer uses on the config's `network` (both",
    'addresses when the network is not set), so the operator can compare them with the registered signing key; the',
    'private key itself never appears, only a fingerprint (first 8 hex of SHA-256 of its 32 bytes).',
  ].join(' '),
  remediation:
    'Put the 64-hex (or 66-hex ending in 01) private key generated offline into `stacks_private_key`, without `0x`; then confirm with `stacks-signer check-config --config <file>` that the printed public key is the one registered for stacking.',
  references: [
    'https://github.com/stacks-network/stacks-core/blob/master/stacks-signer/src/config.rs',
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
  ],
  messages: {
    missing: 'stacks_private_key is not set: the signer cannot start.',
    notString: 'stacks_private_key is not a string.',
    placeholder: 'stacks_private_key is a template placeholder, not a key.',
    invalid: 'stacks_private_key is not a key the signer accepts: {{reason}}.',
    valid: 'stacks_private_key is a valid key: public key {{publicKey}}, address {{address}}.',
  },
  applies: appliesToSignerConfig,
  async run(ctx, report) {
    const { path, parsed } = await signerConfig(ctx);
    const raw = parsed.config.raw.stacks_private_key;
    const line = parsed.lineOf('stacks_private_key');
    if (raw === undefined) return report.fail('missing', {}, at(path, undefined, 'no stacks_private_key'));
    if (typeof raw !== 'string')
      return report.fail('notString', {}, at(path, line, `stacks_private_key is a ${typeof raw}`));
    if (isKeyPlaceholder(raw))
      return report.fail('placeholder', {}, at(path, line, 'stacks_private_key holds a placeholder'));
    const key = parsePrivateKeyHex(raw);
    if (!key.ok)
      return report.fail(
        'invalid',
        { reason: key.message },
        at(path, line, `stacks_private_key: ${key.message} (${raw.length} characters)`),
      );
    const networks: StacksNetwork[] = parsed.config.network ? [parsed.config.network] : ['mainnet', 'testnet'];
    const identities = networks.map((network) => ({ network, ...signerIdentity(key.bytes, network) }));
    const publicKey = identities[0]!.publicKeyHex;
    const address = identities
      .map((identity) => (networks.length > 1 ? `${identity.address} (${identity.network})` : identity.address))
      .join(', ');
    report.data({
      publicKey,
      addresses: Object.fromEntries(identities.map((identity) => [identity.network, identity.address])),
    });
    report.pass(
      'valid',
      { publicKey, address },
      at(
        path,
        line,
        `stacks_private_key: fingerprint ${fingerprint(key.bytes)}, ${raw.length} hex, public key ${publicKey}, address ${address}`,
      ),
    );
  },
});
