/**
 * A reseller's violation level: the highest notice step approved or sent in its current
 * episode of violations. An episode is a run of cases with gaps shorter than
 * `resetAfterDaysClean`; after that many days without a case the level is back to 0.
 * Dismissed cases (false alarms) don't count towards an episode.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/tables.js';
import { episodeLevel, episodeStart } from './violation-episode.js';

export interface ViolationLevel {
  level: number;
  /** When the current episode started (null: none, the reseller is clean). */
  episodeStart: Date | null;
  /** When the latest counted step went (or goes) out; the next step waits for the cool-down after it. */
  lastStepDue: Date | null;
}

export async function resellerViolationLevel(
  db: Kysely<Database> | Transaction<Database>,
  resellerId: number,
  now: Date,
  resetAfterDaysClean: number,
): Promise<ViolationLevel> {
  const cases = await db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .where('s.reseller_id', '=', resellerId)
    .where('c.status', '<>', 'dismissed')
    .select(['c.first_seen_at', 'c.closed_at'])
    .orderBy('c.first_seen_at')
    .execute();
  const start = episodeStart(cases, now, resetAfterDaysClean);
  if (start === null) return { level: 0, episodeStart: null, lastStepDue: null };

  const steps = await db
    .selectFrom('notices')
    .where('reseller_id', '=', resellerId)
    .where('status', 'in', ['approved', 'sent'])
    .where('step', 'is not', null)
    .where('approved_at', '>=', start)
    .select(['step', 'sent_at', 'approved_at', 'not_before'])
    .execute();
  return { ...episodeLevel(steps, start), episodeStart: start };
}
