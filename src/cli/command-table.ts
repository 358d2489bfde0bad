// Every subcommand, loaded on demand so `--version` and `--help` stay fast. One line per command:
// a new command adds its module under src/cli/ and a line here (and its usage to HELP in main.ts).

export type CommandRunner = (args: string[]) => number | Promise<number>;

export const COMMANDS: Readonly<Record<string, () => Promise<CommandRunner>>> = {
  audit: async () => (await import('./commands.js')).audit,
  checks: async () => (await import('./commands.js')).checksCommand,
  threat: async () => (await import('./threat.js')).threat,
  'verify-release': async () => (await import('./verify-release.js')).verifyReleaseCommand,
  keygen: async () => (await import('./keygen.js')).keygen,
  key: async () => (await import('./key.js')).keyCommand,
  scan: async () => (await import('./scan.js')).scanCommand,
  harden: async () => (await import('./harden.js')).hardenCommand,
};
