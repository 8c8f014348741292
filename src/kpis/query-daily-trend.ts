/**
 * The dashboard's trend line: per reporting day, the compliance rate and the violating
 * reads across everything (or one dimension value), from the rollup.
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
    left join daily_rollups r on r.day = d::date
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
