import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSshd } from '../../src/discovery/sshd.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';

// On the live host the ssh controls read `sshd -T`; offline they read the files. Both must agree on this
// machine's real configuration (CI installs openssh-server, so sshd is there and this never skips).
test('live sshd -T and the offline parser agree on this host', async () => {
  const live = await loadSshd(new DirectoryTarget('/'));
  const offline = await loadSshd(new DirectoryTarget('/', { live: false }));
  assert.ok(live.present, 'sshd is installed (CI installs openssh-server)');
  const fromSshd = await live.effective();
  assert.equal(fromSshd.source, 'sshd -T', fromSshd.note);
  const fromFiles = await offline.effective();
  assert.equal(fromFiles.source, 'parser');
  for (const key of [
    'passwordauthentication',
    'kbdinteractiveauthentication',
    'pubkeyauthentication',
    'permitrootlogin',
    'authenticationmethods',
  ] as const) {
    assert.equal(fromFiles.settings[key].value, fromSshd.settings[key].value, key);
  }
  assert.deepEqual(
    fromFiles.settings.ports.map((port) => port.value),
    fromSshd.settings.ports.map((port) => port.value),
  );
});
