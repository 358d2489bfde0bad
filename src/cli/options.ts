// The options of every command (see command-table.ts): parsing (src/cli/program.ts, with commander), every --help page, `help <cmd>`, the shell
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
  /**
   * Starts what can begin while the runner loads (`audit --host` connects); returns what to end once the command is
   * over, whatever its outcome.
   */
  readonly prepare?: (parsed: Parsed) => (() => void) | undefined;
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
export const USAGE_ERROR = [
  2,
  'usage error, unreadable input or a tool error (one line on standard error says what to do)',
] as const;

export const AUDIT_OPTIONS = {
  root: {
    type: 'string',
    arg: 'DIR|FILE.tar',
    help: "audit a directory holding a system's root, or a tar of one (docker export); default: the live host (/)",
  },
  format: {
    type: 'string',
    arg: 'FORMAT',
    choices: ['text', 'json', 'html', 'junit', 'sarif', 'prometheus'],
    default: 'text',
    help: 'report format: text, json, html (one self-contained page), junit, sarif, prometheus (node_exporter textfile)',
  },
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
  waivers: {
    type: 'string',
    arg: 'FILE',
    help: 'accepted risks (YAML: control id → justification, expires, hosts, run), read on the auditing machine; default /etc/signer-opsec/waivers.yml when it exists',
  },
  'no-waivers': { type: 'boolean', help: 'ignore the default waivers file' },
  host: {
    type: 'string',
    arg: '[ssh://][user@]host[:port]',
    help: 'audit a remote host over SSH (nothing is installed or written there)',
  },
  inventory: {
    type: 'string',
    arg: 'FILE',
    help: 'audit every host of an Ansible inventory (INI, YAML, or ansible-inventory --list JSON)',
  },
  limit: {
    type: 'string',
    arg: 'PATTERN',
    help: 'with --inventory: Ansible --limit (groups, hosts, globs, ~regex, &and, !not)',
  },
  forks: { type: 'string', arg: 'N', help: 'with --inventory: hosts audited at once (default 10)' },
  become: { type: 'boolean', help: 'run the remote side under sudo -n (a password prompt is an error, never a hang)' },
  'ssh-config': { type: 'string', arg: 'FILE', help: 'ssh -F FILE for every connection' },
  'host-timeout': { type: 'string', arg: 'SECONDS', help: 'deadline per remote host (default 300)' },
  'stacker-set': {
    type: 'string',
    arg: 'FILE',
    help: "with --inventory: a saved stacker set, for the fleet's combined signer weight against 30% / 70%",
  },
  node: {
    type: 'string',
    arg: 'URL',
    help: 'with --inventory: read the stacker set from your node instead (with --cycle)',
  },
  cycle: { type: 'string', arg: 'N', help: 'the reward cycle to read from --node' },
  quiet: {
    type: 'boolean',
    help: 'text report: show only failures, errors and warnings; no progress line on standard error (key-in-git history walks)',
  },
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
  format: {
    type: 'string',
    arg: 'FORMAT',
    choices: ['text', 'json', 'prometheus'],
    default: 'text',
    help: "output format (prometheus: for node_exporter's textfile collector)",
  },
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
  since: {
    type: 'string',
    arg: 'REF',
    help: 'with --history: only the commits not reachable from REF (what a push adds); sees nothing committed before',
  },
  range: { type: 'string', arg: 'A..B', help: 'with --history: only the commits of this range (a pull request)' },
  quiet: { type: 'boolean', default: false, help: 'no progress line on standard error (history scans)' },
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
  quiet: {
    type: 'boolean',
    help: 'text plan: one line per change (no diffs), problems, the summary; nothing already in place',
  },
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
