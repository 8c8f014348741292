/**
 * Decides, from the command line and the environment alone (before commander or the configuration
 * load), whether this command will open the embedded database one-shot, and if so starts compiling
 * PGlite's WASM at once (db/prewarm-pglite.ts) so the compile overlaps the command's loading.
 *
 * A wrong guess changes nothing a user sees: the compiled module is used only by a one-shot open of
 * the embedded database, and a command that opens nothing just spent some CPU. So the guess is
 * cautious: only commands whose every form opens the database through withDb (never `serve`,
 * `worker`, `crawl` or `rollup`, which keep V8's optimizing compiler: wasm-quick-start.ts), not
 * with help asked for, not with DATABASE_URL set, and not when another process serves the data
 * folder (the command then works through that process's socket and compiles nothing).
 */
import fs from 'node:fs';
import path from 'node:path';
import { prewarmPglite } from '../db/prewarm-pglite.js';

/** Commands that open the database through withDb (one-shot) in every form. */
const ONE_SHOT_DB_COMMANDS = new Set(['cases', 'findings', 'users', 'tokens']);

export function prewarmEmbeddedDb(args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const first = args.find((a) => !a.startsWith('-'));
  if (!first || !ONE_SHOT_DB_COMMANDS.has(first)) return;
  if (args.some((a) => a === '-h' || a === '--help' || a === 'help')) return;
  if (env['DATABASE_URL']) return; // '' counts as unset, as in the configuration (process-config.ts)
  // The data folder as the configuration resolves it (MAPWATCH_DATA_DIR, default `.mapwatch`), and
  // the pointer a holder of its database leaves there (db/share-pglite-socket.ts).
  const pointer = path.resolve(env['MAPWATCH_DATA_DIR'] || '.mapwatch', 'pgdata', 'mapwatch.socket');
  if (heldByLiveProcess(pointer)) return;
  prewarmPglite();
}

function heldByLiveProcess(pointer: string): boolean {
  try {
    const { pid } = JSON.parse(fs.readFileSync(pointer, 'utf8')) as { pid?: unknown };
    if (typeof pid !== 'number') return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
