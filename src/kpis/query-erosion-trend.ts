/**
 * Price erosion: per reporting week, the mean comparable price as a share of MSRP (100 % =
 * selling at list price), from the rollup's MSRP variance sums. A line that drifts down
 * week after week is the channel eroding before any single read crosses MAP.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { checkDay } from './roll-up-days.js';
import { dimensionRows, type KpiDimension } from './kpi-dimensions.js';
import { cutIntoWeeks } from './rollup-blocks.js';
import { withoutParallelWorkers } from './without-parallel-workers.js';

export interface ErosionPoint {
  /** Monday of the reporting week, YYYY-MM-DD. */
  week: string;
  key: string;
  /** Mean price ÷ MSRP, in percent. */
  priceToMsrp: number;
  reads: number;
}

export async function queryErosionTrend(
  db: Kysely<Database>,
  o: { by: KpiDimension; from: string; to: string },
): Promise<ErosionPoint[]> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  // Each week's part of the period cut into blocks of days (rollup-blocks.ts): a whole week is one row per value.
  const dim = dimensionRows(
    o.by,
    cutIntoWeeks(o.from, o.to).flatMap((w) => w.spans),
  );
  const r = await withoutParallelWorkers(db, (d) =>
    sql<{ week: string; key: string; ratio: string; reads: string }>`
    select date_trunc('week', r.day)::date::text as week, ${dim.label} as key,
      100 * (1 + sum(r.sum_msrp_variance) / sum(r.msrp_reads)) as ratio, sum(r.msrp_reads) as reads
    from ${dim.from}
    where r.dimension = ${dim.dimension} and r.day between ${o.from}::date and ${o.to}::date and r.msrp_reads > 0
    group by 1, ${dim.group} order by 1, 2`.execute(d),
  );
  return r.rows.map((x) => ({ week: x.week, key: x.key, priceToMsrp: Number(x.ratio), reads: Number(x.reads) }));
}
