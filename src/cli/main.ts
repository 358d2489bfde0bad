import { COMMANDS } from './command-table.js';
import { redactSecrets, UsageError } from './usage-error.js';
import { toolVersion } from './version.js';

const HELP = `signer-opsec — OpSec audit for Stacks signer hosts

Usage:
  signer-opsec audit [options]     audit this host, or another system's root with --root
  signer-opsec checks [--format text|json]
                                   list the control catalogue
  signer-opsec threat (--stacker-set FILE | --node URL --cycle N) [options]
                                   how concentrated a cycle's signer weight is (70% approve / 30% halt)
  signer-opsec verify-release --archive FILE.zip --checksums CHECKSUMS.txt [options]
                                   check a release archive against its CHECKSUMS.txt (SHA-512) and
                                   pin the SHA-256 of its binaries for binary/release-pinned
  signer-opsec keygen --config FILE [--user USER] [--network mainnet|testnet] [--rotate]
                    [--backup KEYSTORE [--passphrase-file FILE]] [--require-offline]
                                   generate a signer key into the config (prints only its public key and address)
  signer-opsec key show (--config FILE | --keystore FILE [--verify] [--passphrase-file FILE]) [--format text|json]
                                   public key, mainnet/testnet addresses and fingerprint of the signer key
                                   (a keystore's are its clear metadata unless --verify decrypts and checks them)
  signer-opsec key backup --config FILE --keystore KEYSTORE [--passphrase-file FILE]
                                   write the config's key into a passphrase-encrypted keystore (scrypt + AES-256-GCM)
  signer-opsec key restore --keystore KEYSTORE --config FILE [--user USER] [--network mainnet|testnet]
                    [--rotate] [--passphrase-file FILE] [--require-offline]
                                   put a keystore's key back into a signer config
  signer-opsec scan [PATH...] [options]
                                   find signer keys, mnemonics and tokens in files or git history
  signer-opsec harden plan|apply [options]
                                   fix what the audit finds: systemd drop-ins, sshd, nftables, accounts, modes
  signer-opsec harden rollback [ID | --list] [--root DIR] [--force] [--no-reload]
                                   undo an apply from its backup (default: the newest)
  signer-opsec --version | --help

Audit options:
  --root DIR|FILE.tar     audit a directory holding a system's root, or a tar of one (docker export);
                          default: the live host (/)
  --format FORMAT         report format: text (default), json, html (one self-contained page), junit,
                          sarif, prometheus (node_exporter textfile collector)
  --output FILE           write the report to FILE (atomically) instead of standard output
  --fail-on SEVERITY      exit 1 when a control of this severity or higher fails:
                          critical|high|medium|low|info|none (default high)
  --only ID|FAMILY        run only these controls (repeatable, comma-separated)
  --skip ID|FAMILY        skip these controls (repeatable, comma-separated)
  --signer-config PATH    the signer config inside the target (skips discovery)
  --node-config PATH      the node config inside the target
  --signer-unit NAME      the signer's systemd unit (e.g. stacks-signer.service)
  --node-unit NAME        the node's systemd unit
  --pin-file PATH         the release pin inside the target (default /etc/signer-opsec/release-pins.json)
  --docker-inspect FILE   containers from a saved \`docker inspect <ids>\` (JSON array) of the audited host
  --waivers FILE          accepted risks (YAML: control id → justification, expires, hosts, run); read on the
                          auditing machine; default /etc/signer-opsec/waivers.yml when it exists
  --no-waivers            ignore the default waivers file
  --color / --no-color    force colour on or off (default: on when writing to a terminal, unless NO_COLOR)
  --host [ssh://][user@]host[:port]
                          audit a remote host over SSH (nothing installed or written there)
  --inventory FILE        audit every host of an Ansible inventory (INI, YAML, or ansible-inventory --list JSON)
  --limit PATTERN         Ansible --limit: groups, hosts, globs, ~regex, &and, !not
  --forks N               hosts audited at once (default 10)
  --become                run the remote side under sudo -n (a password prompt is an error)
  --ssh-config FILE       ssh -F FILE for every connection
  --host-timeout SECONDS  deadline per host (default 300)
  --stacker-set FILE | --node URL --cycle N
                          with --inventory: the fleet's combined signer weight and the 30% / 70% thresholds

Threat options:
  --stacker-set FILE      a saved /v3/stacker_set/{cycle} answer ({"stacker_set":{...}} or the inner object)
  --node URL --cycle N    read it from your own node (http://127.0.0.1:20443); /v2 is tried when /v3 is 404
  --timeout SECONDS       deadline for the node's answer (default 10)
  --me PUBKEY             your signer's compressed public key (repeatable, comma-separated)
  --config FILE           or your signer config: the public key is derived, the private key never printed
  --operators FILE        JSON {"<pubkey>": "<operator name>"}: an operator with several keys counts once
  --format text|json|prometheus
                          output format (default text); --output FILE writes it atomically
  --fail-if-me-above PCT  exit 1 when your share (your operator's, with --operators) is above PCT percent

verify-release options:
  --archive FILE.zip      the release archive as downloaded (its name must be the one in CHECKSUMS.txt)
  --checksums FILE        the release's CHECKSUMS.txt (sha512sum output)
  --release-version VER   the release's version (e.g. 4.0.2), recorded in the pin for binary/supported-version
  --root DIR              the target's root directory to write the pin into (default /)
  --pin-file PATH         the pin's path inside the target (default /etc/signer-opsec/release-pins.json)
  Nothing is extracted and, on any error, nothing is written (exit 2).

keygen / key options:
  --config FILE           the signer config; created from a commented template when absent, otherwise only its
                          stacks_private_key value changes. Written atomically, mode 600
  --user USER             owner of the written config (and its primary group); default: the existing file's owner
  --rotate                replace a key already in the config (the old config is kept as FILE.<time>.bak, mode 600)
  --passphrase-file FILE  read the keystore passphrase from FILE (mode 600; first line); default: ask on the terminal
  --require-offline       refuse, instead of warning, when this machine has a default route or an interface up

Scan options:
  PATH...                 files and directories to scan (default .); with --history/--staged, the repository
  --history               scan every commit reachable from any ref, plus every stash entry
  --staged                scan what is staged for the next commit (pre-commit hook)
  --key-from CONFIG       search only for the key in this signer config, in every encoding (no false positives)
  --format text|json|sarif
  --output FILE           write the findings to FILE (atomically) instead of standard output
  --baseline FILE         accept the findings whose fingerprints FILE lists
  --write-baseline FILE   write the fingerprints of this scan's findings to FILE and exit 0
  --detectors LIST        only these: stacks-private-key, bip39-mnemonic, auth-token, bitcoind-password,
                          published-secret (comma-separated, repeatable)
  --max-file-size SIZE    skip (with a note) files and blobs larger than this (default 10M)
  --include-git-dir       also read .git directories
  --include-binary        also scan files with NUL bytes (UTF-16 text is always decoded and scanned)
  A line containing "signer-opsec:allow" is never reported. Findings name a fingerprint, never the value.

Harden options:
  --root DIR              harden another system's root (plan also takes FILE.tar); default: the live host (/)
  --only AREA / --skip AREA
                          accounts, configs, permissions, systemd, sshd, firewall (repeatable, comma-separated)
  --format text|json      plan output (default text); a file holding secrets is never shown, only its changed keys
  --yes                   apply without asking (otherwise: a y/N question on the terminal)
  --no-reload             live host: do not run systemctl daemon-reload / sshd reload / nft -f afterwards
  --i-have-console-access step past the lock-out guards that name this flag
  --force                 rollback: restore even files changed since the apply
  --signer-config, --node-config, --signer-unit, --node-unit   as for audit
  Every artefact is checked by the real tool before it is offered (systemd-analyze, sshd -t, nft -c). apply writes
  atomically and keeps every replaced file under /var/backups/signer-opsec/<ID>/ with a manifest; a second apply
  changes nothing.

Exit codes:
  audit    0 nothing at or above --fail-on failed · 1 something did · 2 usage or tool error, or a control could
           not be evaluated because of an error (the report says which and why)
  scan     0 no findings · 1 findings · 2 usage or tool error
  harden   0 planned / applied / rolled back (also: nothing to change) · 2 usage error, a planner error, a failed
           validation, a refusal, or a failed write or reload (the message says how to roll back)
  threat   0 figures reported · 1 --fail-if-me-above exceeded · 2 bad input, or the node unreachable / not ready
  others   0 done · 2 usage or tool error (nothing written)
`;

/** The only place that picks an exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const load = command === undefined ? undefined : COMMANDS[command];
    if (load && Object.hasOwn(COMMANDS, command as string)) return await (await load())(rest);
    switch (command) {
      case '--version':
      case '-V':
        process.stdout.write(`${toolVersion()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (try --help)`);
    }
  } catch (error) {
    const known = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    // parseArgs and other errors quote argv too (`Unknown option '--<key>'`): the same masking as UsageError.
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    process.stderr.write(`signer-opsec: ${message}\n`);
    if (!known && process.env.SIGNER_OPSEC_DEBUG && error instanceof Error)
      process.stderr.write(`${redactSecrets(error.stack ?? '')}\n`);
    return 2;
  }
}
