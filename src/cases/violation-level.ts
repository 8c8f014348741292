/**
 * A reseller's violation level: the highest notice step approved or sent in its current
 * episode of violations. An episode is a run of cases with gaps shorter than
 * `resetAfterDaysClean`; after that many days without a case the level is back to 0.
 * Dismissed cases (false alarms) don't count towards an episode.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/tables.js';

export interface ViolationLevel {
  level: number;
  /** When the current episode started (null: none, the reseller is clean). */
  episodeStart: Date | null;
  /** When the latest counted step went (or goes) out; the next step waits for the cool-down after it. */
  lastStepDue: Date | null;
}

const DAY = 86_400_000;

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
  let level = 0;
  let lastStepDue: Date | null = null;
  for (const s of steps) {
    level = Math.max(level, s.step ?? 0);
    const due = s.sent_at ?? new Date(Math.max(s.approved_at?.getTime() ?? 0, s.not_before?.getTime() ?? 0));
    if (!lastStepDue || due > lastStepDue) lastStepDue = due;
  }
  return { level, episodeStart: start, lastStepDue };
}

/** The current episode's start from the reseller's cases ordered by first seen (null: clean). */
function episodeStart(
  cases: readonly { first_seen_at: Date; closed_at: Date | null }[],
  now: Date,
  resetAfterDaysClean: number,
): Date | null {
  const gap = resetAfterDaysClean * DAY;
  let start: Date | null = null;
  let end = 0;
  for (const c of cases) {
    const from = c.first_seen_at.getTime();
    const to = c.closed_at ? c.closed_at.getTime() : now.getTime();
    if (start === null || from - end >= gap) start = c.first_seen_at;
    end = Math.max(end, to);
  }
  if (start === null || now.getTime() - end >= gap) return null;
  return start;
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
  for (const s of steps) {
    const start = starts.get(s.reseller_id)!;
    // The same bound as resellerViolationLevel's `approved_at >= start` (a null approved_at never counts).
    if (!s.approved_at || s.approved_at < start) continue;
    out.set(s.reseller_id, { level: Math.max(out.get(s.reseller_id)!.level, s.step ?? 0) });
  }
  return out;
}
