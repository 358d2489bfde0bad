// The one command table: parsing (src/cli/program.ts, with commander), every --help page, `help <cmd>`, the shell
// completions and the man page are generated from it. A new flag is one line in its command's options (options.ts); a
// new command is one entry below and a module under src/cli/ that exports its runner. Runners are loaded on demand so
// `--version` and `--help` stay fast.

import { connectEarly } from './host-connect.js';
import type { CommandSpec, Parsed } from './options.js';
import {
  AUDIT_OPTIONS,
  CHECKS_OPTIONS,
  HARDEN_APPLY_OPTIONS,
  HARDEN_PLAN_OPTIONS,
  HARDEN_ROLLBACK_OPTIONS,
  KEY_BACKUP_OPTIONS,
  KEY_RESTORE_OPTIONS,
  KEY_SHOW_OPTIONS,
  KEYGEN_OPTIONS,
  SCAN_OPTIONS,
  THREAT_OPTIONS,
  USAGE_ERROR,
  VERIFY_RELEASE_OPTIONS,
} from './options.js';

export type { CommandRunner, CommandSpec, OptionSpec, OptionSpecs, Parsed, Values } from './options.js';

const HARDEN_EXIT_ERROR = [
  2,
  'usage error, a planner error, a failed validation, a refusal, or a failed write or reload (the message says how to roll back)',
] as const;

export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  audit: {
    summary: "audit this host, or another system's root with --root",
    description:
      'Runs the control catalogue against the live host or a root directory / tar, and reports each result with the threat it counters and its docs page.',
    options: AUDIT_OPTIONS,
    examples: [
      ['signer-opsec audit', 'the live host (run as root to see every file)'],
      ['signer-opsec audit --root examples/hosts/published-guide.tar --quiet', 'only what fails, of an example host'],
      ['signer-opsec audit --root /mnt/image --format json --output report.json --fail-on critical', 'for CI'],
    ],
    exitCodes: [
      [0, 'nothing at or above --fail-on failed'],
      [1, 'a control at or above --fail-on failed'],
      [
        2,
        'usage or tool error; nothing to audit (no signer and no node found, unless --allow-empty); no control selected; an explicit --signer-config/--signer-unit/--node-config/--node-unit that does not exist; a control that could not be evaluated',
      ],
    ],
    load: async () => (await import('./commands.js')).audit,
    prepare: (parsed) => connectEarly(parsed.values),
  },
  checks: {
    summary: 'list the control catalogue',
    options: CHECKS_OPTIONS,
    examples: [
      ['signer-opsec checks', 'id, severity and title of every control'],
      ['signer-opsec checks --format json', 'the full metadata (threats, remediation, docs page)'],
    ],
    exitCodes: [[0, 'listed'], USAGE_ERROR],
    load: async () => (await import('./commands.js')).checksCommand,
  },
  threat: {
    summary: "how concentrated a cycle's signer weight is (70% approve / 30% halt)",
    options: THREAT_OPTIONS,
    examples: [
      ['signer-opsec threat --stacker-set set.json --me 03ab…', 'from a saved answer'],
      [
        'signer-opsec threat --node http://127.0.0.1:20443 --cycle 90 --config signer.toml --fail-if-me-above 10',
        'from your node',
      ],
    ],
    exitCodes: [
      [0, 'figures reported'],
      [1, '--fail-if-me-above exceeded'],
      [2, 'bad input, or the node unreachable / not ready'],
    ],
    load: async () => (await import('./threat.js')).threat,
  },
  'verify-release': {
    summary: 'check a release archive against its CHECKSUMS.txt and pin its binaries for binary/release-pinned',
    description: 'Nothing is extracted and, on any error, nothing is written.',
    options: VERIFY_RELEASE_OPTIONS,
    examples: [
      [
        'signer-opsec verify-release --archive linux-glibc-x64.zip --checksums CHECKSUMS.txt --release-version 4.0.2',
        'pin into /',
      ],
    ],
    exitCodes: [
      [0, 'verified and pinned'],
      [2, 'a mismatch, a usage error or an unreadable input (nothing written)'],
    ],
    load: async () => (await import('./verify-release.js')).verifyReleaseCommand,
  },
  keygen: {
    summary: 'generate a signer key into the config (prints only its public key and address)',
    options: KEYGEN_OPTIONS,
    examples: [
      [
        'signer-opsec keygen --config /etc/stacks-signer/signer.toml --user stacks-signer --backup key.keystore',
        'new key and an offline backup',
      ],
      ['signer-opsec keygen --config signer.toml --rotate --format json', 'replace the key; JSON for scripts'],
    ],
    exitCodes: [
      [0, 'written'],
      [2, 'usage or tool error (nothing written)'],
    ],
    load: async () => (await import('./keygen.js')).keygen,
  },
  key: {
    summary: "the signer key's public facts, and its encrypted keystore",
    options: {},
    subcommands: {
      show: {
        summary: 'public key, mainnet/testnet addresses and fingerprint of the signer key',
        options: KEY_SHOW_OPTIONS,
        examples: [
          ['signer-opsec key show --config signer.toml', 'from the config'],
          ['signer-opsec key show --keystore key.keystore --verify', 'decrypt and check a backup'],
        ],
        exitCodes: [[0, 'shown'], USAGE_ERROR],
      },
      backup: {
        summary: "write the config's key into a passphrase-encrypted keystore (scrypt + AES-256-GCM)",
        options: KEY_BACKUP_OPTIONS,
        examples: [['signer-opsec key backup --config signer.toml --keystore key.keystore', 'asks for the passphrase']],
        exitCodes: [
          [0, 'written'],
          [2, 'usage or tool error (nothing written)'],
        ],
      },
      restore: {
        summary: "put a keystore's key back into a signer config",
        options: KEY_RESTORE_OPTIONS,
        examples: [['signer-opsec key restore --keystore key.keystore --config signer.toml --user stacks-signer', '']],
        exitCodes: [
          [0, 'restored'],
          [2, 'usage or tool error (nothing written)'],
        ],
      },
    },
    examples: [['signer-opsec key show --config signer.toml', '']],
    exitCodes: [[0, 'done'], USAGE_ERROR],
    load: async () => (await import('./key.js')).keyCommand,
  },
  scan: {
    summary: 'find signer keys, mnemonics and tokens in files or git history',
    description:
      'A line containing "signer-opsec:allow" is never reported. Findings name a fingerprint, never the value.',
    options: SCAN_OPTIONS,
    operands: {
      name: 'PATH',
      variadic: true,
      help: 'files and directories (default .); with --history/--staged, the repository',
    },
    examples: [
      ['signer-opsec scan /etc /home', 'files'],
      ['signer-opsec scan --history .', 'every commit and stash of a repository'],
      ['signer-opsec scan --staged', 'as a pre-commit hook'],
    ],
    exitCodes: [[0, 'no findings'], [1, 'findings'], USAGE_ERROR],
    load: async () => (await import('./scan.js')).scanCommand,
  },
  harden: {
    summary: 'fix what the audit finds: systemd drop-ins, sshd, nftables, accounts, modes',
    description:
      'Every artefact is checked by the real tool before it is offered (systemd-analyze, sshd -t, nft -c). apply writes atomically and keeps every replaced file under /var/backups/signer-opsec/<ID>/; a second apply changes nothing.',
    options: {},
    subcommands: {
      plan: {
        summary: 'show what apply would change, as diffs',
        options: HARDEN_PLAN_OPTIONS,
        examples: [
          ['signer-opsec harden plan', 'the live host'],
          ['signer-opsec harden plan --root examples/hosts/published-guide.tar', 'an image'],
          ['signer-opsec harden plan --exit-code --format json --output plan.json', 'drift detection in CI'],
        ],
        exitCodes: [
          [0, 'planned (with --exit-code: nothing to change)'],
          [1, 'with --exit-code: changes are pending'],
          HARDEN_EXIT_ERROR,
        ],
      },
      apply: {
        summary: 'write the planned changes, with a backup',
        options: HARDEN_APPLY_OPTIONS,
        examples: [
          ['signer-opsec harden apply', 'asks y/N'],
          ['signer-opsec harden apply --yes --only systemd,sshd', 'two areas, without asking'],
        ],
        exitCodes: [
          [0, 'applied (also: nothing to change)'],
          [1, 'declined at the prompt: nothing written'],
          HARDEN_EXIT_ERROR,
        ],
      },
      rollback: {
        summary: 'undo an apply from its backup (default: the newest)',
        options: HARDEN_ROLLBACK_OPTIONS,
        operands: { name: 'ID', help: 'the backup to undo (default: the newest)' },
        examples: [
          ['signer-opsec harden rollback --list', 'the backups'],
          ['signer-opsec harden rollback', 'undo the newest apply'],
        ],
        exitCodes: [
          [0, 'rolled back (also: nothing to roll back)'],
          [2, 'usage error, a refusal or a failed restore'],
        ],
      },
    },
    examples: [['signer-opsec harden plan', '']],
    exitCodes: [[0, 'done'], HARDEN_EXIT_ERROR],
    load: async () => (await import('./harden.js')).hardenCommand,
  },
  completion: {
    summary: 'print a completion script for bash, zsh or fish',
    options: {},
    operands: { name: 'SHELL', help: 'bash, zsh or fish' },
    examples: [
      ['signer-opsec completion bash > /etc/bash_completion.d/signer-opsec', ''],
      ['signer-opsec completion fish > ~/.config/fish/completions/signer-opsec.fish', ''],
    ],
    exitCodes: [[0, 'printed'], USAGE_ERROR],
    // The table is handed over rather than imported there: no import cycle.
    load: async () => {
      const { completionCommand } = await import('./completion.js');
      return (parsed) => completionCommand(parsed as Parsed, COMMANDS);
    },
  },
  manpage: {
    summary: 'print the man page (roff)',
    options: {},
    examples: [['signer-opsec manpage | man -l -', '']],
    exitCodes: [[0, 'printed']],
    load: async () => {
      const { manpageCommand } = await import('./completion.js');
      return () => manpageCommand(COMMANDS);
    },
    hidden: true,
  },
};
