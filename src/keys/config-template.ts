// The signer config keygen creates when none exists: the key and network set, every other required key commented
// out with a safe example, so `signer-opsec audit` reports the file as incomplete (keys missing), not as insecure.
// Keys and samples: stacks-core stacks-signer/src/config.rs, https://docs.stacks.co/operate/run-a-signer/signer-configuration
import type { StacksNetwork } from '../stacks/keys.js';

export function signerConfigTemplate(network: StacksNetwork, keyHex: string): string {
  return [
    '# stacks-signer configuration, created by `signer-opsec keygen`.',
    '# Keys: https://docs.stacks.co/operate/run-a-signer/signer-configuration (stacks-core stacks-signer/src/config.rs).',
    '# Uncomment and fill in every setting below before starting the signer;',
    '# `signer-opsec audit --signer-config <this file>` reports what is still missing.',
    '',
    '# The signer key. Secret: keep this file mode 600, owned by the user the signer runs as, and nowhere else',
    '# but an encrypted offline backup.',
    `stacks_private_key = "${keyHex}"`,
    '',
    '# The network this signer signs for: "mainnet" or "testnet".',
    `network = "${network}"`,
    '',
    "# The stacks-node's RPC, host:port. The signer talks plain HTTP and sends auth_password with every request:",
    '# use loopback or a private address only.',
    '# node_host = "127.0.0.1:20443"',
    '',
    "# Where the signer listens for the node's events. Unauthenticated (it even accepts POST /shutdown): bind loopback",
    "# or the private address the node reaches it on, never 0.0.0.0. The node's [[events_observer]] endpoint points here.",
    '# endpoint = "127.0.0.1:30000"',
    '',
    "# Secret shared with the node: must equal the node's [connection_options] auth_token. Generate it with",
    '# `openssl rand -hex 32`.',
    '# auth_password = "<YOUR_AUTH_PASSWORD>"',
    '',
    "# The signer's SQLite state (holds no key), in a directory the signer's user can write.",
    '# db_path = "/var/lib/stacks-signer/signer.sqlite"',
    '',
    "# Optional Prometheus metrics. /info reveals the signer's public key and address: keep it on loopback.",
    '# metrics_endpoint = "127.0.0.1:9154"',
    '',
  ].join('\n');
}
