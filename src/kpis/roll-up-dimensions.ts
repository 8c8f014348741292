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
import { SELLER_ROLLUP_ROWS } from './rollup-grain-sql.js';

/** Buckets per unit of variance (1 = 100 %): 1000, i.e. 0.1 percentage point wide. */
export const VARIANCE_BUCKETS_PER_UNIT = 1000;

/** What a dimension's rows are grouped by in a fine rollup table `r` (products as `p`). */
interface Source {
  dimension: 'reseller' | 'site' | 'product' | 'brand' | 'seller';
  /** The fine rows: daily_rollups, or every seller row (SELLER_ROLLUP_ROWS, a subquery). */
  table: string;
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
    table: SELLER_ROLLUP_ROWS,
    key: "case when r.seller_key = '' then 'reseller:' || r.reseller_id else 'name:' || r.seller_key end",
    ref: "min(case when r.seller_key = '' then r.reseller_id end)",
    label: 'min(r.seller_name collate "C")',
  },
];

function sourceSql(s: Source, o: { from: string; to: string }) {
  const from = sql`${sql.raw(`${s.table} r${s.joinProducts ? ' join products p on p.id = r.product_id' : ''}`)}
        where r.day between ${o.from}::date and ${o.to}::date`;
  const key = sql.raw(s.key);
  // One pass over the fine rows: the sums, and each row's variance bucket collected per day
  // and key; the few buckets of a group are then counted on their own (a lateral subquery
  // per group), instead of a second scan grouped by bucket, sorted and joined back.
  return sql`
      select s.day, ${sql.lit(s.dimension)}, s.key, s.ref_id, s.label, s.reads, s.trustworthy_reads, s.compliant_reads,
        s.violating_reads, s.blocked_reads, s.sum_depth_pct, s.max_depth_pct, s.msrp_reads, s.sum_msrp_variance,
        s.eod_listings, s.eod_compliant_listings, s.cases_opened, s.cases_resolved, s.notices_sent,
        coalesce(h.buckets, '{}'), coalesce(h.counts, '{}')
      from (
        select r.day, ${key} as key, ${sql.raw(s.ref)} as ref_id, ${sql.raw(s.label)} as label, sum(r.reads) as reads,
          sum(r.trustworthy_reads) as trustworthy_reads, sum(r.compliant_reads) as compliant_reads,
          sum(r.violating_reads) as violating_reads, sum(r.blocked_reads) as blocked_reads,
          sum(r.sum_depth_pct) as sum_depth_pct, max(r.max_depth_pct) as max_depth_pct,
          sum(r.msrp_reads) as msrp_reads, sum(r.sum_msrp_variance) as sum_msrp_variance,
          sum(r.eod_listings) as eod_listings, sum(r.eod_compliant_listings) as eod_compliant_listings,
          sum(r.cases_opened) as cases_opened, sum(r.cases_resolved) as cases_resolved,
          sum(r.notices_step1 + r.notices_step2 + r.notices_step3) as notices_sent,
          array_agg(round(${sql.lit(VARIANCE_BUCKETS_PER_UNIT)} * r.sum_msrp_variance / r.msrp_reads)::integer)
            filter (where r.msrp_reads > 0) as bucket_list
        from ${from}
        group by r.day, ${key}
      ) s
      left join lateral (
        select array_agg(b order by b) as buckets, array_agg(n order by b) as counts
        from (select b, count(*)::integer as n from unnest(s.bucket_list) b group by b) x
      ) h on true`;
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
