// https://github.com/stacks-network/stacks-core/tree/master/stacks-signer/src/tests/conf — sample keys published with the code.
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { absent, at, NO_SIGNER, parsedConfig } from '../../facts/services/discovered-services.js';
import { fingerprint } from '../../stacks/fingerprint.js';
import { parsePrivateKeyHexLenient, type StacksNetwork, signerIdentity } from '../../stacks/keys.js';
import { isPublishedPrivateKey } from '../../stacks/published-secrets.js';

interface KeySource {
  /** "signer stacks_private_key", "node [node] seed", ... */
  name: string;
  value: string;
  file: string;
  line: number | undefined;
  network: StacksNetwork;
}

export default defineCheck({
  id: 'keys/known-public-key',
  title: 'No published sample key is in use',
  threats: ['key-generation', 'host-compromise'],
  severity: 'critical',
  description: [
    "Keys from stacks-core's test configs, the docs, Clarinet devnet and other public samples are known to everyone:",
    'a signer using one signs for whoever else loads it, and a node `[node] seed` or `[miner] mining_key` from a sample',
    "hands its bitcoin wallet to anyone. The signer's `stacks_private_key` and, when a node config is found, its `seed`",
    'and `mining_key` are compared with `published-secrets.json` on their first 64 hex characters (any case, `0x`',
    'tolerated, so the 66-hex form matches too). A match fails, naming the config, the publishing source and the',
    "key's address (public information), never the key. Keys that are not valid hex are left to `keys/key-format`.",
    'Applies when a signer or a node is found; a config that exists but does not parse is an error, because its keys',
    'cannot be cleared.',
  ].join(' '),
  remediation:
    "Treat the key as compromised: generate a new key offline, register the new signing key for the next stacking cycle, and replace it in the config (and the node seed / mining key likewise, moving any funds away from the published key's address).",
  references: [
    'https://github.com/stacks-network/stacks-core/tree/master/stacks-signer/src/tests/conf',
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
  ],
  messages: {
    published: 'The {{name}} is a published sample key ({{source}}); its address {{address}} is public knowledge.',
    unpublished: 'None of the checked keys ({{names}}) is a published sample key.',
    noKeys: 'No key was found to compare (signer key missing, no node seed or mining key).',
  },
  async applies(ctx) {
    const discovery = await ctx.discovery();
    return discovery.signer || discovery.node ? true : absent(discovery, NO_SIGNER);
  },
  async run(ctx, report) {
    const { signer } = await ctx.discovery();
    const sources: KeySource[] = [];
    // A config that exists but does not parse may hold a published key: that is an error, not a pass.
    if (signer && signer.config.status !== 'unknown' && signer.config.status !== 'missing') {
      const { path, parsed } = parsedConfig(signer.config);
      const value = parsed.config.stacksPrivateKey;
      const network = parsed.config.network ?? 'mainnet';
      if (value)
        sources.push({
          name: 'signer stacks_private_key',
          value,
          file: path,
          line: parsed.lineOf('stacks_private_key'),
          network,
        });
    }
    const nodeService = (await ctx.discovery()).node;
    const node =
      nodeService && nodeService.config.status !== 'unknown' && nodeService.config.status !== 'missing'
        ? parsedConfig(nodeService.config)
        : undefined;
    if (node) {
      const { config, lineOf } = node.parsed;
      const network: StacksNetwork = config.burnchain.mode === 'mainnet' ? 'mainnet' : 'testnet';
      if (config.node.seed)
        sources.push({
          name: 'node [node] seed',
          value: config.node.seed,
          file: node.path,
          line: lineOf('node', 'seed'),
          network,
        });
      if (config.miner.miningKey) {
        sources.push({
          name: 'node [miner] mining_key',
          value: config.miner.miningKey,
          file: node.path,
          line: lineOf('miner', 'mining_key'),
          network,
        });
      }
    }
    if (sources.length === 0) return report.notApplicable('noKeys');
    const checked: Evidence[] = [];
    let found = false;
    for (const source of sources) {
      const key = parsePrivateKeyHexLenient(source.value);
      const print = key.ok ? fingerprint(key.bytes) : fingerprint(source.value);
      const publishedBy = isPublishedPrivateKey(source.value);
      const asKey = source.name.startsWith('signer') ? '' : ' (used as a private key)';
      const address = key.ok
        ? `${signerIdentity(key.bytes, source.network).address}${asKey}`
        : 'unknown (not a valid key)';
      const evidence = at(source.file, source.line, `${source.name}: fingerprint ${print}, address ${address}`);
      if (publishedBy) {
        found = true;
        report.fail('published', { name: source.name, source: publishedBy, address }, evidence);
      } else {
        checked.push(evidence);
      }
    }
    if (!found) report.pass('unpublished', { names: sources.map((source) => source.name).join(', ') }, checked);
  },
});
