/**
 * A one-shot command on the embedded database compiles PGlite's WASM (9 MB, Postgres) with
 * V8's baseline compiler (Liftoff) only.
 *
 * Why: by default V8 also recompiles every hot WASM function with its optimizing compiler
 * (TurboFan). Postgres's start makes hundreds of functions hot, and the main thread waits for
 * that work before it runs anything else (a `setTimeout(0)` after `PGlite.create` fired 0.4–0.6 s
 * late). A CLI command exits long before the optimized code pays that back: measured on the
 * 2-core machine at load 4, `mapwatch cases` took 1.9–2.1 s wall and 2.7 s CPU with it and
 * 1.3–1.5 s wall and 1.6 s CPU without; a fresh `mapwatch migrate` 8.2 s → 7.7 s. The price is in
 * long SQL: 4–8 s of pure computation in PGlite ran about 1.4× longer, so `serve` and `worker`
 * (long-running) keep the optimizing compiler.
 *
 * The flag takes effect for WASM compiled after it is set (PGlite compiles in `PGlite.create`), and
 * for this whole process; `--liftoff-only` has been a V8 flag since V8 7 (Node 12) and still is.
 */
import v8 from 'node:v8';

let set = false;

export function useBaselineWasmOnly(): void {
  if (set) return;
  set = true;
  v8.setFlagsFromString('--liftoff-only');
}
