// Bundles the compiled CLI for bin/signer-opsec.js (bin/load-cli.js loads it), run by `npm run build` after tsc:
//   dist/bundle/cli/main.cjs            the CLI in one CommonJS file (esbuild): one file read at startup instead of
//                                       ~250 ES modules each resolved, read and linked
//   dist/bundle/cli/main.cjs.v8cache    V8's code cache of it, taken after auditing the example hosts: what an audit
//                                       runs is not compiled again at each start
//   dist/bundle/cli/early.cjs           the ssh master of `audit --host`, started before main.cjs is read
//   dist/bundle/cli/fleet-worker.js     the fleet's worker thread (an ES module: it awaits at top level), found by
//                                       fleet-threads.ts beside the bundle, as it is found beside dist/src/fleet/
// Three directories below the package root, as dist/src/<dir>/ is: the paths the code builds from import.meta.url
// (package.json, data/) resolve the same from the bundle.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The runs the code cache is taken after: what `audit` of a tar compiles, in text and in JSON. */
const TRAINING_RUNS = [
  ['audit', '--root', join(REPO_ROOT, 'examples/hosts/hardened.tar'), '--format', 'json'],
  ['audit', '--root', join(REPO_ROOT, 'examples/hosts/published-guide.tar')],
];

async function bundle(root: string, out: string): Promise<void> {
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    legalComments: 'none',
    minifyWhitespace: true,
  } as const;
  await build({
    ...common,
    entryPoints: [join(root, 'dist/src/cli/main.js')],
    format: 'cjs',
    outfile: join(out, 'main.cjs'),
    // ES module semantics kept: strict mode, and import.meta.url as the bundle's own URL.
    banner: { js: `'use strict';\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;` },
    define: { 'import.meta.url': '__bundleUrl' },
  });
  refuseNonAscii(join(out, 'main.cjs'));
  // The ssh master of `audit --host`, started before main.cjs loads (src/cli/early-ssh.ts): small, no code cache.
  await build({
    ...common,
    entryPoints: [join(root, 'dist/src/cli/early-ssh.js')],
    format: 'cjs',
    outfile: join(out, 'early.cjs'),
    banner: { js: `'use strict';` },
  });
  await build({
    ...common,
    entryPoints: [join(root, 'dist/src/fleet/fleet-worker.js')],
    format: 'esm',
    outfile: join(out, 'fleet-worker.js'),
    // A CommonJS dependency's require() of a builtin, in an ES module.
    banner: {
      js: `import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);`,
    },
  });
}

/**
 * bin/load-cli.js reads the bundle as latin1, one byte a character (the string V8 scans fastest; UTF-8 would make the
 * whole source two bytes a character for one non-ASCII one). esbuild escapes non-ASCII characters in strings but not in
 * regular expression literals: write those as \u escapes in the source.
 */
function refuseNonAscii(path: string): void {
  const bytes = readFileSync(path);
  const at = bytes.findIndex((byte) => byte > 0x7f);
  if (at === -1) return;
  const line = bytes.subarray(0, at).toString('latin1').split('\n').length;
  const near = bytes.subarray(Math.max(0, at - 60), at).toString('latin1');
  throw new Error(`${path}:${line}: a non-ASCII character after ${JSON.stringify(near)}: write it as a \\u escape`);
}

/** Runs the training in a child: the cache must come from a node with the flags the CLI runs with (none). */
function trainCodeCache(root: string): void {
  const loader = JSON.stringify(join(root, 'bin/load-cli.js'));
  const script = `require(${loader}).trainCodeCache(${JSON.stringify(TRAINING_RUNS)})`;
  const trained = spawnSync(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  if (trained.status !== 0) throw new Error(`training the code cache failed: ${trained.stderr}`);
  const check = `process.exitCode = require(${loader}).loadBundle().cacheUsed ? 0 : 3`;
  const used = spawnSync(process.execPath, ['-e', check], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  // Not fatal: the CLI works without it, only slower to start.
  if (used.status !== 0)
    console.warn(`warning: V8 rejected the code cache just made in ${join(root, 'dist/bundle/cli')}`);
}

/** Bundles `root`/dist/src (a package: bin/, dist/src/, package.json, data/) into `root`/dist/bundle/cli/. */
export async function buildBundle(root: string): Promise<string> {
  const out = join(root, 'dist/bundle/cli');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await bundle(root, out);
  trainCodeCache(root);
  return out;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) console.log(`wrote ${await buildBundle(REPO_ROOT)}`);
