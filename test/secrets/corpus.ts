// The labelled file corpus: planted secrets in every encoding and location the scanner must find, with the exact
// (file, line, detector) each must produce, beside hash-heavy decoys that must produce nothing.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FileSpec } from '../support/materialise.js';
import {
  breakChecksum,
  publicKeyEndingIn01,
  randomKeyHex,
  randomMnemonic,
  randomUnambiguousKeyHex,
} from '../support/secrets.js';

export interface Label {
  file: string;
  line: number;
  detector: string;
}

export interface Corpus {
  files: FileSpec;
  labels: Label[];
  /** Every secret value planted, in the forms it was written: none may appear in any output. */
  values: string[];
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const mixedCase = (text: string) => [...text].map((ch, i) => (i % 2 ? ch.toUpperCase() : ch)).join('');
const WORDLIST = readFileSync(new URL('../../../data/bip39-english.txt', import.meta.url), 'utf8');

export function buildCorpus(): Corpus {
  const labels: Label[] = [];
  const values: string[] = [];
  const files: FileSpec = {};
  // Unambiguous keys: a bare `<hex>01` starting 02/03 may be a public key too (a documented limit, tested apart).
  const key = () => {
    const value = randomUnambiguousKeyHex();
    values.push(value);
    return value;
  };
  const plant = (file: string, lines: string[], expected: [line: number, detector: string][]) => {
    files[file] = `${lines.join('\n')}\n`;
    for (const [line, detector] of expected) labels.push({ file, line, detector });
  };

  // Stacks private keys, each encoding and location.
  plant(
    'etc/stacks-signer/signer.toml',
    ['node_host = "127.0.0.1:20443"', `stacks_private_key = "${key()}01"`],
    [[2, 'stacks-private-key']],
  );
  plant('opt/deploy/.env', ['NETWORK=mainnet', `SIGNER_PRIVATE_KEY=${key()}`], [[2, 'stacks-private-key']]);
  const upper = key();
  plant(
    'opt/deploy/docker-compose.yml',
    ['services:', '  signer:', '    environment:', `      - SIGNER_PRIVATE_KEY=0x${upper.toUpperCase()}01`],
    [[4, 'stacks-private-key']],
  );
  const mixed = key();
  plant(
    'home/op/.bash_history',
    ['ls -la', `stacks-cli sign --private-key ${key()} tx.hex`, `export PRIVATE_KEY=${mixedCase(mixed)}`, 'history -c'],
    [
      [2, 'stacks-private-key'],
      [3, 'stacks-private-key'],
    ],
  );
  plant('root/backup/key.json', [`{"address": "SP000", "privateKey": "${key()}01"}`], [[1, 'stacks-private-key']]);
  plant(
    'etc/stacks-node/Config.toml',
    ['[node]', `seed = "${key()}"`, '[miner]', `mining_key = "${key()}"`],
    [
      [2, 'stacks-private-key'],
      [4, 'stacks-private-key'],
    ],
  );
  plant('root/signer.key', [`${key()}01`], [[1, 'stacks-private-key']]);
  plant('srv/helm/values.yaml', ['signer:', `  private_key: "0x${key()}"`], [[2, 'stacks-private-key']]);
  plant('tmp/run.sh', [`stacks-signer --stacks-private-key=${key()}`], [[1, 'stacks-private-key']]);
  // Natural names without --key-from: SIGNER_KEY (0x, 66 hex) in a shell profile, a bare `key =` holding the 66-hex form.
  plant(
    'home/op/.profile',
    ['umask 077', `export SIGNER_KEY=0x${key()}01`, 'export PATH=$HOME/bin:$PATH'],
    [[2, 'stacks-private-key']],
  );
  plant('opt/signer/wallet.toml', ['[wallet]', 'label = "signer"', `key = "${key()}01"`], [[3, 'stacks-private-key']]);
  // A key whose first byte is zero is still a key (1 ≤ k < n over the full 32 bytes).
  const leadingZero = `00${key().slice(2)}`;
  values.push(leadingZero);
  plant('var/tmp/old.env', [`STACKS_PRIVATE_KEY='${leadingZero}'`], [[1, 'stacks-private-key']]);

  // YAML lists: the header names the values below it (bare 66 hex, quoted 64 hex).
  plant(
    'srv/helm/keys.yaml',
    ['signer:', '  private_keys:', `    - ${key()}01`, '', `    - "${key()}"`, '  replicas: 2'],
    [
      [3, 'stacks-private-key'],
      [5, 'stacks-private-key'],
    ],
  );
  // A key file written by a Windows tool: UTF-16LE with a BOM, and without one (the alternating-NUL pattern).
  files['root/windows/key-bom.txt'] = Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from(`note\r\nSIGNER_PRIVATE_KEY=${key()}\r\n`, 'utf16le'),
  ]);
  labels.push({ file: 'root/windows/key-bom.txt', line: 2, detector: 'stacks-private-key' });
  files['root/windows/key-nobom.txt'] = Buffer.from(`private_key: ${key()}\n`, 'utf16le');
  labels.push({ file: 'root/windows/key-nobom.txt', line: 1, detector: 'stacks-private-key' });
  const utf16be = Buffer.from(`x\nseed = "${key()}"\n`, 'utf16le').swap16();
  files['root/windows/key-be.txt'] = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]);
  labels.push({ file: 'root/windows/key-be.txt', line: 2, detector: 'stacks-private-key' });

  // Mnemonics: one line, numbered one per line, comma-separated across lines, capitalised.
  const m24 = randomMnemonic(24);
  values.push(m24.join(' '));
  plant('home/op/wallet.txt', ['my wallet:', m24.join(' ')], [[2, 'bip39-mnemonic']]);
  const m12 = randomMnemonic(12);
  values.push(m12.join(' '));
  plant(
    'home/op/notes/recovery.md',
    ['# Recovery', '', ...m12.map((word, i) => `${i + 1}. ${word}`)],
    [[3, 'bip39-mnemonic']],
  );
  const m15 = randomMnemonic(15);
  values.push(m15.join(' '));
  plant('root/seed.csv', [`${m15.slice(0, 8).join(', ')},`, m15.slice(8).join(', ')], [[1, 'bip39-mnemonic']]);

  const capitalised = randomMnemonic(12);
  values.push(capitalised.join(' '));
  plant(
    'home/op/paper-backup.txt',
    [
      'Wallet words:',
      capitalised.map((word, i) => (i === 0 ? word[0]?.toUpperCase() + word.slice(1) : word)).join(' '),
    ],
    [[2, 'bip39-mnemonic']],
  );
  const shouted = randomMnemonic(12);
  values.push(shouted.join(' '));
  plant('home/op/SHOUTED.txt', [shouted.join(' ').toUpperCase()], [[1, 'bip39-mnemonic']]);

  // Auth tokens and bitcoind passwords in config shapes.
  const token = hex(24);
  values.push(token);
  plant('etc/stacks-node/node.toml', ['[connection_options]', `auth_token = "${token}"`], [[2, 'auth-token']]);
  const rpcPassword = hex(12);
  values.push(rpcPassword);
  plant(
    'root/.bitcoin/bitcoin.conf',
    ['server=1', 'rpcuser=stacks', `rpcpassword=${rpcPassword}`],
    [[3, 'bitcoind-password']],
  );
  const burnPassword = hex(10);
  values.push(burnPassword);
  plant(
    'opt/node/follower.toml',
    ['[burnchain]', 'username = "btc"', `password = "${burnPassword}"`],
    [[3, 'bitcoind-password']],
  );

  // Published sample secrets: treat as compromised.
  plant(
    'opt/devnet/Devnet.toml',
    [
      '[accounts.wallet_1]',
      'mnemonic = "sell invite acquire kitten bamboo drastic jelly vivid peace spawn twice guilt pave pen trash pretty park cube fragile unaware remain midnight betray rebuild"',
    ],
    [[2, 'published-secret']],
  );
  plant(
    'opt/guide/signer-config.toml',
    [
      'stacks_private_key = "7287ba251d44a4d3fd9276c88ce34c5c52a038955511cccaf77e61068649c17801"',
      'auth_password = "12345"',
    ],
    [
      [1, 'published-secret'],
      [2, 'published-secret'],
    ],
  );
  plant(
    'opt/guide/Config.toml',
    ['[burnchain]', 'username = "stacks"', 'password = "foundation"'],
    [[3, 'published-secret']],
  );

  // Decoys: hash-heavy files and near-misses that must produce nothing.
  const decoys: FileSpec = {
    'src/Cargo.lock': Array.from(
      { length: 50 },
      (_, i) =>
        `[[package]]\nname = "crate-${i}"\nversion = "0.1.${i}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${hex(32)}"\n`,
    ).join('\n'),
    'releases/SHA256SUMS': Array.from({ length: 40 }, (_, i) => `${hex(32)}  stacks-core-${i}-linux-x64.zip\n`).join(
      '',
    ),
    'web/package-lock.json': JSON.stringify(
      { packages: { 'node_modules/x': { integrity: `sha512-${randomBytes(64).toString('base64')}`, hash: hex(32) } } },
      null,
      2,
    ),
    'logs/git.log': Array.from(
      { length: 20 },
      () =>
        `commit ${hex(20)}\ntree ${hex(20)}\nparent ${hex(20)}\ncommit ${hex(32)}\ntree ${hex(32)}\nAuthor: A <a@example.com>\n\n    fix\n`,
    ).join('\n'),
    'tests/test-vectors.json': JSON.stringify(
      { vectors: Array.from({ length: 10 }, () => ({ private_key: randomKeyHex(), msg_hash: hex(32), sig: hex(64) })) },
      null,
      2,
    ),
    'data/chain.json': JSON.stringify({
      txid: hex(32),
      block_hash: `0x${hex(32)}`,
      index_block_hash: hex(32),
      hash: hex(32),
    }),
    'opt/compose/images.yml': `services:\n  node:\n    image: ghcr.io/stacks-network/stacks-core@sha256:${hex(32)}\n`,
    'share/english.txt': WORDLIST,
    'docs/README.md':
      'This guide explains how to secure your signer host and keep the private key offline before you start the service.\n' +
      'Make sure your wallet backup is stored in a safe place away from the network and never typed into a shell.\n',
    'home/op/typo.txt': `${breakChecksum(randomMnemonic(24)).join(' ')}\n`,
    'etc/hashes.toml': `hash = "${hex(32)}01"\nprivate_key_hash = "${randomKeyHex()}"\npubkey = "02${hex(32)}"\n`,
    'etc/bare-hash.txt': `${hex(32)}\n`,
    'etc/not-keys.toml': `private_key = "${'f'.repeat(64)}"\nmining_key = "${'0'.repeat(64)}"\nstacks_private_key = "${randomKeyHex()}02"\n`,
    'etc/stacks-node/bootstrap.toml': `[node]\nbootstrap_node = "02${hex(31)}01@seed.example:20444"\n`,
    'etc/templates/signer.toml':
      'stacks_private_key = "<YOUR_SIGNER_PRIVATE_KEY_HEX>"\nauth_password = "$AUTH_PASSWORD"\nauth_token = ""\n',
    'src/client.py':
      'def connect(self):\n    auth_token = self.auth_token\n    password = getpass()\n    rpcpassword: str\n',
    // Public keys shaped like a 66-hex private key (02/03, on the curve, ending 01): a stacker set, stack-stx args.
    'var/lib/signer/stacker-set.json': JSON.stringify(
      { stacker_set: { signers: [{ signing_key: publicKeyEndingIn01(), weight: 1, stacked_amt: 1 }] } },
      null,
      2,
    ),
    'opt/stacking/stack.env': `SIGNER_KEY=${publicKeyEndingIn01()}\nsigning-key: ${publicKeyEndingIn01()}\n`,
    'opt/stacking/pubkey.txt': `${publicKeyEndingIn01()}\n`,
    // `signing_key` is the stacker set's public-key field, even when the value ends 01 and sits in a TOML file.
    'var/lib/signer/cycle.toml': `[[signers]]\nsigning_key = "${publicKeyEndingIn01()}"\nweight = 1\n`,
    // A bare `key` holding a 64-hex digest in a lockfile-like file, and a public key under `key`.
    'web/deps.lock': Array.from(
      { length: 10 },
      (_, i) => `[[entry]]\nname = "dep-${i}"\nkey = "${hex(32)}"\nintegrity = "sha256-${hex(32)}"\n`,
    ).join('\n'),
    'etc/peers.toml': `[[peer]]\nkey = "${publicKeyEndingIn01()}"\n`,
    'etc/digests.toml': `private_key_sha256 = "${hex(32)}"\nseed_md5 = "${hex(32)}"\nsigner_keys:\n  - ${publicKeyEndingIn01()}\n`,
    'etc/accepted.toml': `stacks_private_key = "${randomKeyHex()}" # signer-opsec:allow documented test key\n`,
  };
  Object.assign(files, decoys);
  return { files, labels, values };
}
