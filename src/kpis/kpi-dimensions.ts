/**
 * The dimensions KPIs are grouped by, as SQL over the daily rollups (shared by the KPI
 * table, the weekly trend lines and the erosion trend, so a dimension means the same in each).
 *
 * Every dimension but `seller` reads daily_rollups (day × site × product) joined to its
 * site, reseller and product. `seller` reads daily_seller_rollups, the same figures split by
 * the marketplace seller the page names: a seller is its name key, and reads that name no
 * seller count under the site's reseller, which sells itself; the value shown is the
 * seller's name as a page spelled it (the first spelling in code-point order in the group).
 */
import { type RawBuilder, sql } from 'kysely';

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
      from: joins('daily_seller_rollups'),
      group: sql.raw(`case when r.seller_key = '' then 'reseller:' || r.reseller_id else 'name:' || r.seller_key end`),
      label: sql.raw('min(coalesce(r.seller_name, rs.name) collate "C")'),
    };
  const expr = sql.raw(DIMENSION_SQL[by]);
  return { from: joins('daily_rollups'), group: expr, label: expr };
}
