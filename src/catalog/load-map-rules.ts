/**
 * Loads, in set-based queries, everything compareToMap needs for a batch of
 * products: their MAP windows and the promo windows that apply to them (by product
 * or by brand). Id and brand lists go in slices, under the bind-parameter limit.
 */
import type { Kysely } from 'kysely';
import type { MapPriceInput, PromoWindowInput } from '../compare/schemas.js';
import { selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';

export interface ProductRules {
  productId: number;
  sku: string;
  name: string;
  brand: string | null;
  gtin: string | null;
  packSize: number;
  mapIncludesVat: boolean;
  mapPrices: MapPriceInput[];
  promos: PromoWindowInput[];
  mpn?: string | null;
  /** What the OEM charges its dealers; a price below it is a grey-market signal (never a MAP violation). */
  dealerCost?: { minor: number; currency: string } | null;
  /** GTIN company prefixes the brand owns (empty: not known, so never a signal). */
  gtinPrefixes?: string[];
  /** The catalog's authorized marketplace sellers for the brand (reseller null: on every marketplace). */
  authorizedSellers?: { reseller: string | null; key: string; name: string }[];
  /** Seller key → group name (several storefronts, one seller). */
  sellerGroups?: ReadonlyMap<string, string>;
}

export async function loadMapRules(
  db: Kysely<Database>,
  productIds: readonly number[],
): Promise<Map<number, ProductRules>> {
  const out = new Map<number, ProductRules>();
  if (productIds.length === 0) return out;
  const ids = [...new Set(productIds)];
  const products = await selectInChunks(ids, (slice) =>
    db.selectFrom('products').selectAll().where('id', 'in', slice).execute(),
  );
  const brands = [...new Set(products.flatMap((p) => (p.brand ? [p.brand] : [])))];
  const [maps, productPromos, brandPromos] = await Promise.all([
    selectInChunks(ids, (slice) => db.selectFrom('map_prices').selectAll().where('product_id', 'in', slice).execute()),
    selectInChunks(ids, (slice) =>
      db.selectFrom('promo_windows').selectAll().where('product_id', 'in', slice).execute(),
    ),
    selectInChunks(brands, (slice) =>
      db.selectFrom('promo_windows').selectAll().where('product_id', 'is', null).where('brand', 'in', slice).execute(),
    ),
  ]);
  const promos = [...productPromos, ...brandPromos].sort((a, b) => a.id - b.id);
  const lowerBrands = [...new Set(brands.map((b) => b.toLowerCase()))];
  const sameBrand = (a: string, b: string | null) => b !== null && a.toLowerCase() === b.toLowerCase();
  const [sellers, prefixes, groups] = await Promise.all([
    // The catalog CSVs may spell a brand in another case than the products file.
    selectInChunks(lowerBrands, (slice) =>
      db
        .selectFrom('authorized_sellers')
        .selectAll()
        .where((eb) => eb(eb.fn('lower', ['brand']), 'in', slice))
        .execute(),
    ),
    selectInChunks(lowerBrands, (slice) =>
      db
        .selectFrom('brand_gtin_prefixes')
        .selectAll()
        .where((eb) => eb(eb.fn('lower', ['brand']), 'in', slice))
        .execute(),
    ),
    db.selectFrom('seller_groups').selectAll().execute(),
  ]);
  const sellerGroups = new Map(groups.map((g) => [g.seller_key, g.group_name]));
  for (const p of products) {
    out.set(p.id, {
      productId: p.id,
      sku: p.sku,
      name: p.name,
      brand: p.brand,
      gtin: p.gtin,
      packSize: p.pack_size,
      mapIncludesVat: p.map_includes_vat,
      mapPrices: [],
      promos: [],
      mpn: p.mpn,
      dealerCost:
        p.dealer_cost_minor !== null && p.dealer_cost_currency
          ? { minor: p.dealer_cost_minor, currency: p.dealer_cost_currency }
          : null,
      gtinPrefixes: prefixes.filter((x) => sameBrand(x.brand, p.brand)).map((x) => x.prefix),
      authorizedSellers: sellers
        .filter((x) => sameBrand(x.brand, p.brand))
        .map((x) => ({ reseller: x.reseller, key: x.seller_key, name: x.seller_name })),
      sellerGroups,
    });
  }
  for (const m of maps) {
    out.get(m.product_id)?.mapPrices.push({
      currency: m.currency,
      mapMinor: m.map_minor,
      listMinor: m.list_minor,
      effectiveFrom: m.effective_from,
      effectiveTo: m.effective_to,
    });
  }
  for (const w of promos) {
    const promo: PromoWindowInput = {
      kind: w.kind,
      startsAt: w.starts_at,
      endsAt: w.ends_at,
      timeZone: w.time_zone,
      mapMinor: w.map_minor,
      percentOff: w.percent_off === null ? null : Number(w.percent_off),
      currency: w.currency,
      note: w.note ?? undefined,
    };
    for (const r of out.values()) {
      if (w.product_id === r.productId || (w.product_id === null && w.brand !== null && w.brand === r.brand))
        r.promos.push(promo);
    }
  }
  return out;
}
