import { COMMANDS } from './command-table.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';

const HELP = `signer-opsec — OpSec audit for Stacks signer hosts

Usage:
  signer-opsec audit [options]     audit this host, or another system's root with --root
  signer-opsec checks [--format text|json]
                                   list the control catalogue
  signer-opsec keygen --config FILE [--user USER] [--network mainnet|testnet] [--rotate]
                    [--backup KEYSTORE [--passphrase-file FILE]] [--require-offline]
                                   generate a signer key into the config (prints only its public key and address)
  signer-opsec key show (--config FILE | --keystore FILE) [--format text|json]
                                   public key, mainnet/testnet addresses and fingerprint of the signer key
  signer-opsec key backup --config FILE --keystore KEYSTORE [--passphrase-file FILE]
                                   write the config's key into a passphrase-encrypted keystore (scrypt + AES-256-GCM)
  signer-opsec key restore --keystore KEYSTORE --config FILE [--user USER] [--network mainnet|testnet]
                    [--rotate] [--passphrase-file FILE] [--require-offline]
                                   put a keystore's key back into a signer config
  signer-opsec --version | --help

Audit options:
  --root DIR|FILE.tar     audit a directory holding a system's root, or a tar of one (docker export);
                          default: the live host (/)
  --format text|json      report format (default text)
  --output FILE           write the report to FILE (atomically) instead of standard output
  --fail-on SEVERITY      exit 1 when a control of this severity or higher fails:
                          critical|high|medium|low|info|none (default high)
  --only ID|FAMILY        run only these controls (repeatable, comma-separated)
  --skip ID|FAMILY        skip these controls (repeatable, comma-separated)
  --signer-config PATH    the signer config inside the target (skips discovery)
  --node-config PATH      the node config inside the target
  --signer-unit NAME      the signer's systemd unit (e.g. stacks-signer.service)
  --node-unit NAME        the node's systemd unit
  --color / --no-color    force colour on or off (default: on when writing to a terminal, unless NO_COLOR)

Key options:
  --config FILE           the signer config; created from a commented template when absent, otherwise only its
                          stacks_private_key value changes. Written atomically, mode 600
  --user USER             owner of the written config (and its primary group); default: the existing file's owner
  --rotate                replace a key already in the config (the old config is kept as FILE.<time>.bak, mode 600)
  --passphrase-file FILE  read the keystore passphrase from FILE (mode 600; first line); default: ask on the terminal
  --require-offline       refuse, instead of warning, when this machine has a default route or an interface up

Exit codes: 0 nothing at or above --fail-on failed · 1 something did · 2 usage or tool error, or a control
could not be evaluated because of an error (the report says which and why).
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
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`signer-opsec: ${message}\n`);
    if (!known && process.env.SIGNER_OPSEC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}
