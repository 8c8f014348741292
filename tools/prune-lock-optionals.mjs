#!/usr/bin/env node
// Drops optional-dependency edges in package-lock.json whose packages the lock does not
// contain. Why: the registry this project is built against does not serve some
// platform-only binaries (e.g. @msgpackr-extract/*-darwin-arm64, an optional speed-up of
// msgpackr, itself a BullMQ dependency). npm then writes the edge but not the package,
// and `npm ci` refuses the lock. Those packages are optional by definition, so the edge
// can go. Run after any `npm install`; .ci/run runs it before `npm ci`.
import fs from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const present = new Set(Object.keys(lock.packages ?? {}).map((k) => k.split('node_modules/').pop()));
let dropped = 0;
for (const entry of Object.values(lock.packages ?? {})) {
  if (!entry.optionalDependencies) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    if (!present.has(name)) {
      delete entry.optionalDependencies[name];
      dropped++;
    }
  }
}
if (dropped) {
  fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
  console.log(`prune-lock-optionals: dropped ${dropped} optional edge(s) to packages absent from ${file}`);
}
