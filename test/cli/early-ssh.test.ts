// bin/ starts the ssh master of `audit --host` before the CLI loads (src/cli/early-ssh.ts), from a simple reading of
// the command line; the CLI takes it only when its own parse names the same connection. The two readings must agree
// on every ordinary command line (else each audit would log in twice), and the simple one must stay out of the way
// wherever it could misread (help, `--`, short flags, a repeated flag, --root or --inventory).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { earlyFlags } from '../../src/cli/early-ssh.js';
import { connectionKey, hostTargetOptions } from '../../src/cli/host-options.js';
import { parseCommandLine } from '../../src/cli/program.js';

/** The connection the CLI's own parse names for `argv`. */
function cliKey(argv: readonly string[]): string {
  const outcome = parseCommandLine(argv, '0.0.0');
  assert.equal(outcome.kind, 'run', argv.join(' '));
  if (outcome.kind !== 'run') throw new Error('unreachable');
  return connectionKey(hostTargetOptions(outcome.selected.parsed.values));
}

describe('the early ssh master names the connection the CLI will ask for', () => {
  test('every ordinary form of `audit --host` gives the same connection as the full parse', () => {
    for (const argv of [
      ['audit', '--host', 'signer-1'],
      ['audit', '--host=root@10.0.0.5:2222'],
      ['audit', '--format', 'json', '--host', 'ssh://ops@signer.example:22', '--ssh-config', '/etc/lab/ssh_config'],
      ['audit', '--become', '--host', 'signer-1', '--host-timeout', '60', '--fail-on', 'none'],
      ['audit', '--ssh-config=/tmp/cfg', '--host', 'signer-1', '--quiet', '--become'],
    ]) {
      const flags = earlyFlags(argv);
      assert.ok(flags, argv.join(' '));
      assert.equal(connectionKey(hostTargetOptions(flags)), cliKey(argv), argv.join(' '));
    }
  });

  test('it starts nothing where its simple reading could differ from the CLI’s, or no single host is named', () => {
    for (const argv of [
      ['scan', '--host', 'signer-1'],
      ['audit'],
      ['audit', '--host'],
      ['audit', '--host', 'signer-1', '--help'],
      ['audit', '--host', 'signer-1', '-q'],
      ['audit', '--', '--host', 'signer-1'],
      ['audit', '--host', 'a', '--host', 'b'],
      ['audit', '--host', 'signer-1', '--root', '/mnt/image'],
      ['audit', '--host', 'signer-1', '--inventory', 'hosts.ini'],
    ])
      assert.equal(earlyFlags(argv), undefined, argv.join(' '));
  });
});
