/**
 * The scheduled rollup: recomputes yesterday and today, plus every older day that received
 * a read since the last run (a late read, a backfilled import), found through the highest
 * observation id rolled up. A change of reporting time zone recomputes everything, since
 * every day boundary moved. Safe to run as often as wanted, from any number of processes:
 * each run rewrites whole days in one transaction.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { rollUpDays } from './roll-up-days.js';

export const ROLLUP_STATE = 'daily';

export interface RollUpDueResult {
  from: string | null;
  to: string | null;
  rows: number;
}

export async function rollUpDue(
  db: Kysely<Database>,
  o: { timeZone: string; now?: Date; full?: boolean },
): Promise<RollUpDueResult> {
  const now = o.now ?? new Date();
  const state = await db.selectFrom('rollup_state').selectAll().where('name', '=', ROLLUP_STATE).executeTakeFirst();
  const full = o.full || !state || state.time_zone !== o.timeZone;
  const since = full ? 0 : state.last_observation_id;
  // Read the watermark first: reads that land while this runs are picked up next time.
  const top = await db
    .selectFrom('observations')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow();
  const range = await sql<{ today: string; oldest: string | null }>`
    select (${now}::timestamptz at time zone ${o.timeZone})::date::text as today,
           (select (min(captured_at) at time zone ${o.timeZone})::date::text from observations where id > ${since}) as oldest
  `.execute(db);
  const { today, oldest } = range.rows[0]!;
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  let from = yesterday;
  if (oldest && oldest < from) from = oldest;
  if (full) {
    const first = await sql<{ d: string | null }>`
      select least(
        (select (min(captured_at) at time zone ${o.timeZone})::date from observations),
        (select (min(first_seen_at) at time zone ${o.timeZone})::date from cases))::text as d`.execute(db);
    if (first.rows[0]?.d && first.rows[0].d < from) from = first.rows[0].d;
  }
  const rows = await rollUpDays(db, { from, to: today, timeZone: o.timeZone });
  await db
    .insertInto('rollup_state')
    .values({ name: ROLLUP_STATE, time_zone: o.timeZone, last_observation_id: Number(top.id ?? 0), last_run_at: now })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({
        time_zone: o.timeZone,
        last_observation_id: Number(top.id ?? 0),
        last_run_at: now,
      }),
    )
    .execute();
  return { from, to: today, rows };
}
