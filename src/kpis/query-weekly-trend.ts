/**
 * The dashboard's trend lines per dimension: for each week (Monday to Sunday, reporting
 * days) in the period, the compliance rate of each dimension value, from the rollup. Only
 * the values with the most violating reads in the period get a line (a chart of fifty lines
 * says nothing); the rest are counted, and the table and bars still list them all.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { checkDay } from './roll-up-days.js';
import { dimensionRows, type KpiDimension } from './kpi-dimensions.js';
import { cutIntoWeeks } from './rollup-blocks.js';
import { withoutParallelWorkers } from './without-parallel-workers.js';

export interface WeeklySeries {
  key: string;
  violatingReads: number;
  /** Compliant ÷ trustworthy reads per week, in percent, in the order of `weeks`; null: no reads that week. */
  rates: (number | null)[];
}

export interface WeeklyTrend {
  /** The Monday of each week the period touches. */
  weeks: string[];
  series: WeeklySeries[];
  /** Dimension values with reads that got no line. */
  hidden: number;
}

export async function queryWeeklyTrend(
  db: Kysely<Database>,
  o: { by: KpiDimension; from: string; to: string; lines?: number },
): Promise<WeeklyTrend> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  // Each week's part of the period cut into blocks of days (rollup-blocks.ts): a whole week is one row per value.
  const dim = dimensionRows(
    o.by,
    cutIntoWeeks(o.from, o.to).flatMap((w) => w.spans),
  );
  const [weeks, rows] = await Promise.all([
    sql<{ week: string }>`
      select w::date::text as week
      from generate_series(date_trunc('week', ${o.from}::date::timestamp), ${o.to}::date::timestamp, interval '1 week') w
      order by 1`.execute(db),
    withoutParallelWorkers(db, (d) =>
      sql<{ week: string; key: string; t: string; c: string; v: string }>`
      select date_trunc('week', r.day::timestamp)::date::text as week, ${dim.label} as key,
        sum(r.trustworthy_reads) as t, sum(r.compliant_reads) as c, sum(r.violating_reads) as v
      from ${dim.from}
      where r.dimension = ${dim.dimension} and r.day between ${o.from}::date and ${o.to}::date
      group by 1, ${dim.group}`.execute(d),
    ),
  ]);
  const weekList = weeks.rows.map((w) => w.week);
  const index = new Map(weekList.map((w, i) => [w, i]));
  const byKey = new Map<string, WeeklySeries>();
  for (const r of rows.rows) {
    let s = byKey.get(r.key);
    if (!s) byKey.set(r.key, (s = { key: r.key, violatingReads: 0, rates: weekList.map(() => null) }));
    s.violatingReads += Number(r.v);
    const t = Number(r.t);
    s.rates[index.get(r.week)!] = t ? (100 * Number(r.c)) / t : null;
  }
  const lines = o.lines ?? 6;
  const ranked = [...byKey.values()].sort((a, b) => b.violatingReads - a.violatingReads || a.key.localeCompare(b.key));
  return { weeks: weekList, series: ranked.slice(0, lines), hidden: Math.max(0, ranked.length - lines) };
}
