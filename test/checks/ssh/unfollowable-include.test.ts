import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sshChecks } from '../../../src/checks/ssh/index.js';
import { runOn } from '../../support/check-tester.js';
import type { FileSpec } from '../../support/materialise.js';

// sshd exits at startup when an Include matches a file it cannot open (servconf.c load_server_config) or
// includes recurse without end: every ssh control must say so, not judge the settings around it.

const cases: [string, FileSpec, RegExp][] = [
  [
    'a literal Include of a symlink loop',
    {
      'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/hardening.conf\nPermitRootLogin no\nPort 2222\n',
      'etc/ssh/sshd_config.d/hardening.conf': { symlink: 'hardening.conf' },
    },
    /^\/etc\/ssh\/sshd_config:1: Include \/etc\/ssh\/sshd_config\.d\/hardening\.conf: cannot be read \(.*symlink loop.*\); sshd refuses to start/,
  ],
  [
    'a glob Include matching a dangling symlink',
    {
      'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nPort 2222\n',
      'etc/ssh/sshd_config.d/10-gone.conf': { symlink: '/nowhere/10-gone.conf' },
    },
    /^\/etc\/ssh\/sshd_config:1: Include \/etc\/ssh\/sshd_config\.d\/10-gone\.conf: cannot be read/,
  ],
  [
    'a file that includes itself',
    { 'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config\nPermitRootLogin no\nPort 2222\n' },
    /^\/etc\/ssh\/sshd_config:1: Include cycle: \/etc\/ssh\/sshd_config:1 -> \/etc\/ssh\/sshd_config; sshd refuses to start/,
  ],
  [
    // Issue 18 item 9: 43 s and 1.6 GB (twice), over 120 s (three times) before includes were memoised.
    'a file that includes itself three times on one line',
    {
      'etc/ssh/sshd_config':
        'Include /etc/ssh/sshd_config /etc/ssh/sshd_config /etc/ssh/sshd_config\nPermitRootLogin no\nPort 2222\n',
    },
    /^\/etc\/ssh\/sshd_config:1: Include cycle: \/etc\/ssh\/sshd_config:1 -> \/etc\/ssh\/sshd_config; sshd refuses to start/,
  ],
  [
    'a file that includes itself on two lines',
    { 'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config\nPort 2222\n' },
    /^\/etc\/ssh\/sshd_config:1: Include cycle: /,
  ],
];

describe('ssh controls: an Include sshd cannot follow', () => {
  for (const [name, files, expected] of cases) {
    test(`${name}: every ssh control reports error with file:line and why`, async () => {
      for (const check of sshChecks) {
        const { result } = await runOn(check, files);
        assert.equal(result.status, 'error', `${check.id}: ${result.status} ${result.message}`);
        assert.match(result.message, expected, check.id);
        assert.equal(result.evidence[0]?.file, '/etc/ssh/sshd_config');
      }
    });
  }

  test('a missing literal Include is skipped, as sshd skips it', async () => {
    const { result } = await runOn(sshChecks[1]!, {
      'etc/ssh/sshd_config': 'Include /etc/ssh/absent.conf\nPermitRootLogin no\n',
    });
    assert.equal(result.status, 'pass', result.message);
  });
});
