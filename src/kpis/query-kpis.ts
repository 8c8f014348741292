/**
 * KPIs by one dimension over a period, from the daily rollup: one grouped query over the
 * per-day, per-dimension rows (never over observations, nor over every day × site × product
 * row unless filtered), so it stays fast at tens of millions of reads. The CLI (`mapwatch kpis`), the app and the API share it.
 */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { checkDay } from './roll-up-days.js';
import { computeKpis, type KpiId, type RollupSums } from './kpi-definitions.js';
import { dimensionRows, KPI_DIMENSIONS, rollupDimension } from './kpi-dimensions.js';
import { variancePercentiles, varianceHistogramsSql } from './merge-variance-histograms.js';
import { cutIntoSpans } from './rollup-blocks.js';
import { withoutParallelWorkers } from './without-parallel-workers.js';

export { KPI_DIMENSIONS, type KpiDimension } from './kpi-dimensions.js';

export const kpiQuerySchema = z.object({
  by: z.enum(KPI_DIMENSIONS).default('reseller'),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD'),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD'),
});
export type KpiQuery = z.output<typeof kpiQuerySchema>;

/** Only rows matching every list given (case-insensitive): a report recipient's brands, regions, tiers, resellers. */
export interface KpiFilter {
  brands?: string[];
  regions?: string[];
  tiers?: string[];
  resellers?: string[];
}

function filterSql(f: KpiFilter | undefined) {
  const conds = (
    [
      ['p.brand', f?.brands],
      ['rs.region', f?.regions],
      ['rs.tier', f?.tiers],
      ['rs.name', f?.resellers],
    ] as const
  )
    .filter(([, list]) => list)
    .map(([col, list]) =>
      list!.length
        ? sql`and lower(${sql.raw(col)}) in (${sql.join(list!.map((v) => v.toLowerCase()))})`
        : sql`and false`,
    );
  return conds.length ? sql.join(conds, sql` `) : sql``;
}

export interface KpiRow {
  /** The dimension's value (reseller name, tier, SKU …); '(none)' when unset. */
  key: string;
  sums: RollupSums;
  kpis: Record<KpiId, number | null>;
}

/**
 * From the fine rows (day × site × product), with exact percentiles: a filtered table
 * (a report recipient's brands, regions …), which the per-dimension rows cannot select.
 */
function fineSums(q: KpiQuery & { filter?: KpiFilter }) {
  const dim = rollupDimension(q.by);
  return sql<SumsRow>`
    select ${dim.label} as key,
      sum(r.reads) as reads, sum(r.trustworthy_reads) as trustworthy_reads,
      sum(r.compliant_reads) as compliant_reads, sum(r.violating_reads) as violating_reads,
      sum(r.blocked_reads) as blocked_reads, sum(r.sum_depth_pct) as sum_depth_pct,
      max(r.max_depth_pct) as max_depth_pct, sum(r.msrp_reads) as msrp_reads,
      sum(r.sum_msrp_variance) as sum_msrp_variance,
      percentile_cont(0.1) within group (order by r.sum_msrp_variance / nullif(r.msrp_reads, 0))
        filter (where r.msrp_reads > 0) as p10,
      percentile_cont(0.9) within group (order by r.sum_msrp_variance / nullif(r.msrp_reads, 0))
        filter (where r.msrp_reads > 0) as p90,
      sum(r.eod_listings) as eod_listings, sum(r.eod_compliant_listings) as eod_compliant_listings,
      sum(r.cases_opened) as cases_opened, sum(r.cases_resolved) as cases_resolved,
      sum(r.notices_step1 + r.notices_step2 + r.notices_step3) as notices_sent
    from ${dim.from}
    where r.day between ${q.from}::date and ${q.to}::date ${filterSql(q.filter)}
    group by ${dim.group}
    order by 1`;
}

/**
 * From the per-day, per-dimension rows (a few thousand for a month), one hash-grouped pass.
 * p10/p90 are percentile_cont over the summed histograms of listing-day mean variances (the
 * k-th value in order lies in the first bucket whose running count exceeds k, and is taken as
 * the bucket's value: within 0.05 percentage point of the exact one, see
 * roll-up-dimensions.ts), summed in TypeScript from each group's arrays
 * (merge-variance-histograms.ts): unnesting them into rows took over a second by product.
 */
function dimensionSums(q: KpiQuery) {
  // The period cut into blocks of days (rollup-blocks.ts): ~6 rows per value for a month.
  const dim = dimensionRows(q.by, cutIntoSpans(q.from, q.to));
  return sql<SumsRow>`
    select min(${dim.rowLabel}${sql.raw(dim.labelCollation)}) as key,
      sum(r.reads) as reads, sum(r.trustworthy_reads) as trustworthy_reads,
      sum(r.compliant_reads) as compliant_reads, sum(r.violating_reads) as violating_reads,
      sum(r.blocked_reads) as blocked_reads, sum(r.sum_depth_pct) as sum_depth_pct,
      max(r.max_depth_pct) as max_depth_pct, sum(r.msrp_reads) as msrp_reads,
      sum(r.sum_msrp_variance) as sum_msrp_variance,
      sum(r.eod_listings) as eod_listings, sum(r.eod_compliant_listings) as eod_compliant_listings,
      sum(r.cases_opened) as cases_opened, sum(r.cases_resolved) as cases_resolved, sum(r.notices_sent) as notices_sent,
      ${varianceHistogramsSql} as hist
    from ${dim.from}
    where r.dimension = ${dim.dimension} and r.day between ${q.from}::date and ${q.to}::date
    group by ${dim.group}
    order by 1`;
}

interface SumsRow {
  key: string;
  reads: string;
  trustworthy_reads: string;
  compliant_reads: string;
  violating_reads: string;
  blocked_reads: string;
  sum_depth_pct: string;
  max_depth_pct: string | null;
  msrp_reads: string;
  sum_msrp_variance: string;
  /** Exact percentiles (the fine rows). */
  p10?: string | number | null;
  p90?: string | number | null;
  /** The group's histograms, whose percentiles are read here (the per-dimension rows). */
  hist?: string | null;
  eod_listings: string;
  eod_compliant_listings: string;
  cases_opened: string;
  cases_resolved: string;
  notices_sent: string;
}

/**
 * `fine`: read the fine rows, with exact percentiles, even unfiltered (what the per-dimension
 * rows are checked against; slow at scale).
 */
export async function queryKpis(
  db: Kysely<Database>,
  q: KpiQuery & { filter?: KpiFilter; fine?: boolean },
): Promise<KpiRow[]> {
  checkDay('from', q.from);
  checkDay('to', q.to);
  const filtered = q.filter && Object.values(q.filter).some((v) => v !== undefined);
  const fine = q.fine || filtered;
  const r = fine ? await fineSums(q).execute(db) : await withoutParallelWorkers(db, (d) => dimensionSums(q).execute(d));
  return r.rows.map((row) => {
    const pct = fine ? { p10: row.p10, p90: row.p90 } : variancePercentiles(row.hist ?? null);
    const sums: RollupSums = {
      reads: Number(row.reads),
      trustworthyReads: Number(row.trustworthy_reads),
      compliantReads: Number(row.compliant_reads),
      violatingReads: Number(row.violating_reads),
      blockedReads: Number(row.blocked_reads),
      sumDepthPct: Number(row.sum_depth_pct),
      maxDepthPct: row.max_depth_pct == null ? null : Number(row.max_depth_pct),
      msrpReads: Number(row.msrp_reads),
      sumMsrpVariance: Number(row.sum_msrp_variance),
      msrpVarianceP10: pct.p10 == null ? null : Number(pct.p10),
      msrpVarianceP90: pct.p90 == null ? null : Number(pct.p90),
      eodListings: Number(row.eod_listings),
      eodCompliantListings: Number(row.eod_compliant_listings),
      casesOpened: Number(row.cases_opened),
      casesResolved: Number(row.cases_resolved),
      noticesSent: Number(row.notices_sent),
    };
    return { key: row.key, sums, kpis: computeKpis(sums) };
  });
}
