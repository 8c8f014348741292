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

/** A dimension row's sums of the columns of `r` (fine rows, or part sums of them: the same sums). */
const SUMS = `sum(r.reads) as reads, sum(r.trustworthy_reads) as trustworthy_reads,
          sum(r.compliant_reads) as compliant_reads, sum(r.violating_reads) as violating_reads,
          sum(r.blocked_reads) as blocked_reads, sum(r.sum_depth_pct) as sum_depth_pct,
          max(r.max_depth_pct) as max_depth_pct, sum(r.msrp_reads) as msrp_reads,
          sum(r.sum_msrp_variance) as sum_msrp_variance, sum(r.eod_listings) as eod_listings,
          sum(r.eod_compliant_listings) as eod_compliant_listings, sum(r.cases_opened) as cases_opened,
          sum(r.cases_resolved) as cases_resolved`;

/** A fine row's variance bucket (null: no MSRP read), from its sum and count. */
const BUCKET = `case when r.msrp_reads > 0 then round(${VARIANCE_BUCKETS_PER_UNIT} * r.sum_msrp_variance / r.msrp_reads)::integer end`;

/** The inserted columns from the grouped rows `s` and their histograms `h`. */
const OUT = `s.day, s.dimension, s.key, s.ref_id, s.label, s.reads, s.trustworthy_reads, s.compliant_reads,
        s.violating_reads, s.blocked_reads, s.sum_depth_pct, s.max_depth_pct, s.msrp_reads, s.sum_msrp_variance,
        s.eod_listings, s.eod_compliant_listings, s.cases_opened, s.cases_resolved, s.notices_sent,
        coalesce(h.buckets, '{}'), coalesce(h.counts, '{}')`;

/**
 * Counts a group's buckets (a few: a lateral subquery per group) into its histogram, instead
 * of a second scan grouped by bucket, sorted and joined back.
 */
const HISTOGRAM = `left join lateral (
        select array_agg(b order by b) as buckets, array_agg(n order by b) as counts
        from (select b, count(*)::integer as n from unnest(s.bucket_list) b group by b) x
      ) h on true`;

/**
 * Reseller, site, product and brand rows from one pass over daily_rollups: the fine rows
 * summed per day × site (with its reseller) and per day × product at once (grouping sets),
 * each fine row's bucket collected in both; then those few thousand part rows summed per
 * dimension value: a reseller is its sites, a brand its products. One scan and two groupings
 * of the fine rows, where a pass per dimension was four (and four buckets computed per row).
 */
function listingDimensionsSql(o: { from: string; to: string }) {
  return sql`
      with fine as (
        select r.*, r.notices_step1 + r.notices_step2 + r.notices_step3 as notices_sent, ${sql.raw(BUCKET)} as bucket
        from daily_rollups r
        where r.day between ${o.from}::date and ${o.to}::date
        offset 0
      ),
      part as materialized (
        select r.day, r.site_id, r.reseller_id, r.product_id, ${sql.raw(SUMS)}, sum(r.notices_sent) as notices_sent,
          array_agg(r.bucket) filter (where r.bucket is not null) as bucket_list
        from fine r
        group by grouping sets ((r.day, r.site_id, r.reseller_id), (r.day, r.product_id))
      ),
      keyed as (
        select k.dimension, k.key, k.ref_id, r.*
        from part r
        left join products p on p.id = r.product_id
        cross join lateral (
          select 'reseller', r.reseller_id::text, r.reseller_id where r.site_id is not null
          union all select 'site', r.site_id::text, r.site_id where r.site_id is not null
          union all select 'product', r.product_id::text, r.product_id where r.product_id is not null
          union all select 'brand', coalesce(p.brand, '(none)'), null::integer where r.product_id is not null
        ) k(dimension, key, ref_id)
      )
      select ${sql.raw(OUT)}
      from (
        select r.day, r.dimension, r.key, min(r.ref_id) as ref_id, null as label, ${sql.raw(SUMS)},
          sum(r.notices_sent) as notices_sent,
          concat_int_arrays(r.bucket_list) filter (where r.bucket_list is not null) as bucket_list
        from keyed r
        group by r.day, r.dimension, r.key
      ) s
      ${sql.raw(HISTOGRAM)}`;
}

/**
 * Seller rows, from every seller row (SELLER_ROLLUP_ROWS): a seller is its name key, and the
 * reads that name none count under the site's reseller (its id as ref_id).
 */
function sellerDimensionSql(o: { from: string; to: string }) {
  const key = `case when r.seller_key = '' then 'reseller:' || r.reseller_id else 'name:' || r.seller_key end`;
  return sql`
      select ${sql.raw(OUT)}
      from (
        select r.day, 'seller' as dimension, ${sql.raw(key)} as key,
          min(case when r.seller_key = '' then r.reseller_id end) as ref_id,
          min(r.seller_name collate "C") as label, ${sql.raw(SUMS)},
          sum(r.notices_step1 + r.notices_step2 + r.notices_step3) as notices_sent,
          array_agg(${sql.raw(BUCKET)}) filter (where r.msrp_reads > 0) as bucket_list
        from ${sql.raw(SELLER_ROLLUP_ROWS)} r
        where r.day between ${o.from}::date and ${o.to}::date
        group by r.day, ${sql.raw(key)}
      ) s
      ${sql.raw(HISTOGRAM)}`;
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
    (${listingDimensionsSql(o)})
    union all
    (${sellerDimensionSql(o)})`;
}
