/**
 * The per-day, per-dimension pre-aggregate (daily_dimension_rollups, migration
 * 20261204030000), rewritten from the fine rollups of the same days in the roll-up's own
 * transaction (roll-up-days.ts), so it is exactly their sum: a late read or a re-run that
 * rewrites a day rewrites its dimension rows too. KPI queries read these rows (a few
 * thousand for 30 days) instead of every day × site × product row (kpi-dimensions.ts).
 *
 * The MSRP variance p10/p90 are percentiles over listing-days (one value per fine row: its
 * mean variance) and do not add up, so each row carries a histogram of those values in
 * fixed buckets of VARIANCE_BUCKET (0.1 percentage point): a value counts in the bucket
 * nearest to it, so a percentile read from the summed histograms is within half a bucket
 * (0.05 point) of the exact one over the same listing-days.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';

/** Buckets per unit of variance (1 = 100 %): 1000, i.e. 0.1 percentage point wide. */
export const VARIANCE_BUCKETS_PER_UNIT = 1000;

/** What a dimension's rows are grouped by in a fine rollup table `r` (products as `p`). */
interface Source {
  dimension: 'reseller' | 'site' | 'product' | 'brand' | 'seller';
  table: 'daily_rollups' | 'daily_seller_rollups';
  key: string;
  /** Aggregates: the id the key names (null for brand), and the label (null: none stored). */
  ref: string;
  label: string;
  joinProducts?: boolean;
}

export const DIMENSION_SOURCES: readonly Source[] = [
  {
    dimension: 'reseller',
    table: 'daily_rollups',
    key: 'r.reseller_id::text',
    ref: 'min(r.reseller_id)',
    label: 'null',
  },
  { dimension: 'site', table: 'daily_rollups', key: 'r.site_id::text', ref: 'min(r.site_id)', label: 'null' },
  { dimension: 'product', table: 'daily_rollups', key: 'r.product_id::text', ref: 'min(r.product_id)', label: 'null' },
  {
    dimension: 'brand',
    table: 'daily_rollups',
    key: "coalesce(p.brand, '(none)')",
    ref: 'null::integer',
    label: 'null',
    joinProducts: true,
  },
  {
    dimension: 'seller',
    table: 'daily_seller_rollups',
    key: "case when r.seller_key = '' then 'reseller:' || r.reseller_id else 'name:' || r.seller_key end",
    ref: "min(case when r.seller_key = '' then r.reseller_id end)",
    label: 'min(r.seller_name collate "C")',
  },
];

function sourceSql(s: Source, o: { from: string; to: string }) {
  const from = sql`${sql.raw(`${s.table} r${s.joinProducts ? ' join products p on p.id = r.product_id' : ''}`)}
        where r.day between ${o.from}::date and ${o.to}::date`;
  // Keys compare in code-point order ("C"): the same order the database's C.UTF-8 gives, but
  // without a strcoll() per comparison in the sort that groups them.
  const key = sql.raw(`(${s.key}) collate "C"`);
  // One pass over the fine rows: grouped by day, key and variance bucket first (each fine row
  // with an MSRP read counts once in its bucket), then by day and key, the buckets becoming
  // the histogram, instead of a second scan for the histogram joined back to the sums.
  return sql`
      select b.day, ${sql.lit(s.dimension)}, b.key, min(b.ref_id), min(b.label collate "C"), sum(b.reads),
        sum(b.trustworthy_reads), sum(b.compliant_reads), sum(b.violating_reads), sum(b.blocked_reads),
        sum(b.sum_depth_pct), max(b.max_depth_pct), sum(b.msrp_reads), sum(b.sum_msrp_variance),
        sum(b.eod_listings), sum(b.eod_compliant_listings), sum(b.cases_opened), sum(b.cases_resolved),
        sum(b.notices_sent),
        coalesce(array_agg(b.bucket order by b.bucket) filter (where b.bucket is not null), '{}'),
        coalesce(array_agg(b.n order by b.bucket) filter (where b.bucket is not null), '{}')
      from (
        select r.day, ${key} as key,
          case when r.msrp_reads > 0
            then round(${sql.lit(VARIANCE_BUCKETS_PER_UNIT)} * r.sum_msrp_variance / r.msrp_reads)::integer end as bucket,
          ${sql.raw(s.ref)} as ref_id, ${sql.raw(s.label)} as label, sum(r.reads) as reads,
          sum(r.trustworthy_reads) as trustworthy_reads, sum(r.compliant_reads) as compliant_reads,
          sum(r.violating_reads) as violating_reads, sum(r.blocked_reads) as blocked_reads,
          sum(r.sum_depth_pct) as sum_depth_pct, max(r.max_depth_pct) as max_depth_pct,
          sum(r.msrp_reads) as msrp_reads, sum(r.sum_msrp_variance) as sum_msrp_variance,
          sum(r.eod_listings) as eod_listings, sum(r.eod_compliant_listings) as eod_compliant_listings,
          sum(r.cases_opened) as cases_opened, sum(r.cases_resolved) as cases_resolved,
          sum(r.notices_step1 + r.notices_step2 + r.notices_step3) as notices_sent,
          count(*)::integer as n
        from ${from}
        group by 1, 2, 3
      ) b
      group by b.day, b.key`;
}

/**
 * Rewrites the dimension rows of [from, to] from the fine rollups of those days (which the
 * caller has just written, in the same transaction). Returns the rows written.
 */
export async function rollUpDimensions(trx: Kysely<Database>, o: { from: string; to: string }): Promise<number> {
  await sql`delete from daily_dimension_rollups where day between ${o.from}::date and ${o.to}::date`.execute(trx);
  const r = await dimensionStatement(o).execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** The insert of [from, to]'s dimension rows (after their delete). */
export function dimensionStatement(o: { from: string; to: string }) {
  return sql`insert into daily_dimension_rollups (day, dimension, key, ref_id, label, reads, trustworthy_reads,
      compliant_reads, violating_reads, blocked_reads, sum_depth_pct, max_depth_pct, msrp_reads, sum_msrp_variance,
      eod_listings, eod_compliant_listings, cases_opened, cases_resolved, notices_sent, variance_buckets, variance_counts)
    ${sql.join(
      DIMENSION_SOURCES.map((s) => sourceSql(s, o)),
      sql` union all `,
    )}`;
}
