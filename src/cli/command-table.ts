// The one command table: parsing (src/cli/program.ts, with commander), every --help page, `help <cmd>`, the shell
// completions and the man page are generated from it. A new flag is one line in its command's options; a new command
// is one entry below and a module under src/cli/ that exports its runner. Runners are loaded on demand so `--version`
// and `--help` stay fast, and receive `{ values, positionals }` shaped as node:util parseArgs returns them
// (kebab-case keys, defaults applied, repeatable flags as arrays).

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in help (`--root DIR`). */
  readonly arg?: string;
  readonly help: string;
  /** Repeatable: each use is collected (commands also split on commas). */
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  /** Accepted values, case-insensitive; the value is handed on spelled as listed here. */
  readonly choices?: readonly string[];
  /** A boolean with a --no-<name> form: true, false, or undefined when neither was given. */
  readonly negatable?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O extends { multiple: true }
    ? string[]
    : string;

export type Values<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { default: string | boolean } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

export interface Parsed<S extends OptionSpecs = OptionSpecs> {
  values: Values<S>;
  positionals: string[];
}

// Method syntax: a runner typed for its own options is accepted here (parameters are compared bivariantly).
export type CommandRunner = { run(parsed: Parsed<never>, subcommand?: string): number | Promise<number> }['run'];

export interface CommandSpec {
  readonly summary: string;
  readonly description?: string;
  readonly options: OptionSpecs;
  /** Operands, e.g. `[PATH...]`; none when absent. */
  readonly operands?: { readonly name: string; readonly help: string; readonly variadic?: boolean };
  readonly subcommands?: Readonly<Record<string, CommandSpec>>;
  readonly examples: readonly (readonly [command: string, what: string])[];
  readonly exitCodes: readonly (readonly [code: number, meaning: string])[];
  /** Loads the runner; a command with subcommands gets the subcommand's name as second argument. */
  readonly load?: () => Promise<CommandRunner>;
  readonly hidden?: boolean;
}

// Flags shared by several commands, so they read and behave the same everywhere.
const output = {
  type: 'string',
  arg: 'FILE',
  help: 'write the output to FILE (atomically) instead of standard output',
} as const;
const color = {
  type: 'boolean',
  negatable: true,
  help: 'force colour on or off (default: on for a terminal, off with NO_COLOR or TERM=dumb, on with FORCE_COLOR)',
} as const;
const textJson = (what: string) =>
  ({ type: 'string', arg: 'FORMAT', choices: ['text', 'json'], default: 'text', help: what }) as const;
const unitOptions = {
  'signer-config': {
    type: 'string',
    arg: 'PATH',
    help: 'the signer config inside the target (skips discovery; must exist)',
  },
  'node-config': { type: 'string', arg: 'PATH', help: 'the node config inside the target (must exist)' },
  'signer-unit': {
    type: 'string',
    arg: 'NAME',
    help: "the signer's systemd unit, e.g. stacks-signer.service (must exist)",
  },
  'node-unit': { type: 'string', arg: 'NAME', help: "the node's systemd unit (must exist)" },
} as const;
const USAGE_ERROR = [
  2,
  'usage error, unreadable input or a tool error (one line on standard error says what to do)',
] as const;

export const AUDIT_OPTIONS = {
  root: {
    type: 'string',
    arg: 'DIR|FILE.tar',
    help: "audit a directory holding a system's root, or a tar of one (docker export); default: the live host (/)",
  },
  format: { type: 'string', arg: 'FORMAT', choices: ['text', 'json'], default: 'text', help: 'report format' },
  output,
  'fail-on': {
    type: 'string',
    arg: 'SEVERITY',
    choices: ['critical', 'high', 'medium', 'low', 'info', 'none'],
    default: 'high',
    help: 'exit 1 when a control of this severity or higher fails',
  },
  only: {
    type: 'string',
    arg: 'ID|FAMILY',
    multiple: true,
    help: 'run only these controls (repeatable, comma-separated)',
  },
  skip: { type: 'string', arg: 'ID|FAMILY', multiple: true, help: 'skip these controls (repeatable, comma-separated)' },
  ...unitOptions,
  'pin-file': {
    type: 'string',
    arg: 'PATH',
    help: 'the release pin inside the target (default /etc/signer-opsec/release-pins.json)',
  },
  'docker-inspect': {
    type: 'string',
    arg: 'FILE',
    help: 'containers from a saved `docker inspect <ids>` (JSON array) of the audited host',
  },
  quiet: { type: 'boolean', help: 'text report: show only failures, errors and warnings' },
  'allow-empty': {
    type: 'boolean',
    help: 'pass even when neither a signer nor a node was found (otherwise exit 2: nothing to audit)',
  },
  color,
} as const satisfies OptionSpecs;

export const CHECKS_OPTIONS = {
  format: textJson('catalogue format'),
  output,
} as const satisfies OptionSpecs;

export const THREAT_OPTIONS = {
  'stacker-set': {
    type: 'string',
    arg: 'FILE',
    help: 'a saved /v3/stacker_set/{cycle} answer ({"stacker_set":{...}} or the inner object)',
  },
  node: { type: 'string', arg: 'URL', help: 'read the set from your own node (http://127.0.0.1:20443), with --cycle' },
  cycle: { type: 'string', arg: 'N', help: 'the reward cycle to read from --node' },
  timeout: { type: 'string', arg: 'SECONDS', default: '10', help: "deadline for the node's answer" },
  me: {
    type: 'string',
    arg: 'PUBKEY',
    multiple: true,
    help: "your signer's compressed public key (repeatable, comma-separated)",
  },
  config: { type: 'string', arg: 'FILE', help: 'or your signer config: the public key is derived from it' },
  operators: {
    type: 'string',
    arg: 'FILE',
    help: 'JSON {"<pubkey>": "<operator>"}: an operator with several keys counts once',
  },
  format: textJson('output format'),
  output,
  'fail-if-me-above': {
    type: 'string',
    arg: 'PCT',
    help: "exit 1 when your share (your operator's, with --operators) is above PCT percent",
  },
} as const satisfies OptionSpecs;

export const VERIFY_RELEASE_OPTIONS = {
  archive: { type: 'string', arg: 'FILE.zip', help: 'the release archive as downloaded (named as in CHECKSUMS.txt)' },
  checksums: { type: 'string', arg: 'FILE', help: "the release's CHECKSUMS.txt (sha512sum output)" },
  'release-version': { type: 'string', arg: 'VER', help: "the release's version (e.g. 4.0.2), recorded in the pin" },
  root: { type: 'string', arg: 'DIR', default: '/', help: "the target's root directory to write the pin into" },
  'pin-file': {
    type: 'string',
    arg: 'PATH',
    default: '/etc/signer-opsec/release-pins.json',
    help: "the pin's path inside the target",
  },
  format: textJson('output format'),
  output,
} as const satisfies OptionSpecs;

const keyConfig = {
  type: 'string',
  arg: 'FILE',
  help: 'the signer config (written atomically, mode 600; only its stacks_private_key value changes)',
} as const;
const keyWriteOptions = {
  user: { type: 'string', arg: 'USER', help: "owner of the written config; default: the existing file's owner" },
  network: {
    type: 'string',
    arg: 'NETWORK',
    choices: ['mainnet', 'testnet'],
    help: 'the network whose address is printed',
  },
  rotate: {
    type: 'boolean',
    default: false,
    help: 'replace a key already in the config (the old one is kept as FILE.<time>.bak)',
  },
  'passphrase-file': {
    type: 'string',
    arg: 'FILE',
    help: 'read the keystore passphrase from FILE (mode 600; first line)',
  },
  'require-offline': {
    type: 'boolean',
    default: false,
    help: 'refuse, instead of warning, when this machine has a default route or an interface up',
  },
} as const;

export const KEYGEN_OPTIONS = {
  config: keyConfig,
  ...keyWriteOptions,
  backup: { type: 'string', arg: 'KEYSTORE', help: 'also write a passphrase-encrypted keystore of the new key' },
  format: textJson('output format (the public key, addresses and fingerprint; never the private key)'),
  output,
} as const satisfies OptionSpecs;

export const KEY_SHOW_OPTIONS = {
  config: { type: 'string', arg: 'FILE', help: 'the signer config holding the key' },
  keystore: { type: 'string', arg: 'FILE', help: 'a keystore: its clear metadata, or checked with --verify' },
  verify: { type: 'boolean', default: false, help: 'decrypt the keystore and check its metadata against the key' },
  'passphrase-file': { type: 'string', arg: 'FILE', help: 'read the passphrase from FILE (implies --verify)' },
  format: textJson('output format'),
  output,
} as const satisfies OptionSpecs;

export const KEY_BACKUP_OPTIONS = {
  config: { type: 'string', arg: 'FILE', help: 'the signer config holding the key' },
  keystore: { type: 'string', arg: 'KEYSTORE', help: 'the keystore to write (mode 600)' },
  'passphrase-file': { type: 'string', arg: 'FILE', help: 'read the passphrase from FILE (mode 600; first line)' },
  format: textJson('output format'),
  output,
} as const satisfies OptionSpecs;

export const KEY_RESTORE_OPTIONS = {
  keystore: { type: 'string', arg: 'KEYSTORE', help: 'the keystore to restore from' },
  config: keyConfig,
  ...keyWriteOptions,
  format: textJson('output format'),
  output,
} as const satisfies OptionSpecs;

export const SCAN_OPTIONS = {
  history: {
    type: 'boolean',
    default: false,
    help: 'scan every commit reachable from any ref, plus every stash entry',
  },
  staged: { type: 'boolean', default: false, help: 'scan what is staged for the next commit (pre-commit hook)' },
  'key-from': {
    type: 'string',
    arg: 'CONFIG',
    help: 'search only for the key in this signer config, in every encoding (no false positives)',
  },
  format: {
    type: 'string',
    arg: 'FORMAT',
    choices: ['text', 'json', 'sarif'],
    default: 'text',
    help: 'findings format',
  },
  output,
  baseline: { type: 'string', arg: 'FILE', help: 'accept the findings whose fingerprints FILE lists' },
  'write-baseline': {
    type: 'string',
    arg: 'FILE',
    help: "write the fingerprints of this scan's findings to FILE and exit 0",
  },
  detectors: {
    type: 'string',
    arg: 'LIST',
    multiple: true,
    help: 'only these: stacks-private-key, bip39-mnemonic, auth-token, bitcoind-password, published-secret',
  },
  'max-file-size': {
    type: 'string',
    arg: 'SIZE',
    help: 'skip (with a note) files and blobs larger than this (default 10M)',
  },
  'include-git-dir': { type: 'boolean', default: false, help: 'also read .git directories' },
  'include-binary': { type: 'boolean', default: false, help: 'also scan files with NUL bytes' },
  quiet: { type: 'boolean', default: false, help: 'text: only the findings, no summary' },
} as const satisfies OptionSpecs;

const hardenAreas = {
  only: {
    type: 'string',
    arg: 'AREA',
    multiple: true,
    help: 'accounts, configs, permissions, systemd, sshd, firewall (repeatable, comma-separated)',
  },
  skip: { type: 'string', arg: 'AREA', multiple: true, help: 'leave these areas alone (repeatable, comma-separated)' },
} as const;
const hardenRoot = {
  type: 'string',
  arg: 'DIR',
  help: "harden another system's root (plan also takes FILE.tar); default: the live host (/)",
} as const;
const consoleAccess = {
  type: 'boolean',
  help: 'step past the lock-out guards that name this flag',
} as const;
const noReload = {
  type: 'boolean',
  help: 'live host: do not run systemctl daemon-reload / sshd reload / nft -f afterwards',
} as const;

export const HARDEN_PLAN_OPTIONS = {
  root: hardenRoot,
  ...hardenAreas,
  ...unitOptions,
  'i-have-console-access': consoleAccess,
  'exit-code': { type: 'boolean', help: 'exit 1 when changes are pending (drift detection in CI)' },
  format: { type: 'string', arg: 'FORMAT', choices: ['text', 'json'], help: 'plan format (default text)' },
  output,
} as const satisfies OptionSpecs;

export const HARDEN_APPLY_OPTIONS = {
  root: hardenRoot,
  ...hardenAreas,
  ...unitOptions,
  'i-have-console-access': consoleAccess,
  yes: { type: 'boolean', help: 'apply without asking (otherwise: a y/N question on the terminal)' },
  'no-reload': noReload,
  format: { type: 'string', arg: 'FORMAT', choices: ['text', 'json'], help: 'output format (default text)' },
  output,
} as const satisfies OptionSpecs;

export const HARDEN_ROLLBACK_OPTIONS = {
  root: { type: 'string', arg: 'DIR', help: 'the root the apply wrote into (default /)' },
  list: { type: 'boolean', help: 'list the backups instead' },
  force: { type: 'boolean', help: 'restore even files changed since the apply' },
  'no-reload': noReload,
  format: { type: 'string', arg: 'FORMAT', choices: ['text', 'json'], help: 'output format (default text)' },
  output,
} as const satisfies OptionSpecs;

/** Every option any harden subcommand takes: the type the harden runner reads. */
const HARDEN_ALL_OPTIONS = { ...HARDEN_PLAN_OPTIONS, ...HARDEN_APPLY_OPTIONS, ...HARDEN_ROLLBACK_OPTIONS };
export type HardenOptions = typeof HARDEN_ALL_OPTIONS;

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
    load: async () => (await import('./completion.js')).completionCommand,
  },
  manpage: {
    summary: 'print the man page (roff)',
    options: {},
    examples: [['signer-opsec manpage | man -l -', '']],
    exitCodes: [[0, 'printed']],
    load: async () => (await import('./completion.js')).manpageCommand,
    hidden: true,
  },
};
