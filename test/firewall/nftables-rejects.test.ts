import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadFirewall } from '../../src/net/firewall/load.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { NFT_REJECTED, NFT_RULESETS, NFT_WITH_INCLUDE, NFTABLES_ENABLED } from '../support/firewall-hosts.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

/** Does the real nft load this tree's etc/nftables.conf? A missing nft fails the test (it is the oracle). */
function nftAccepts(root: string): boolean {
  try {
    execFileSync('nft', ['-I', join(root, 'etc'), '-c', '-f', join(root, 'etc/nftables.conf')], { stdio: 'pipe' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    return false;
  }
}

async function onTree<T>(files: FileSpec, use: (root: string) => Promise<T>): Promise<T> {
  const tree = await materialiseFiles(files);
  try {
    return await use(tree.root);
  } finally {
    await tree.cleanup();
  }
}

describe('an enabled nftables.conf that nft -f rejects does not count as a firewall', () => {
  for (const [name, fixture] of Object.entries(NFT_REJECTED)) {
    test(name, async () => {
      await onTree({ ...fixture.files, ...NFTABLES_ENABLED }, async (root) => {
        assert.equal(nftAccepts(root), false, 'nft -c -f must reject this fixture');
        const facts = await loadFirewall(new DirectoryTarget(root, { live: false }));
        assert.equal(facts.ruleset, undefined);
        assert.match(facts.reason ?? '', /does not load/);
        const where = facts.rejected?.find((item) => item.file === fixture.file && item.line === fixture.line);
        assert.ok(where, `expected a rejection at ${fixture.file}:${fixture.line}: ${JSON.stringify(facts.rejected)}`);
        assert.match(where.detail, /nft -f would reject this file; nothing loads at boot/);
      });
    });
  }
});

describe('valid nft, modelled or not, still loads', () => {
  const accepted: Record<string, FileSpec> = {
    unmodelledButValid: { 'etc/nftables.conf': NFT_RULESETS.unmodelledButValid },
    wikiServer: { 'etc/nftables.conf': NFT_RULESETS.wikiServer },
    includeGlob: NFT_WITH_INCLUDE,
    directoryAmongGlobMatches: { ...NFT_WITH_INCLUDE, 'etc/nftables.d/sub.nft/placeholder': 'x' },
  };
  for (const [name, files] of Object.entries(accepted)) {
    test(name, async () => {
      await onTree({ ...files, ...NFTABLES_ENABLED }, async (root) => {
        assert.equal(nftAccepts(root), true, 'nft -c -f must accept this fixture');
        const facts = await loadFirewall(new DirectoryTarget(root, { live: false }));
        assert.ok(facts.ruleset);
        assert.equal(facts.rejected, undefined);
        assert.deepEqual(
          facts.ruleset.problems.filter((problem) => problem.rejects),
          [],
        );
      });
    });
  }
});
