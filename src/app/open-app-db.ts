/**
 * The database the CLI and workers use: Postgres when DATABASE_URL is set, otherwise
 * the embedded PGlite in the data folder. Migrations run on open, so a fresh machine
 * needs no set-up step.
 */
import path from 'node:path';
import type { Env } from '../config/env.js';
import { type DbHandle, openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';

export async function openAppDb(env: Env, opts: { migrate?: boolean } = {}): Promise<DbHandle & { applied: string[] }> {
  const handle = env.DATABASE_URL
    ? await openDatabase({ databaseUrl: env.DATABASE_URL, schema: env.MAPWATCH_DB_SCHEMA })
    : await openDatabase({ dataDir: path.join(env.dataDir, 'pgdata') });
  try {
    const applied = opts.migrate === false ? [] : await migrateToLatest(handle.db, handle.schema);
    return { ...handle, applied };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

export function describeDb(env: Env): string {
  return env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${path.join(env.dataDir, 'pgdata')}`;
}
