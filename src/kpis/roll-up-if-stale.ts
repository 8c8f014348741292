/**
 * The dashboard's rollup: the scheduled job (src/queue/rollup-job.ts) keeps the daily rollups
 * at most 15 minutes old, so a page view rolls up only when that job has not run lately (no
 * workers, a first start, a changed reporting time zone). Rolling up on every view rewrote
 * yesterday and today each time: about 2.5 s of every page load at 1,000,000 reads.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { ROLLUP_STATE, rollUpDue } from './roll-up-due.js';

/** The scheduler's interval (src/schedule/scheduler.ts ROLLUP_PATTERN), and so the most a view waits for. */
export const ROLLUP_MAX_AGE_MS = 15 * 60_000;

export async function rollUpIfStale(
  db: Kysely<Database>,
  o: { timeZone: string; now?: Date; maxAgeMs?: number },
): Promise<{ asOf: Date; rolledUp: boolean }> {
  const now = o.now ?? new Date();
  const state = await db
    .selectFrom('rollup_state')
    .select(['time_zone', 'last_run_at'])
    .where('name', '=', ROLLUP_STATE)
    .executeTakeFirst();
  const fresh =
    state &&
    state.time_zone === o.timeZone &&
    now.getTime() - new Date(state.last_run_at).getTime() < (o.maxAgeMs ?? ROLLUP_MAX_AGE_MS);
  if (fresh) return { asOf: new Date(state.last_run_at), rolledUp: false };
  await rollUpDue(db, { timeZone: o.timeZone, now });
  return { asOf: now, rolledUp: true };
}
