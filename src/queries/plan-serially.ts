/**
 * Run a page's read queries with no parallel workers (Postgres; PGlite has none). A page asks
 * for 50 rows: when the planner misjudges a search (an `ilike` is guessed at ~20 % of the
 * products) it starts workers that each rebuild the same hashed subplans, and on a busy
 * 2-core machine waiting for them took ~150 ms of the search page's ~300 ms, against ~10 ms
 * serially (issue 12, EXPLAIN ANALYZE at 100,000 cases). `set local` ends with the read-only
 * transaction it is set in; inside a caller's transaction the setting is left alone.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';

export async function planSerially<T>(db: Kysely<Database>, run: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return run(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return run(trx);
  });
}
