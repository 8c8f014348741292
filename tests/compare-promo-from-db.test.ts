/**
 * Promo windows as the crawl gets them: imported from CSV, stored, loaded back by
 * loadMapRules, then applied by compareToMap. The window's wall-clock times mean local
 * time in its own zone, so a Black Friday window in New York starts five hours after
 * one in UTC; losing the zone on the way through the database moves the window.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importPromos } from '../src/catalog/import-promos.js';
import { loadMapRules, type ProductRules } from '../src/catalog/load-map-rules.js';
import { compareToMap } from '../src/compare/compare-to-map.js';
import type { DbHandle } from '../src/db/connect.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';

describe.each(BACKENDS)('promo windows loaded from the database on %s', (backend) => {
  let h: DbHandle;
  let rules: Map<string, ProductRules>;

  beforeAll(async () => {
    h = await openTestDb(backend);
    const dir = tmpDir({
      'products.csv': 'sku,name,brand\nNY,New York promo,Northwind\nTOKYO,Tokyo promo,Other\nBRAND,Brand promo,Acme\n',
      'map.csv':
        'sku,currency,map,effective_from\nNY,USD,100.00,2020-01-01\nTOKYO,USD,100.00,2020-01-01\nBRAND,USD,100.00,2020-01-01\n',
      'promos.csv':
        'kind,sku,brand,starts_at,ends_at,time_zone,map,currency,percent_off,note\n' +
        'suspend,NY,,2026-11-27T00:00,2026-11-28T00:00,America/New_York,,,,Black Friday\n' +
        'lower,TOKYO,,2026-11-27T00:00,2026-11-28T00:00,Asia/Tokyo,80.00,USD,,\n' +
        'lower,,Acme,2026-11-27,2026-11-28,America/Los_Angeles,,,25,brand-wide\n',
    });
    await importProducts(h.db, path.join(dir, 'products.csv'));
    await importMapPrices(h.db, path.join(dir, 'map.csv'));
    await importPromos(h.db, path.join(dir, 'promos.csv'));
    const products = await h.db.selectFrom('products').select(['id', 'sku']).execute();
    const loaded = await loadMapRules(
      h.db,
      products.map((p) => p.id),
    );
    rules = new Map(products.map((p) => [p.sku, loaded.get(p.id)!]));
  });
  afterAll(async () => {
    await h?.close();
  });

  const verdictAt = (sku: string, priceMinor: number, iso: string) => {
    const r = rules.get(sku)!;
    return compareToMap({
      observed: { amountMinor: priceMinor, currency: 'USD', capturedAt: new Date(iso) },
      listingPackSize: 1,
      productPackSize: r.packSize,
      mapIncludesVat: r.mapIncludesVat,
      mapPrices: r.mapPrices,
      promos: r.promos,
      tolerance: {},
      severityBands: [{ name: 'low', minPercentBelow: 0 }],
    });
  };

  it('keeps each window’s time zone', () => {
    expect(rules.get('NY')!.promos).toEqual([
      expect.objectContaining({ kind: 'suspend', timeZone: 'America/New_York', startsAt: '2026-11-27T00:00' }),
    ]);
    expect(rules.get('TOKYO')!.promos).toEqual([
      expect.objectContaining({ kind: 'lower', timeZone: 'Asia/Tokyo', mapMinor: 8000 }),
    ]);
    expect(rules.get('BRAND')!.promos).toEqual([
      expect.objectContaining({ kind: 'lower', timeZone: 'America/Los_Angeles', percentOff: 25 }),
    ]);
  });

  it('a New York window starts at midnight New York time (05:00 UTC), not at midnight UTC', () => {
    // 02:00 UTC on the 27th is still the 26th in New York: MAP enforced.
    expect(verdictAt('NY', 7000, '2026-11-27T02:00:00Z')).toMatchObject({ kind: 'violation' });
    // 04:59:59 UTC: one second before New York midnight.
    expect(verdictAt('NY', 7000, '2026-11-27T04:59:59Z')).toMatchObject({ kind: 'violation' });
    expect(verdictAt('NY', 7000, '2026-11-27T05:00:00Z')).toMatchObject({
      kind: 'not_comparable',
      reason: 'map_suspended',
    });
    // 02:00 UTC on the 28th is 21:00 on the 27th in New York: still suspended.
    expect(verdictAt('NY', 7000, '2026-11-28T02:00:00Z')).toMatchObject({ reason: 'map_suspended' });
    expect(verdictAt('NY', 7000, '2026-11-28T05:00:00Z')).toMatchObject({ kind: 'violation' });
  });

  it('a Tokyo window starts nine hours before midnight UTC', () => {
    // 2026-11-26T15:00Z is 00:00 on the 27th in Tokyo: the lowered MAP of 80.00 applies.
    expect(verdictAt('TOKYO', 8500, '2026-11-26T15:00:00Z')).toMatchObject({ kind: 'compliant', mapMinor: 8000 });
    expect(verdictAt('TOKYO', 8500, '2026-11-26T14:59:59Z')).toMatchObject({ kind: 'violation', mapMinor: 10000 });
    // 20:00Z on the 27th is already the 28th in Tokyo: the window is over.
    expect(verdictAt('TOKYO', 8500, '2026-11-27T20:00:00Z')).toMatchObject({ kind: 'violation', mapMinor: 10000 });
  });

  it('a brand-wide window in Los Angeles (UTC-8 in November)', () => {
    expect(verdictAt('BRAND', 7500, '2026-11-27T07:59:59Z')).toMatchObject({ kind: 'violation', mapMinor: 10000 });
    expect(verdictAt('BRAND', 7500, '2026-11-27T08:00:00Z')).toMatchObject({ kind: 'compliant', mapMinor: 7500 });
    expect(verdictAt('BRAND', 7500, '2026-11-28T07:59:59Z')).toMatchObject({ kind: 'compliant' });
    expect(verdictAt('BRAND', 7500, '2026-11-28T08:00:00Z')).toMatchObject({ kind: 'violation' });
  });
});
