// Loads the CLI for bin/signer-opsec.js. `npm run build` bundles it into one file, dist/bundle/cli/main.cjs
// (scripts/build-bundle.ts), and keeps V8's code cache of a trained run beside it: one file read instead of ~250
// ES modules resolved and read, and the functions an audit runs already compiled. Startup was most of a tar audit's
// wall time (issue #15).
// In a source checkout the bundle is used only when it is at least as new as the compiled tree (dist/src/cli/main.js):
// after a `tsc`-only build during development, dist/src is newer and is run as compiled, so the tests never run a
// stale bundle. An installed package (no src/) is never rebuilt: its bundle is used whatever mtimes unpacking gave.
// The cache is used only when it was made from these very bundle bytes (a SHA-256 of them heads the file): V8 itself
// checks only the source's length, its version and its flags. A rejected or missing cache costs time, not
// correctness: V8 compiles the source instead.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist/bundle/cli/main.cjs');
const CODE_CACHE = join(ROOT, 'dist/bundle/cli/main.cjs.v8cache');
const COMPILED_MAIN = join(ROOT, 'dist/src/cli/main.js');
const EARLY_BUNDLE = join(ROOT, 'dist/bundle/cli/early.cjs');
const COMPILED_EARLY = join(ROOT, 'dist/src/cli/early-ssh.js');
/** Where the early ssh master waits for the CLI (src/cli/early-ssh.ts). */
const EARLY_MASTER = Symbol.for('signer-opsec.early-ssh-master');
const SOURCE_MAIN = join(ROOT, 'src/cli/main.ts');
const HASH_BYTES = 32;

/** The bundle exists and, in a source checkout, no `tsc` ran after it was made. */
function bundleIsCurrent() {
  let bundle;
  try {
    bundle = statSync(BUNDLE);
  } catch {
    return false;
  }
  if (!existsSync(SOURCE_MAIN)) return true;
  try {
    return bundle.mtimeMs >= statSync(COMPILED_MAIN).mtimeMs;
  } catch {
    return true;
  }
}

/**
 * Compiles and runs the bundle as CommonJS does (the same wrapper), with the code cache unless `fresh`.
 * Returns its exports, the compiled script (to make a cache from) and whether a cache was used.
 */
function loadBundle({ fresh = false } = {}) {
  const bytes = readFileSync(BUNDLE);
  const hash = createHash('sha256').update(bytes).digest();
  let cachedData;
  if (!fresh) {
    try {
      const cache = readFileSync(CODE_CACHE);
      if (cache.subarray(0, HASH_BYTES).equals(hash)) cachedData = cache.subarray(HASH_BYTES);
    } catch {
      // No cache (not trained, or removed): compiled from source.
    }
  }
  // ASCII (scripts/build-bundle.ts makes sure): read as latin1, a one-byte string, which V8 scans fastest.
  const source = `(function (exports, require, module, __filename, __dirname) {${bytes.toString('latin1')}\n})`;
  const script = new vm.Script(source, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { exports: module.exports, script, hash, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * `audit --host`: starts the ssh master before the CLI loads (src/cli/early-ssh.ts, a small bundle of its own), so the
 * key exchange runs while the CLI is read and compiled. Nothing for any other command line; the CLI takes the master
 * only when its own parse names the same connection. Never in the way: any failure here leaves the CLI to connect.
 */
function connectEarly(argv) {
  if (argv[0] !== 'audit' || !argv.some((arg) => arg === '--host' || arg.startsWith('--host='))) return;
  try {
    globalThis[EARLY_MASTER] = bundleIsCurrent()
      ? Promise.resolve(require(EARLY_BUNDLE).spawnEarly(argv))
      : import(pathToFileURL(COMPILED_EARLY).href).then(
          (early) => early.spawnEarly(argv),
          () => undefined,
        );
  } catch {
    globalThis[EARLY_MASTER] = undefined;
  }
}

/** The CLI's main(argv): the bundle when current, else the compiled tree. */
async function loadMain() {
  if (bundleIsCurrent()) return loadBundle().exports.main;
  return (await import(pathToFileURL(COMPILED_MAIN).href)).main;
}

/**
 * `npm run build`: runs the CLI from a freshly compiled bundle on each argv (its output is the caller's to discard),
 * then writes the code cache of every function those runs compiled.
 */
async function trainCodeCache(argvs) {
  const { exports, script, hash } = loadBundle({ fresh: true });
  for (const argv of argvs) await exports.main(argv);
  writeFileSync(CODE_CACHE, Buffer.concat([hash, script.createCachedData()]));
}

module.exports = { BUNDLE, CODE_CACHE, bundleIsCurrent, connectEarly, loadBundle, loadMain, trainCodeCache };
