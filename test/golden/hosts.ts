// The hosts whose JSON audit report is pinned byte-for-byte under test/golden/reports/: every example host, and the
// host builders of test/support (with their default arguments and every entry of their tables). Recorded before the
// facts-layer move (#12), so a refactor that changes what the audit says about any of them fails the suite.
import { composedEngineHost, engineStateHost, signerComposeFile } from '../support/docker-hosts.js';
import {
  firewallHost,
  IPTABLES_RULES,
  NETFILTER_PERSISTENT_ENABLED,
  NFT_REJECTED,
  NFT_RULESETS,
  NFT_WITH_INCLUDE,
  NFTABLES_ENABLED,
  nftHost,
  ufwFiles,
} from '../support/firewall-hosts.js';
import { BROKEN_HOSTS, REFUSED_HOSTS } from '../support/harden-hosts.js';
import {
  composeHost,
  HARDENED_SIGNER_SERVICE_LINES,
  nodeHost,
  PUBLISHED_GUIDE_SIGNER_UNIT,
  signerHost,
  signerUnitHost,
} from '../support/hosts.js';
import type { FileSpec } from '../support/materialise.js';
import { composeSigner, serviceHost } from '../support/service-hosts.js';

export const EXAMPLE_HOSTS = ['docker-guide', 'hardened', 'published-guide'] as const;

function fixtureHosts(): Record<string, () => FileSpec> {
  const hosts: Record<string, () => FileSpec> = {
    'signer-host': () => signerHost(),
    'node-host': () => nodeHost(),
    'compose-host': () => composeHost({}),
    'compose-host-with-node': () => composeHost({}, ['    network_mode: host'], true),
    'signer-unit-host': () => signerUnitHost(),
    'signer-unit-host-bare': () => signerUnitHost([]),
    'published-guide-unit': () =>
      signerHost({}, { 'etc/systemd/system/stacks-signer.service': PUBLISHED_GUIDE_SIGNER_UNIT }),
    'service-host-both': () =>
      serviceHost({ signer: HARDENED_SIGNER_SERVICE_LINES, node: ['User=stacks-node', 'PrivateTmp=yes'] }),
    'service-host-signer-only': () => serviceHost({ signer: ['User=stacks-signer'] }),
    'compose-signer-user': () => composeSigner('990:990'),
    'compose-signer-root': () => composeSigner(undefined),
    'engine-state': () => engineStateHost(),
    'engine-state-stopped-rw': () =>
      engineStateHost({ running: false, binds: [['/srv/signer/signer-config.toml', '/signer-config.toml', true]] }),
    'composed-engine': () => composedEngineHost({ compose: signerComposeFile(), engine: {} }),
    'composed-engine-override': () =>
      composedEngineHost({
        compose: signerComposeFile(),
        override: signerComposeFile(['    ports:', '      - "30000:30000"']),
        engine: {},
      }),
    'firewall-iptables': () =>
      firewallHost({
        'etc/iptables/rules.v4': IPTABLES_RULES.v4,
        'etc/iptables/rules.v6': IPTABLES_RULES.v6,
        ...NETFILTER_PERSISTENT_ENABLED,
      }),
    'firewall-ufw-enabled': () => firewallHost(ufwFiles(true)),
    'firewall-ufw-disabled': () => firewallHost(ufwFiles(false)),
    'firewall-ufw-no-ipv6': () => firewallHost(ufwFiles(true, { ipv6: false })),
    'firewall-nft-include': () => firewallHost({ ...NFT_WITH_INCLUDE, ...NFTABLES_ENABLED }),
    'firewall-none': () => firewallHost({}),
  };
  for (const [name, ruleset] of Object.entries(NFT_RULESETS)) hosts[`nft-${name}`] = () => nftHost(ruleset);
  for (const [name, rejected] of Object.entries(NFT_REJECTED))
    hosts[`nft-rejected-${name}`] = () => firewallHost({ ...rejected.files, ...NFTABLES_ENABLED });
  for (const [name, build] of Object.entries(BROKEN_HOSTS)) hosts[`broken-${name}`] = build;
  for (const [name, refused] of Object.entries(REFUSED_HOSTS)) hosts[`refused-${name}`] = refused.spec;
  return hosts;
}

export const FIXTURE_HOSTS: Readonly<Record<string, () => FileSpec>> = fixtureHosts();
