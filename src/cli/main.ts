import { COMMANDS } from './command-table.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';

const HELP = `signer-opsec — OpSec audit for Stacks signer hosts

Usage:
  signer-opsec audit [options]     audit this host, or another system's root with --root
  signer-opsec checks [--format text|json]
                                   list the control catalogue
  signer-opsec scan [PATH...] [options]
                                   find signer keys, mnemonics and tokens in files or git history
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
  --include-git-dir       also read .git directories   --include-binary   also scan files with NUL bytes
  A line containing "signer-opsec:allow" is never reported. Findings name a fingerprint, never the value.
  Exit codes: 0 no findings · 1 findings · 2 usage or tool error.

Audit exit codes: 0 nothing at or above --fail-on failed · 1 something did · 2 usage or tool error, or a control
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
