#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (run `npm run build` after a fresh clone).
//
// CommonJS on purpose (bin/package.json): the instant commands (`mapwatch price`, `--version`) run from
// a small CommonJS build (dist/cli-bundle/instant.cjs, tools/bundle-cli.mjs) without starting Node's ES
// module loader, 15-20 ms of a ~130 ms command. Everything else, and those commands in forms the instant
// path leaves to commander, goes to the bundled ES module entry (the plain tsc output when not bundled).
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const dist = path.join(__dirname, '..', 'dist');
const bundled = path.join(dist, 'cli-bundle', 'run.js');
const entry = existsSync(bundled) ? bundled : path.join(dist, 'cli', 'run.js');
if (!existsSync(entry)) {
  process.stderr.write('mapwatch: not built yet: run `npm ci && npm run build` in the mapwatch folder first\n');
  process.exit(1);
}
const full = () => import(pathToFileURL(entry).href);
const instant = path.join(dist, 'cli-bundle', 'instant.cjs');
if (existsSync(instant)) {
  // An instant command that fails unexpectedly is run again by the full CLI, which reports it as usual.
  require(instant)
    .runInstantCommand(process.argv.slice(2))
    .then(
      (code) => (code === undefined ? full() : (process.exitCode = code)),
      () => full(),
    );
} else full();
