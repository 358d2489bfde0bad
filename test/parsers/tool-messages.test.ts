import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeToolLine, describeToolOutput } from '../../src/parsers/tool-messages.js';
import { firstErrorLine } from '../../src/secrets/git/run-git.js';

// What sshd, nft, systemd-analyze and git print, with a planted secret where they quote the line they reject.
const SECRET = 'stacks:$6$Zq8Xv2Lk$PlantedHash:19700:0:99999:7:::';

describe('tool messages are a place and a category, never the quoted text', () => {
  const cases: [string, string, string][] = [
    [
      'sshd',
      `/tmp/signer-opsec-validate-x/etc/shadow line 1: no argument after keyword "${SECRET}"`,
      'sshd: /etc/shadow:1: no argument after keyword',
    ],
    [
      'sshd',
      `/etc/ssh/sshd_config: line 3: Bad configuration option: ${SECRET}`,
      'sshd: /etc/ssh/sshd_config:3: Bad configuration option',
    ],
    [
      'nft',
      `/tmp/signer-opsec-validate-x/etc/nftables.conf:3:3-40: Error: syntax error, unexpected string\n\t\t${SECRET}\n\t\t^^^^^`,
      'nft: /etc/nftables.conf:3:3: syntax error',
    ],
    [
      'systemd-analyze',
      `/etc/systemd/system/x.service:4: Unknown key '${SECRET}' in section [Service], ignoring.`,
      'systemd-analyze: /etc/systemd/system/x.service:4: Unknown key',
    ],
    ['sshd', `something new "${SECRET}"`, 'sshd: failed (the message is withheld: it may quote a file)'],
    [
      'nft',
      `/etc/nftables.conf:1:1-2: Error: a message we do not know ${SECRET}`,
      'nft: /etc/nftables.conf:1:1: rejected (the message is withheld: it may quote the file)',
    ],
  ];
  for (const [tool, output, expected] of cases) {
    test(`${tool}: ${expected}`, () => {
      assert.equal(describeToolOutput(tool, output, '/tmp/signer-opsec-validate-x'), expected);
    });
  }

  test('a path with blanks or quotes is not repeated', () => {
    assert.equal(describeToolLine(`/etc/"${SECRET}" line 1: Bad configuration option`), 'Bad configuration option');
  });

  test('git: the first fatal or error line, as a category', () => {
    assert.equal(
      firstErrorLine(`hint: x\nerror: key does not contain a section: ${SECRET}\n`),
      'failed (the message is withheld: it may quote a file)',
    );
    assert.equal(firstErrorLine('fatal: bad object refs/heads/planted\n'), 'bad object');
    assert.equal(firstErrorLine(''), undefined);
  });
});
