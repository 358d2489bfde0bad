import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { fromNodeError, TargetError } from '../../src/target/errors.js';
import { materialiseFiles } from '../support/materialise.js';
import { describeTargetContract } from '../support/target-contract.js';

describeTargetContract('DirectoryTarget', (root) => new DirectoryTarget(root, { live: false }));

const NOBODY = 65534;
const directoryTargetModule = pathToFileURL(
  fileURLToPath(new URL('../../src/target/directory-target.js', import.meta.url)),
).href;

/** Reads `paths` through a DirectoryTarget in a child process running as nobody; returns code or text per path. */
function readAsNobody(root: string, paths: string[]): Record<string, string> {
  const script = `
    const { DirectoryTarget } = await import(process.argv[1]);
    const target = new DirectoryTarget(process.argv[2], { live: false });
    const out = {};
    for (const path of JSON.parse(process.argv[3])) {
      try { out[path] = 'read:' + (await target.readText(path)); } catch (error) { out[path] = error.code ?? String(error); }
    }
    console.log(JSON.stringify(out));`;
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, directoryTargetModule, root, JSON.stringify(paths)],
    {
      uid: NOBODY,
      gid: NOBODY,
      encoding: 'utf8',
    },
  );
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Record<string, string>;
}

describe('DirectoryTarget', () => {
  test('"/" is the live host; any other directory is an offline "directory" target', () => {
    const live = new DirectoryTarget('/');
    assert.equal(live.kind, 'live');
    assert.equal(live.live, true);
    const offline = new DirectoryTarget('/tmp');
    assert.equal(offline.kind, 'directory');
    assert.equal(offline.live, false);
    assert.equal(offline.source, '/tmp');
  });

  test('a file the auditing user may not read is EACCES (run as uid 65534)', async () => {
    const tree = await materialiseFiles({
      'etc/shadow': { content: 'secret\n', mode: 0o640, uid: 0, gid: 42 },
      'etc/passwd': 'root:x:0:0::/root:/bin/bash\n',
      'root/.ssh/id_ed25519': { content: 'key\n', mode: 0o600 },
      root: { dir: true, mode: 0o700 },
    });
    try {
      const results = readAsNobody(tree.root, ['/etc/shadow', '/etc/passwd', '/root/.ssh/id_ed25519']);
      assert.deepEqual(results, {
        '/etc/shadow': 'EACCES',
        '/etc/passwd': 'read:root:x:0:0::/root:/bin/bash\n',
        '/root/.ssh/id_ed25519': 'EACCES',
      });
    } finally {
      tree.cleanup();
    }
  });

  test('node errors map to TargetError codes (EPERM counts as EACCES, unknown as EIO)', () => {
    const mapped = (code: string) => fromNodeError(Object.assign(new Error(code), { code }), '/x');
    assert.equal(mapped('EACCES').code, 'EACCES');
    assert.equal(mapped('EPERM').code, 'EACCES');
    assert.equal(mapped('EMFILE').code, 'EIO');
    assert.ok(mapped('ENOENT') instanceof TargetError);
    assert.match(mapped('EACCES').message, /^\/x: permission denied/);
  });
});
