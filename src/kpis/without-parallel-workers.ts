/**
 * Runs a KPI read with no parallel workers (in a transaction of its own, unless already in
 * one). The reads of the per-dimension rows and their blocks are a few thousand rows, where
 * starting two workers and handing them partial sums costs more than it saves: on the busy
 * 2-core benchmark machine the month by product took 160–196 ms with workers and 75–88 ms
 * without, and a weekly trend line (a union of days and blocks, planned as a parallel
 * append) 155 ms, ~90 of them waiting for the workers, instead of ~20.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';

export async function withoutParallelWorkers<T>(
  db: Kysely<Database>,
  f: (d: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return f(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return f(trx);
  });
}
