/**
 * KPIs by marketplace seller (daily_seller_rollups) over a hand-worked history, through the
 * real comparison and case logic. Reporting zone UTC. Product WID: MAP 100.00, MSRP 125.00.
 *
 * Marketly (a marketplace) lists WID; its page names a seller on the primary offer:
 *   2 Feb 10:00 "Gadget Hub"   110.00  compliant   (110−125)/125 = −12 %
 *   2 Feb 14:00 "Bargain Bin"   90.00  10 % below  −28 %   (opens the case: seller Bargain Bin)
 *   3 Feb 09:00 "gadget  hub"  120.00  compliant   −4 %    (the same seller, spelled otherwise)
 *   3 Feb 15:00 "Bargain Bin"   80.00  20 % below  −36 %
 *   3 Feb 16:00 blocked, no seller named: counts under Marketly itself
 * Direct (its own shop, no seller named) lists WID:
 *   2 Feb 12:00 105.00 compliant −16 %
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapRules } from '../src/catalog/load-map-rules.js';
import { compareToMap } from '../src/compare/compare-to-map.js';
import { recordObservation } from '../src/cases/record-observation.js';
import type { DbHandle } from '../src/db/connect.js';
import { rollUpDays } from '../src/kpis/roll-up-days.js';
import { rollUpDue } from '../src/kpis/roll-up-due.js';
import { SELLER_ROLLUP_ROWS } from '../src/kpis/rollup-grain-sql.js';
import { queryKpis, type KpiDimension } from '../src/kpis/query-kpis.js';
import { queryWeeklyTrend } from '../src/kpis/query-weekly-trend.js';
import type { ObservationDraft } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';

const TZ = 'UTC';
const policy = {
  resolveAfter: 2,
  severityOrder: ['low', 'medium', 'high'],
  tolerance: { percent: null, absMinor: null },
  severityBands: [{ name: 'low', minPercentBelow: 0 }],
};

describe.each(BACKENDS)('KPIs by marketplace seller (%s)', (backend) => {
  let h: DbHandle;
  const ids: Record<string, number> = {};

  async function read(o: { listing: 'market' | 'direct'; at: string; price?: string; seller?: string }) {
    const listing = await h.db
      .selectFrom('listings')
      .selectAll()
      .where('id', '=', ids[o.listing]!)
      .executeTakeFirstOrThrow();
    const rules = (await loadMapRules(h.db, [listing.product_id])).get(listing.product_id)!;
    const capturedAt = new Date(o.at);
    const status: ObservationDraft['status'] = o.price ? 'ok' : 'blocked';
    const amountMinor = o.price ? Math.round(Number(o.price) * 100) : null;
    const draft: ObservationDraft = {
      capturedAt,
      status,
      reason: o.price ? null : 'blocked by a bot wall',
      offer: o.price
        ? { amount: o.price, currency: 'USD', source: 'json-ld', ...(o.seller ? { seller: o.seller } : {}) }
        : null,
      amountMinor,
      currency: o.price ? 'USD' : null,
      httpStatus: o.price ? 200 : 429,
      finalUrl: listing.url,
      contentSha256: null,
      retryable: false,
    };
    const verdict = o.price
      ? compareToMap({
          observed: { amountMinor: amountMinor!, currency: 'USD', capturedAt },
          listingPackSize: listing.pack_size,
          productPackSize: rules.packSize,
          mapIncludesVat: rules.mapIncludesVat,
          mapPrices: rules.mapPrices,
          promos: rules.promos,
          tolerance: policy.tolerance,
          severityBands: policy.severityBands,
        })
      : null;
    await recordObservation(h.db, { listingId: listing.id, siteId: listing.site_id, draft, verdict, policy });
  }

  beforeAll(async () => {
    h = await openTestDb(backend);
    const db = h.db;
    const wid = (
      await db
        .insertInto('products')
        .values({ sku: 'WID', name: 'Widget', brand: 'Northwind' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto('map_prices')
      .values({
        product_id: wid,
        currency: 'USD',
        map_minor: 10000,
        list_minor: 12500,
        effective_from: '2026-01-01T00:00:00Z',
      })
      .execute();
    const listing = async (name: string, tier: string) => {
      const reseller = (
        await db.insertInto('resellers').values({ name, tier, region: 'us' }).returning('id').executeTakeFirstOrThrow()
      ).id;
      const site = (
        await db
          .insertInto('sites')
          .values({ name: name.toLowerCase(), reseller_id: reseller, domain: `${name}.example`, config_hash: 'x' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      return (
        await db
          .insertInto('listings')
          .values({ site_id: site, product_id: wid, url: `https://${name}.example/wid` })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    };
    ids.market = await listing('Marketly', 'marketplace');
    ids.direct = await listing('Direct', 'gold');
    await read({ listing: 'market', at: '2026-02-02T10:00:00Z', price: '110.00', seller: 'Gadget Hub' });
    await read({ listing: 'direct', at: '2026-02-02T12:00:00Z', price: '105.00' });
    await read({ listing: 'market', at: '2026-02-02T14:00:00Z', price: '90.00', seller: 'Bargain Bin' });
    await read({ listing: 'market', at: '2026-02-03T09:00:00Z', price: '120.00', seller: 'gadget  hub' });
    await read({ listing: 'market', at: '2026-02-03T15:00:00Z', price: '80.00', seller: 'Bargain Bin' });
    await read({ listing: 'market', at: '2026-02-03T16:00:00Z' });
    await rollUpDue(h.db, { timeZone: TZ, now: new Date('2026-02-03T18:00:00Z') });
  });
  afterAll(() => h?.close());

  const byKey = async (by: KpiDimension, from = '2026-02-01', to = '2026-02-03') =>
    Object.fromEntries((await queryKpis(h.db, { by, from, to })).map((r) => [r.key, r]));

  it('--by seller: each seller’s reads, compliance and depth; unnamed reads count under the reseller', async () => {
    const k = await byKey('seller');
    // One seller however the page spaces or cases its name; shown by its first spelling in code-point order.
    expect(Object.keys(k)).toEqual(['Bargain Bin', 'Direct', 'Gadget Hub', 'Marketly']);
    const bin = k['Bargain Bin']!;
    expect(bin.sums).toMatchObject({ reads: 2, trustworthyReads: 2, compliantReads: 0, violatingReads: 2 });
    expect(bin.kpis.compliance_rate).toBe(0);
    expect(bin.kpis.mean_depth).toBeCloseTo(15, 6); // (10 + 20) / 2
    expect(bin.kpis.worst_depth).toBeCloseTo(20, 6);
    expect(bin.kpis.msrp_variance).toBeCloseTo(-32, 6); // (−28 − 36) / 2
    // Its listing-days end on its own violating read; the case is its (seller of the violating read).
    expect(bin.sums).toMatchObject({ eodListings: 2, eodCompliantListings: 0, casesOpened: 1 });
    const hub = k['Gadget Hub']!;
    expect(hub.sums).toMatchObject({ reads: 2, trustworthyReads: 2, compliantReads: 2, violatingReads: 0 });
    expect(hub.kpis.compliance_rate).toBe(100);
    expect(hub.kpis.mean_depth).toBeNull();
    expect(hub.kpis.msrp_variance).toBeCloseTo(-8, 6); // (−12 − 4) / 2
    expect(hub.sums).toMatchObject({ eodListings: 2, eodCompliantListings: 2, casesOpened: 0 });
    const market = k.Marketly!;
    expect(market.sums).toMatchObject({ reads: 1, trustworthyReads: 0, blockedReads: 1 });
    expect(market.kpis.compliance_rate).toBeNull();
    expect(market.kpis.blocked_share).toBe(100);
    expect(k.Direct!.sums).toMatchObject({ reads: 1, trustworthyReads: 1, compliantReads: 1 });
    expect(k.Direct!.kpis.msrp_variance).toBeCloseTo(-16, 6);

    const day3 = await byKey('seller', '2026-02-03', '2026-02-03');
    expect(day3['Bargain Bin']!.sums).toMatchObject({ reads: 1, violatingReads: 1 });
    expect(day3['Bargain Bin']!.kpis.mean_depth).toBeCloseTo(20, 6);
    // That day the page spelled it only "gadget  hub" (shown with its spaces tidied).
    expect(day3['gadget hub']!.sums).toMatchObject({ reads: 1, compliantReads: 1 });
    expect(day3.Direct).toBeUndefined();
  });

  it('the other dimensions are unchanged: one row per day × site × product', async () => {
    const k = await byKey('reseller');
    const market = k.Marketly!;
    expect(market.sums).toMatchObject({
      reads: 5,
      trustworthyReads: 4,
      compliantReads: 2,
      violatingReads: 2,
      blockedReads: 1,
      // Each day the listing's last trustworthy read was Bargain Bin's, below MAP.
      eodListings: 2,
      eodCompliantListings: 0,
      casesOpened: 1,
    });
    expect(market.kpis.compliance_rate).toBe(50);
    expect(market.kpis.mean_depth).toBeCloseTo(15, 6);
    expect(market.kpis.msrp_variance).toBeCloseTo(-20, 6); // (−12 − 28 − 4 − 36) / 4
    // p10/p90 over listing-days: both days' means are −20 %.
    expect(market.kpis.msrp_variance_p10).toBeCloseTo(-20, 6);
    expect(market.kpis.msrp_variance_p90).toBeCloseTo(-20, 6);
    expect(k.Direct!.sums).toMatchObject({ reads: 1, compliantReads: 1, eodListings: 1 });
    expect(await h.db.selectFrom('daily_rollups').select('day').execute()).toHaveLength(3);
    // Stored: Marketly 2 Feb: Gadget Hub, Bargain Bin; 3 Feb: the same two and Marketly itself.
    // Direct names no seller: its seller split is its site × product row, not a copy of it.
    const { site_id: directSite } = await h.db
      .selectFrom('listings')
      .select('site_id')
      .where('id', '=', ids.direct!)
      .executeTakeFirstOrThrow();
    const stored = await h.db.selectFrom('daily_seller_rollups').select(['day', 'site_id', 'seller_key']).execute();
    expect(stored).toHaveLength(5);
    expect(stored.filter((r) => r.site_id === directSite)).toEqual([]);
    const own = await h.db
      .selectFrom('daily_rollups')
      .select([sql<string>`day::text`.as('day'), 'site_id', 'only_reseller'])
      .execute();
    expect(own.filter((r) => r.only_reseller)).toEqual([
      { day: '2026-02-02', site_id: directSite, only_reseller: true },
    ]);
    const all = await sql<{ n: string }>`select count(*) as n from ${sql.raw(SELLER_ROLLUP_ROWS)} r`.execute(h.db);
    expect(Number(all.rows[0]!.n)).toBe(6);
  });

  it('weekly trend lines by seller', async () => {
    const t = await queryWeeklyTrend(h.db, { by: 'seller', from: '2026-02-02', to: '2026-02-03' });
    expect(t.weeks).toEqual(['2026-02-02']);
    expect(t.series.map((s) => [s.key, s.violatingReads, s.rates])).toEqual([
      ['Bargain Bin', 2, [0]],
      ['Direct', 0, [100]],
      ['Gadget Hub', 0, [100]],
      ['Marketly', 0, [null]],
    ]);
  });

  it('a re-run changes nothing; a late read joins its seller’s day at the next run', async () => {
    const snapshot = async () =>
      (
        await sql`select day, site_id, seller_key, seller_name, reads, compliant_reads, sum_depth_pct, eod_listings
          from ${sql.raw(SELLER_ROLLUP_ROWS)} r order by day, site_id, seller_key`.execute(h.db)
      ).rows;
    const before = await snapshot();
    await rollUpDays(h.db, { from: '2026-02-01', to: '2026-02-03', timeZone: TZ });
    expect(await snapshot()).toEqual(before);

    // Read on 2 Feb at 20:00, written only now: a new seller, at MAP.
    await read({ listing: 'market', at: '2026-02-02T20:00:00Z', price: '100.00', seller: 'Late Lot' });
    const r = await rollUpDue(h.db, { timeZone: TZ, now: new Date('2026-02-03T19:00:00Z') });
    expect(r.from).toBe('2026-02-02');
    const k = await byKey('seller');
    expect(k['Late Lot']!.sums).toMatchObject({ reads: 1, compliantReads: 1, eodListings: 1, eodCompliantListings: 1 });
    expect(k['Bargain Bin']!.sums).toMatchObject({ reads: 2, eodListings: 2 });
    // By reseller, 2 Feb now ends compliant (Late Lot's read is the day's last).
    expect((await byKey('reseller')).Marketly!.sums).toMatchObject({
      reads: 6,
      eodListings: 2,
      eodCompliantListings: 1,
    });
  });
});
