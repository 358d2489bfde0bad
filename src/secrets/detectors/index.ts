// Every detector's metadata: the SARIF rules, `--detectors` and the docs are built from this list.
import type { DetectorInfo } from '../types.js';

export const DETECTORS: readonly DetectorInfo[] = [
  {
    id: 'stacks-private-key',
    name: 'StacksPrivateKey',
    severity: 'critical',
    description:
      'A secp256k1 private key as Stacks writes it (64 hex, or 66 ending 01; optional 0x; any case) assigned to a ' +
      'key name (stacks_private_key, private_key, mining_key, seed, SIGNER_PRIVATE_KEY, SIGNER_KEY, --private-key), ' +
      'the 66-hex form under a bare `key` name, or the 66-hex form standing alone on its line. The scalar is ' +
      'checked (1 ≤ k < n); a valid compressed public key (stacker-set signing_key) is not taken unless the name says private.',
    help: 'Move the key out of this file (only the signer config, mode 0600, should hold it). If it was ever shared or committed, rotate it.',
  },
  {
    id: 'bip39-mnemonic',
    name: 'Bip39Mnemonic',
    severity: 'critical',
    description:
      'A run of exactly 12, 15, 18, 21 or 24 English BIP-39 words (any case; numbering, commas and line breaks allowed) whose checksum is valid.',
    help: 'A mnemonic is the whole wallet: keep it offline only. If it was ever on a networked host, move the funds to a new wallet.',
  },
  {
    id: 'auth-token',
    name: 'NodeAuthToken',
    severity: 'high',
    description:
      "The signer's auth_password or the node's auth_token (block_proposal_token before 3.0) in a config, env or flag shape.",
    help: 'Keep the token only in the signer and node configs (mode 0600); if it leaked, set a new random value in both.',
  },
  {
    id: 'bitcoind-password',
    name: 'BitcoindRpcPassword',
    severity: 'high',
    description:
      'A bitcoind RPC password: rpcpassword= / -rpcpassword=, or password under the node config [burnchain] section.',
    help: 'Keep the password only in bitcoin.conf and the node config; prefer rpcauth= with a salted hash in bitcoin.conf.',
  },
  {
    id: 'published-secret',
    name: 'PublishedSampleSecret',
    severity: 'critical',
    description:
      'A key, mnemonic, auth token or bitcoind password published in Stacks docs, sample configs or devnet defaults (data/published-secrets.json).',
    help: 'Published: treat as compromised. Generate a new secret offline and replace every use of this one.',
  },
  {
    id: 'operator-key',
    name: 'OperatorSignerKey',
    severity: 'critical',
    description:
      "The signer's own private key (from --key-from CONFIG) in any encoding: 64/66 hex, 0x, any case, base64 of its bytes.",
    help: 'Delete this copy (shred it, clear the shell history entry); only the signer config should hold the key.',
  },
];

export const DETECTOR_IDS: readonly string[] = DETECTORS.map((detector) => detector.id);
