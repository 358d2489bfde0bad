import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSudoers, type SudoersFacts } from '../../src/discovery/sudoers.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { type FileSpec, materialiseFiles } from '../support/materialise.js';

async function load(files: FileSpec): Promise<SudoersFacts> {
  const tree = await materialiseFiles(files);
  try {
    return await loadSudoers(new DirectoryTarget(tree.root, { live: false }));
  } finally {
    tree.cleanup();
  }
}

/** "principal@file:line" (plus " NOPASSWD"), sorted: one string per grant. */
function summary(facts: SudoersFacts): string[] {
  return facts.grants
    .map((grant) => `${grant.principal}@${grant.file}:${grant.line}${grant.noPassword ? ' NOPASSWD' : ''}`)
    .sort();
}

describe('loadSudoers', () => {
  test('no /etc/sudoers (sudo not installed) gives no grants and no problems', async () => {
    const facts = await load({ 'etc/hostname': 'signer\n' });
    assert.deepEqual(facts, { grants: [], problems: [] });
  });

  test('reads the main file and every file of an includedir, with file and line of each grant', async () => {
    const facts = await load({
      'etc/sudoers':
        'Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n',
      'etc/sudoers.d/90-ops': '# ops\nalice, bob ALL=(ALL) NOPASSWD: ALL\n',
      'etc/sudoers.d/signer': '#998 ALL=(root) /usr/bin/systemctl restart stacks-signer\n',
    });
    assert.deepEqual(facts.problems, []);
    assert.deepEqual(summary(facts), [
      '#998@/etc/sudoers.d/signer:1',
      '%sudo@/etc/sudoers:3',
      'alice@/etc/sudoers.d/90-ops:2 NOPASSWD',
      'bob@/etc/sudoers.d/90-ops:2 NOPASSWD',
      'root@/etc/sudoers:2',
    ]);
  });

  test('an includedir skips names containing "." or ending in "~", as sudo does', async () => {
    const facts = await load({
      'etc/sudoers': '#includedir /etc/sudoers.d\n',
      'etc/sudoers.d/README': '# sudo reads this one too: no dot, no tilde\n',
      'etc/sudoers.d/kept': 'kept ALL=ALL\n',
      'etc/sudoers.d/backup~': 'tilde ALL=ALL\n',
      'etc/sudoers.d/signer.conf': 'dotted ALL=ALL\n',
      'etc/sudoers.d/ops.dpkg-old': 'dpkgold ALL=ALL\n',
      'etc/sudoers.d/.hidden': 'hidden ALL=ALL\n',
    });
    assert.deepEqual(facts.problems, []);
    assert.deepEqual(
      facts.grants.map((grant) => grant.principal),
      ['kept'],
    );
  });

  test('a missing includedir is not a problem', async () => {
    const facts = await load({ 'etc/sudoers': 'root ALL=ALL\n@includedir /etc/sudoers.d\n' });
    assert.deepEqual(facts.problems, []);
    assert.deepEqual(summary(facts), ['root@/etc/sudoers:1']);
  });

  test('#include and @include of a file, a relative path resolving beside the including file', async () => {
    const facts = await load({
      'etc/sudoers': '#include /etc/sudoers.local\n@include sudoers.extra\n',
      'etc/sudoers.local': 'local ALL=ALL\n',
      'etc/sudoers.extra': 'extra ALL=ALL\n',
    });
    assert.deepEqual(facts.problems, []);
    assert.deepEqual(summary(facts), ['extra@/etc/sudoers.extra:1', 'local@/etc/sudoers.local:1']);
  });

  test('a User_Alias defined in a later included file is expanded in the main file', async () => {
    const facts = await load({
      'etc/sudoers': 'SIGNERS ALL=(ALL) NOPASSWD: ALL\n@includedir /etc/sudoers.d\n',
      'etc/sudoers.d/aliases': 'User_Alias SIGNERS = stacks-signer, %signers : OTHERS = nobody\n',
    });
    assert.deepEqual(summary(facts), ['%signers@/etc/sudoers:1 NOPASSWD', 'stacks-signer@/etc/sudoers:1 NOPASSWD']);
  });

  test('negated principals grant nothing themselves', async () => {
    const facts = await load({ 'etc/sudoers': 'ALL, !stacks-signer ALL=(ALL) /usr/bin/id\n' });
    assert.deepEqual(summary(facts), ['ALL@/etc/sudoers:1']);
  });

  test('an include loop is read once per file and ends', async () => {
    const facts = await load({
      'etc/sudoers': '@include /etc/sudoers.a\nroot ALL=ALL\n',
      'etc/sudoers.a': '@include /etc/sudoers.b\na ALL=ALL\n',
      'etc/sudoers.b': '@include /etc/sudoers.a\n@include /etc/sudoers\nb ALL=ALL\n',
    });
    assert.deepEqual(facts.problems, []);
    assert.deepEqual(summary(facts), ['a@/etc/sudoers.a:2', 'b@/etc/sudoers.b:3', 'root@/etc/sudoers:2']);
  });

  test('an unreadable include is a problem naming the line that includes it; the rest is still read', async () => {
    const facts = await load({
      'etc/sudoers':
        '@include /etc/sudoers.dir\n@include /etc/sudoers.loop\n@include /etc/sudoers.gone\nroot ALL=ALL\n',
      'etc/sudoers.dir': { dir: true },
      'etc/sudoers.loop': { symlink: 'sudoers.loop' },
    });
    assert.deepEqual(summary(facts), ['root@/etc/sudoers:4']);
    assert.equal(facts.problems.length, 3, facts.problems.join('\n'));
    // Named by the include line, never by the path it holds (text of the file: fuzz seed 20261212 case 2696).
    assert.match(facts.problems[0]!, /^\/etc\/sudoers:1: the file it includes could not be read \(is a directory\)$/);
    assert.match(facts.problems[1]!, /^\/etc\/sudoers:2: .*\(too many levels of symbolic links/);
    assert.match(facts.problems[2]!, /^\/etc\/sudoers:3: .*\(no such file or directory\)$/);
    assert.ok(!facts.problems.join('\n').includes('sudoers.gone'));
  });

  test('a main file that exists but cannot be read is a problem, not silence', async () => {
    const facts = await load({ 'etc/sudoers/oops': 'x' });
    assert.deepEqual(facts.grants, []);
    assert.equal(facts.problems.length, 1);
    assert.match(facts.problems[0]!, /^\/etc\/sudoers: is a directory/);
  });

  test('a symlinked include is followed inside the target', async () => {
    const facts = await load({
      'etc/sudoers': '@includedir /etc/sudoers.d\n',
      'etc/sudoers.d/ops': { symlink: '/opt/ops/sudoers-fragment' },
      'opt/ops/sudoers-fragment': 'ops ALL=ALL\n',
    });
    assert.deepEqual(summary(facts), ['ops@/etc/sudoers.d/ops:1']);
  });
});
