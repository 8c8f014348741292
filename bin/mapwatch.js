#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (run `npm run build` after a fresh clone). The bundled entry
// (tools/bundle-cli.mjs) starts faster; the plain tsc output is the fallback when it was not built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundled = new URL('../dist/cli-bundle/run.js', import.meta.url);
const entry = existsSync(fileURLToPath(bundled)) ? bundled : new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('mapwatch: not built yet: run `npm ci && npm run build` in the mapwatch folder first\n');
  process.exit(1);
}
await import(entry.href);
