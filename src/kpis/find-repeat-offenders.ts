/**
 * Repeat offenders: resellers with a case opened in at least `minWeeks` of the last `weeks`
 * reporting weeks (Monday-based, in the reporting time zone). A reseller that violates every
 * week is a different problem from one with a single bad week, and the ladder should show it.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { InvalidInputError } from '../errors.js';

export interface RepeatOffender {
  reseller: string;
  tier: string | null;
  weeksWithCases: number;
  cases: number;
}

export async function findRepeatOffenders(
  db: Kysely<Database>,
  o: { weeks: number; minWeeks: number; timeZone: string; now?: Date },
): Promise<RepeatOffender[]> {
  if (!Number.isInteger(o.weeks) || o.weeks < 1 || o.weeks > 520)
    throw new InvalidInputError(`weeks: must be a whole number from 1 to 520, got ${o.weeks}`);
  if (!Number.isInteger(o.minWeeks) || o.minWeeks < 1 || o.minWeeks > o.weeks)
    throw new InvalidInputError(`min weeks: must be a whole number from 1 to ${o.weeks}, got ${o.minWeeks}`);
  const now = o.now ?? new Date();
  const r = await sql<{ reseller: string; tier: string | null; weeks: string; cases: string }>`
    with start as (
      select (date_trunc('week', ${now}::timestamptz at time zone ${o.timeZone}) - (${o.weeks - 1} * interval '1 week'))
        as w0
    )
    select rs.name as reseller, rs.tier,
      count(distinct date_trunc('week', c.first_seen_at at time zone ${o.timeZone})) as weeks, count(*) as cases
    from cases c
    join listings l on l.id = c.listing_id
    join sites s on s.id = l.site_id
    join resellers rs on rs.id = s.reseller_id
    cross join start
    where (c.first_seen_at at time zone ${o.timeZone}) >= start.w0 and c.first_seen_at <= ${now}
    group by rs.name, rs.tier
    having count(distinct date_trunc('week', c.first_seen_at at time zone ${o.timeZone})) >= ${o.minWeeks}
    order by weeks desc, cases desc, reseller`.execute(db);
  return r.rows.map((x) => ({
    reseller: x.reseller,
    tier: x.tier,
    weeksWithCases: Number(x.weeks),
    cases: Number(x.cases),
  }));
}
