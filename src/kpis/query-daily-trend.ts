/**
 * The dashboard's trend line: per reporting day, the compliance rate and the violating
 * reads across everything, from the per-reseller rows of the per-dimension rollup (every
 * fine row has one reseller, so they add up to the whole; 60 rows a day, not 12,000).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { checkDay } from './roll-up-days.js';

export interface TrendPoint {
  day: string;
  trustworthyReads: number;
  violatingReads: number;
  /** Compliant ÷ trustworthy reads that day, in percent; null on a day without any. */
  complianceRate: number | null;
}

export async function queryDailyTrend(db: Kysely<Database>, o: { from: string; to: string }): Promise<TrendPoint[]> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  const r = await sql<{ day: string; t: string; c: string; v: string }>`
    select d::date::text as day, coalesce(sum(r.trustworthy_reads), 0) as t,
      coalesce(sum(r.compliant_reads), 0) as c, coalesce(sum(r.violating_reads), 0) as v
    from generate_series(${o.from}::date, ${o.to}::date, interval '1 day') d
    left join daily_dimension_rollups r on r.dimension = 'reseller' and r.day = d::date
    group by 1 order by 1`.execute(db);
  return r.rows.map((x) => {
    const t = Number(x.t);
    return {
      day: x.day,
      trustworthyReads: t,
      violatingReads: Number(x.v),
      complianceRate: t ? (100 * Number(x.c)) / t : null,
    };
  });
}
