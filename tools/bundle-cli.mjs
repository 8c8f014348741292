#!/usr/bin/env node
// Bundles the CLI (src/cli/run.ts) into dist/cli-bundle/ for bin/mapwatch.js, and its instant commands
// (src/cli/run-instant-command.ts) into dist/cli-bundle/instant.cjs; part of `npm run build`.
//
// Why: a command's start is mostly module loading. From node_modules, kysely is ~260 files and zod
// ~95, each resolved, read and compiled on its own: `mapwatch cases` spent 0.3–0.5 s on that before
// it opened the database. Bundled, our modules and those pure-JS packages are a few files.
// Code splitting keeps every lazy `import()` lazy: `mapwatch price` still loads no database code.
//
// What stays outside the bundle (loaded from node_modules as before): every package not listed in
// BUNDLED. Some find files next to their own code (PGlite's WASM and data, Playwright's browsers,
// BullMQ's Lua scripts), and the big optional ones are loaded only by the commands that need them.
// Our own files found relative to the module (templates, assets, dist/migrations, package.json)
// still resolve: dist/cli-bundle/ sits at the same depth as dist/cli/ (src/cli/).
//
// The tsc output (dist/**) stays the library (package.json "main") and the fallback entry.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/cli-bundle');

/**
 * Pure-JS packages with many modules and no files of their own to find at run time: kysely, zod,
 * commander, and `pg` with the packages it loads (about 40 CommonJS files, 50 ms of a command's
 * start from node_modules, 20 ms bundled). pg's optional `pg-native` and `pg-cloudflare` stay
 * outside: pg asks for them only when told to use them.
 */
const BUNDLED = new Set([
  'kysely',
  'zod',
  'commander',
  'pg',
  'pg-pool',
  'pg-protocol',
  'pg-types',
  'pg-connection-string',
  'pgpass',
  'pg-int8',
  'postgres-array',
  'postgres-bytea',
  'postgres-date',
  'postgres-interval',
  'split2',
  'xtend',
]);

/** Marks every other bare import (a package or node:) external. */
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * zod's `z.locales` namespace holds its error messages in ~45 languages: 366 KB of the 755 KB zod
 * chunk every configured command compiles. mapwatch never switches zod's language (its messages are
 * English, zod's default, which zod sets up from locales/en.js itself), so the bundle's
 * `z.locales` carries English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { run: 'src/cli/run.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  plugins: [externals, zodEnglishOnly],
  // commander is CommonJS and requires node built-ins; an ES module has no `require` of its own.
  banner: {
    js: "import { createRequire as __mwCreateRequire } from 'node:module';\nconst require = __mwCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});

// The instant commands for the CommonJS launcher (bin/mapwatch.js): one small file, no ES module loader.
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/run-instant-command.ts'],
  outfile: path.join(outdir, 'instant.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  plugins: [externals],
  legalComments: 'none',
  logLevel: 'warning',
});
