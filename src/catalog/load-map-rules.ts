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
