/**
 * Compiles PGlite's WASM (Postgres, 9 MB) as soon as a one-shot command knows it will open the
 * embedded database, before the command's own modules (commander, the configuration, kysely, pg)
 * load; connect.ts hands the compiled module to `PGlite.create` (its `pgliteWasmModule` option).
 *
 * Why: left to itself, PGlite reads the file in chunks (each chunk a turn of the event loop) and
 * compiles it only once `PGlite.create` runs, and the main thread waits idle for V8's background
 * compile threads (about 0.1 s of a 1.1 s `mapwatch cases`). Started early, the read and the
 * background compile run while the main thread is still loading the command.
 *
 * The module is compiled with V8's baseline compiler only (wasm-quick-start.ts), which is right for
 * a one-shot open and for no other: connect.ts uses it only for a one-shot open. A failure here is
 * not reported: the open then compiles as usual and reports whatever is wrong itself.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { useBaselineWasmOnly } from './wasm-quick-start.js';

let compiling: Promise<WebAssembly.Module | undefined> | undefined;

/** Starts compiling pglite.wasm (once per process). */
export function prewarmPglite(): void {
  if (compiling) return;
  try {
    useBaselineWasmOnly(); // before the compile starts: the flag applies to WASM compiled after it
    const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    compiling = WebAssembly.compile(fs.readFileSync(path.join(dist, 'pglite.wasm'))).catch(() => undefined);
  } catch {
    compiling = Promise.resolve(undefined);
  }
}

/** The module prewarmPglite compiled, or undefined when it was not started or failed. */
export async function prewarmedPglite(): Promise<WebAssembly.Module | undefined> {
  return compiling;
}
