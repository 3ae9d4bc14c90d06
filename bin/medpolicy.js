#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): `check` runs from its prebuilt bundle without starting the ES
// module loader; every other command, and `check` whenever the bundle or the prebuilt context
// does not apply, runs from dist/src as an ES module.
const argv = process.argv.slice(2);
const done = (code) => {
  process.exitCode = code;
};

function checkFromBundle() {
  let loader;
  try {
    loader = require('../dist/src/adapters/cli/check-bundle.cjs');
  } catch (e) {
    if (e.code === 'MODULE_NOT_FOUND') return undefined; // not built
    throw e;
  }
  const bundle = loader.loadCheckBundle();
  return bundle?.checkPrebuilt(
    argv.slice(1),
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n'),
    loader.CHECK_STAMPS,
  );
}

const fast = argv[0] === 'check' ? checkFromBundle() : undefined;
if (fast) fast.then(done);
else import('../dist/src/adapters/cli/main.js').then((m) => m.main(argv)).then(done);
