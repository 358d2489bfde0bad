import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import port from '../../../src/checks/ssh/non-standard-port.js';
import passwords from '../../../src/checks/ssh/password-authentication.js';
import { runOn } from '../../support/check-tester.js';

// The wording must not claim what was not observed: offline nothing listens, and "(sshd's default)" belongs to the
// value sshd uses, not to the value we expect.

describe('ssh wording', () => {
  test('a default PasswordAuthentication yes is named as the default, the expectation apart', async () => {
    const { items } = await runOn(passwords, { 'etc/ssh/sshd_config': 'PubkeyAuthentication yes\n' });
    const wrong = items.find((item) => item.messageId === 'wrong' && item.message.startsWith('PasswordAuthentication'));
    assert.equal(wrong?.message, 'PasswordAuthentication is "yes" (sshd\'s default); expected "no".');
  });

  test('port 22 offline is "configured for", not "listens on"', async () => {
    const { result } = await runOn(port, { 'etc/ssh/sshd_config': 'PermitRootLogin no\n' });
    assert.equal(result.message, 'sshd is configured for port 22.');
  });

  for (const check of [passwords, port]) {
    test(`${check.id} says its configuration came from the offline parser`, async () => {
      const { result } = await runOn(check, { 'etc/ssh/sshd_config': 'Port 2222\n' });
      assert.ok(
        result.evidence.some((item) =>
          item.detail.includes('effective configuration from the config files (offline parser'),
        ),
      );
    });
  }
});
