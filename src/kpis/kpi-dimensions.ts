/**
 * The dimensions KPIs are grouped by, as SQL over the daily rollups (shared by the KPI
 * table, the weekly trend lines and the erosion trend, so a dimension means the same in each).
 *
 * The queries read the per-day, per-dimension pre-aggregate (dimensionRows:
 * daily_dimension_rollups, roll-up-dimensions.ts); the fine rows (rollupDimension) serve
 * what it cannot group, a KPI table filtered by brand, region, tier or reseller. Tier,
 * region and authorized-or-not are grouped from the per-reseller rows joined to the reseller,
 * and reseller, site and product rows name their id, so a renamed reseller or a reseller
 * moved to another tier counts as it is now, as on the fine rows; a brand is the product's
 * brand when its days were rolled up.
 *
 * Every dimension but `seller` reads daily_rollups (day × site × product) joined to its
 * site, reseller and product. `seller` reads the seller rows (SELLER_ROLLUP_ROWS: daily_seller_rollups
 * and the site × product rows that name no seller), the same figures split by
 * the marketplace seller the page names: a seller is its name key, and reads that name no
 * seller count under the site's reseller, which sells itself; the value shown is the
 * seller's name as a page spelled it (the first spelling in code-point order in the group).
 */
import { type RawBuilder, sql } from 'kysely';
import type { DaySpan } from './rollup-blocks.js';
import { SELLER_ROLLUP_ROWS } from './rollup-grain-sql.js';

export const KPI_DIMENSIONS = [
  'reseller',
  'tier',
  'region',
  'brand',
  'product',
  'site',
  'seller',
  'authorized',
] as const;
export type KpiDimension = (typeof KPI_DIMENSIONS)[number];

/** The dimensions a listing has by itself (through site `s`, reseller `rs`, product `p`). */
export type ListingDimension = Exclude<KpiDimension, 'seller'>;

export const DIMENSION_SQL: Record<ListingDimension, string> = {
  reseller: 'rs.name',
  tier: "coalesce(rs.tier, '(none)')",
  region: "coalesce(rs.region, '(none)')",
  brand: "coalesce(p.brand, '(none)')",
  product: 'p.sku',
  site: 's.name',
  authorized: "case when rs.authorized then 'authorized' else 'unauthorized' end",
};

export interface RollupDimension {
  /** The rollup table as `r`, joined to sites `s`, resellers `rs` and products `p`. */
  from: RawBuilder<unknown>;
  /** What rows are grouped by. */
  group: RawBuilder<unknown>;
  /** The value shown for a group (an aggregate when it differs from `group`). */
  label: RawBuilder<unknown>;
}

const joins = (table: string) =>
  sql.raw(`${table} r
    join sites s on s.id = r.site_id
    join resellers rs on rs.id = r.reseller_id
    join products p on p.id = r.product_id`);

export function rollupDimension(by: KpiDimension): RollupDimension {
  if (by === 'seller')
    return {
      from: joins(SELLER_ROLLUP_ROWS),
      group: sql.raw(`case when r.seller_key = '' then 'reseller:' || r.reseller_id else 'name:' || r.seller_key end`),
      label: sql.raw('min(coalesce(r.seller_name, rs.name) collate "C")'),
    };
  const expr = sql.raw(DIMENSION_SQL[by]);
  return { from: joins('daily_rollups'), group: expr, label: expr };
}

export interface DimensionRows extends RollupDimension {
  /** The rows' `dimension` value. */
  dimension: string;
  /** The per-row value `label` aggregates (its min, in code-point order for sellers). */
  rowLabel: RawBuilder<unknown>;
  labelCollation: '' | ' collate "C"';
}

const ROW_COLUMNS = `day, dimension, key, ref_id, label, reads, trustworthy_reads, compliant_reads, violating_reads,
      blocked_reads, sum_depth_pct, max_depth_pct, msrp_reads, sum_msrp_variance, eod_listings, eod_compliant_listings,
      cases_opened, cases_resolved, notices_sent`;

/**
 * The rows of `dimension` covering `spans` (rollup-blocks.ts): the per-day rows of the
 * single days, the block rows of the others; each row's `day` is its first day, and
 * `variance_text` its histogram as text (merge-variance-histograms.ts).
 */
function spanRows(dimension: string, spans: readonly DaySpan[]): RawBuilder<unknown> {
  const days = spans.filter((s) => s.days === 1).map((s) => s.day);
  const blocks = spans.filter((s) => s.days > 1);
  const inBlocks = blocks.length
    ? sql.join(
        blocks.map((b) => sql`(days = ${b.days} and day = ${b.day}::date)`),
        sql` or `,
      )
    : sql`false`;
  return sql`(
      select ${sql.raw(ROW_COLUMNS)}, variance_buckets::text || variance_counts::text as variance_text
      from daily_dimension_rollups
      where dimension = ${dimension} and day = any(string_to_array(${days.join(',')}, ',')::date[])
      union all
      select ${sql.raw(ROW_COLUMNS)}, variance_text from dimension_rollup_blocks
      where dimension = ${dimension} and (${inBlocks})
    )`;
}

/**
 * The pre-aggregated rows of `by` covering `spans` (a period cut by rollup-blocks.ts: a few
 * rows per value instead of one per day) as `r`, joined to what names them.
 */
export function dimensionRows(by: KpiDimension, spans: readonly DaySpan[]): DimensionRows {
  const dimension = by === 'brand' || by === 'seller' || by === 'site' || by === 'product' ? by : 'reseller';
  const table = spanRows(dimension, spans);
  const rows = (join: string, group: string, rowLabel = group, c: '' | ' collate "C"' = '') => ({
    dimension,
    from: sql`${table} r ${sql.raw(join)}`,
    group: sql.raw(group),
    rowLabel: sql.raw(rowLabel),
    label: sql.raw(`min(${rowLabel}${c})`),
    labelCollation: c,
  });
  switch (by) {
    case 'brand':
      return rows('', 'r.key');
    case 'seller':
      return rows('left join resellers rs on rs.id = r.ref_id', 'r.key', 'coalesce(r.label, rs.name)', ' collate "C"');
    case 'site':
      return rows('join sites s on s.id = r.ref_id', DIMENSION_SQL.site);
    case 'product':
      // By id (a SKU names one product): sorting ~12,000 rows by integer beats by text.
      return rows('join products p on p.id = r.ref_id', 'r.ref_id', DIMENSION_SQL.product);
    default:
      return rows('join resellers rs on rs.id = r.ref_id', DIMENSION_SQL[by]);
  }
}
