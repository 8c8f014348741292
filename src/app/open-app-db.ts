/**
 * The database the CLI and workers use: Postgres when DATABASE_URL is set, otherwise
 * the embedded PGlite in the data folder. Migrations run on open, so a fresh machine
 * needs no set-up step; an up-to-date database is recognised in two small queries.
 */
import path from 'node:path';
import type { Env } from '../config/env.js';
import { type DbHandle, openDatabase } from '../db/connect.js';
import { isMigrated, migrateToLatest } from '../db/migrate.js';

export interface OpenAppDbOptions {
  migrate?: boolean;
  /** One command, then exit (the CLI): the embedded database starts faster (connect.ts, `oneShot`). */
  oneShot?: boolean;
  /** One-shot and reading a page of rows only: a smaller buffer cache starts faster (connect.ts, `readsLittle`). */
  readsLittle?: boolean;
}

export async function openAppDb(env: Env, opts: OpenAppDbOptions = {}): Promise<DbHandle & { applied: string[] }> {
  const handle = env.DATABASE_URL
    ? await openDatabase({ databaseUrl: env.DATABASE_URL, schema: env.MAPWATCH_DB_SCHEMA })
    : await openDatabase({
        dataDir: path.join(env.dataDir, 'pgdata'),
        oneShot: opts.oneShot,
        readsLittle: opts.oneShot && opts.readsLittle,
      });
  try {
    // An up-to-date database (every open after the first) skips the migrator and its file imports.
    const skip = opts.migrate === false || (await isMigrated(handle.db, handle.schema));
    const applied = skip ? [] : await migrateToLatest(handle.db, handle.schema);
    return { ...handle, applied };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

export function describeDb(env: Env): string {
  return env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${path.join(env.dataDir, 'pgdata')}`;
}
