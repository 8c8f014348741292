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

/**
 * The levels of many resellers at once (a page of the Resellers list): two statements in
 * all instead of two per reseller; the same episodes and steps as resellerViolationLevel.
 */
export async function resellerViolationLevels(
  db: Kysely<Database> | Transaction<Database>,
  resellerIds: number[],
  now: Date,
  resetAfterDaysClean: number,
): Promise<Map<number, { level: number }>> {
  const out = new Map<number, { level: number }>();
  if (!resellerIds.length) return out;
  const cases = await db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .where('s.reseller_id', 'in', resellerIds)
    .where('c.status', '<>', 'dismissed')
    .select(['s.reseller_id', 'c.first_seen_at', 'c.closed_at'])
    .orderBy('s.reseller_id')
    .orderBy('c.first_seen_at')
    .execute();
  const byReseller = new Map<number, typeof cases>();
  for (const c of cases) {
    const list = byReseller.get(c.reseller_id);
    if (list) list.push(c);
    else byReseller.set(c.reseller_id, [c]);
  }
  const starts = new Map<number, Date>();
  for (const [id, list] of byReseller) {
    const start = episodeStart(list, now, resetAfterDaysClean);
    if (start) starts.set(id, start);
  }
  for (const id of resellerIds) out.set(id, { level: 0 });
  if (!starts.size) return out;
  const steps = await db
    .selectFrom('notices')
    .where('reseller_id', 'in', [...starts.keys()])
    .where('status', 'in', ['approved', 'sent'])
    .where('step', 'is not', null)
    .select(['reseller_id', 'step', 'approved_at'])
    .execute();
  const stepsOf = new Map<number, typeof steps>();
  for (const s of steps) {
    const list = stepsOf.get(s.reseller_id);
    if (list) list.push(s);
    else stepsOf.set(s.reseller_id, [s]);
  }
  // The same bound as resellerViolationLevel's `approved_at >= start`, applied by episodeLevel.
  for (const [id, list] of stepsOf) out.set(id, { level: episodeLevel(list, starts.get(id)!).level });
  return out;
}
