// The first round of a remote audit runs, before discovery asks, the commands the live audit runs on every host: each
// must be exactly the command (arguments and timeout) discovery later asks for, or the answer is never used and the
// command runs a second time (a round trip, and the host's work, for nothing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROBE_CONNECTION } from '../../src/discovery/sshd.js';
import { sshdTestSpec } from '../../src/parsers/sshd-config.js';
import { PREFETCH_COMMANDS } from '../../src/target/ssh-target.js';

test('the sshd -T runs of the first round are the ones the sshd controls ask for (probe connection, and root)', () => {
  const prefetched = PREFETCH_COMMANDS.filter(([command]) => command === 'sshd').map(([, args, timeoutMs]) => ({
    args,
    timeoutMs,
  }));
  // src/discovery/sshd.ts runs `sshd -T -C <spec>` with a 5 s timeout; root-login asks for root, the others for the
  // probe connection.
  assert.deepEqual(prefetched, [
    // timeout-ok: the command's own deadline, compared as data; no test waits on it
    { args: ['-T', '-C', sshdTestSpec(PROBE_CONNECTION)], timeoutMs: 5000 },
    // timeout-ok: as above
    { args: ['-T', '-C', sshdTestSpec({ ...PROBE_CONNECTION, user: 'root' })], timeoutMs: 5000 },
  ]);
});
