#!/usr/bin/env node
// CommonJS (bin/package.json): node starts a CommonJS entry point sooner than an ES module one.
'use strict';
const { connectEarly, loadMain } = require('./load-cli.js');

let finished = false;
// As an ES module's top-level await did: a run that never finishes (nothing left to wait for) is not a pass.
process.on('beforeExit', () => {
  if (!finished) {
    process.stderr.write('signer-opsec: the command stopped before it finished\n');
    process.exitCode = 13;
  }
});
// `audit --host`: the ssh login starts now, while the CLI loads.
connectEarly(process.argv.slice(2));
loadMain().then(async (main) => {
  process.exitCode = await main(process.argv.slice(2));
  finished = true;
});
