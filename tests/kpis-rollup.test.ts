/**
 * The daily rollup and the KPIs over a seeded history whose answers are worked out by hand
 * below. Reads go through the real comparison (compareToMap with the catalog's MAP rows,
 * promo window, VAT and pack rules) and the real case logic (recordObservation), so the
 * rollup is checked against what the product itself stored. Reporting zone: New York
 * (UTC−5 in January), so a read at 03:00 UTC belongs to the previous reporting day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapRules } from '../src/catalog/load-map-rules.js';
import { compareToMap } from '../src/compare/compare-to-map.js';
import { recordObservation } from '../src/cases/record-observation.js';
import type { DbHandle } from '../src/db/connect.js';
import { rollUpDays } from '../src/kpis/roll-up-days.js';
import { rollUpDue } from '../src/kpis/roll-up-due.js';
import { queryKpis } from '../src/kpis/query-kpis.js';
import { queryCoverage } from '../src/kpis/query-coverage.js';
import { findRepeatOffenders } from '../src/kpis/find-repeat-offenders.js';
import { measureNoticeEffect } from '../src/kpis/measure-notice-effect.js';
import { queryErosionTrend } from '../src/kpis/query-erosion-trend.js';
import { collectAudit } from '../src/kpis/collect-audit.js';
import { AUDIT_SECTIONS, renderAuditHtml } from '../src/http/pages/render-audit.js';
import { renderPdf } from '../src/fetch/browser/render-pdf.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { pdfPageTexts } from './support/pdf-text.js';
import type { ObservationDraft } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';

const TZ = 'America/New_York';
const policy = {
  resolveAfter: 2,
  severityOrder: ['low', 'medium', 'high'],
  tolerance: { percent: null, absMinor: null },
  severityBands: [
    { name: 'low', minPercentBelow: 0 },
    { name: 'medium', minPercentBelow: 5 },
    { name: 'high', minPercentBelow: 15 },
  ],
};

describe.each(BACKENDS)('daily rollup and KPIs (%s)', (backend) => {
  let h: DbHandle;
  const ids: Record<string, number> = {};

  async function read(o: {
    listing: 'alpha' | 'beta' | 'gamma';
    at: string;
    price?: string;
    currency?: string;
    status?: ObservationDraft['status'];
  }) {
    const listing = await h.db
      .selectFrom('listings')
      .selectAll()
      .where('id', '=', ids[o.listing]!)
      .executeTakeFirstOrThrow();
    const rules = (await loadMapRules(h.db, [listing.product_id])).get(listing.product_id)!;
    const capturedAt = new Date(o.at);
    const status = o.status ?? 'ok';
    const amountMinor = o.price ? Math.round(Number(o.price) * 100) : null;
    const draft: ObservationDraft = {
      capturedAt,
      status,
      reason: status === 'ok' ? null : 'blocked by a bot wall',
      offer: null,
      amountMinor,
      currency: o.price ? (o.currency ?? 'USD') : null,
      httpStatus: status === 'blocked' ? 429 : 200,
      finalUrl: listing.url,
      contentSha256: null,
      retryable: false,
    };
    const verdict =
      status === 'ok'
        ? compareToMap({
            observed: { amountMinor: amountMinor!, currency: draft.currency!, capturedAt },
            listingPackSize: listing.pack_size,
            productPackSize: rules.packSize,
            siteVat: o.listing === 'beta' ? { included: true, rate: 19 } : undefined,
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
    const product = async (sku: string, pack = 1) =>
      (
        await db
          .insertInto('products')
          .values({ sku, name: `${sku} product`, brand: 'Northwind', pack_size: pack })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const amp = await product('AMP');
    const hp = await product('HP');
    const sub = await product('SUB');
    await db
      .insertInto('map_prices')
      .values([
        {
          product_id: amp,
          currency: 'USD',
          map_minor: 10000,
          list_minor: 12000,
          effective_from: '2026-01-01T00:00:00Z',
        },
        {
          product_id: hp,
          currency: 'EUR',
          map_minor: 18900,
          list_minor: 22900,
          effective_from: '2026-01-01T00:00:00Z',
        },
        { product_id: sub, currency: 'USD', map_minor: 5000, list_minor: 6000, effective_from: '2026-01-01T00:00:00Z' },
      ])
      .execute();
    // A promo lowers AMP's MAP to 80.00 for 10 January, New York time.
    await db
      .insertInto('promo_windows')
      .values({
        product_id: amp,
        kind: 'lower',
        map_minor: 8000,
        currency: 'USD',
        starts_at: '2026-01-10T00:00:00',
        ends_at: '2026-01-11T00:00:00',
        time_zone: TZ,
      })
      .execute();
    const reseller = async (name: string, tier: string, region: string) =>
      (await db.insertInto('resellers').values({ name, tier, region }).returning('id').executeTakeFirstOrThrow()).id;
    const site = async (name: string, resellerId: number) =>
      (
        await db
          .insertInto('sites')
          .values({ name, reseller_id: resellerId, domain: `${name}.example`, config_hash: 'x' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const listing = async (siteId: number, productId: number, pack = 1) =>
      (
        await db
          .insertInto('listings')
          .values({
            site_id: siteId,
            product_id: productId,
            url: `https://s${siteId}.example/p/${productId}`,
            pack_size: pack,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    ids.alpha = await listing(await site('alpha', await reseller('Alpha', 'gold', 'us')), amp);
    ids.beta = await listing(await site('beta', await reseller('Beta', 'silver', 'eu')), hp);
    // A two-pack of SUB (MAP 50.00 per unit).
    ids.gamma = await listing(await site('gamma', await reseller('Gamma', 'gold', 'us')), sub, 2);

    // Alpha: 85.00 inside the promo (MAP 80: compliant), 85.00 the next day (MAP 100: 15 % below,
    // opens a case), then 100.00 at 03:00 UTC on the 12th = 22:00 on the 11th in New York.
    await read({ listing: 'alpha', at: '2026-01-10T15:00:00Z', price: '85.00' });
    await read({ listing: 'alpha', at: '2026-01-11T15:00:00Z', price: '85.00' });
    await read({ listing: 'alpha', at: '2026-01-12T03:00:00Z', price: '100.00' });
    // Beta: 219.00 € incl. 19 % VAT = 184.03 net < MAP 189 (2.6296… % below); then a blocked read.
    await read({ listing: 'beta', at: '2026-01-11T12:00:00Z', price: '219.00', currency: 'EUR' });
    await read({ listing: 'beta', at: '2026-01-11T13:00:00Z', status: 'blocked' });
    // Gamma: 90.00 for two = 45.00 a unit, 10 % below MAP 50.
    await read({ listing: 'gamma', at: '2026-01-11T16:00:00Z', price: '90.00' });
  });
  afterAll(() => h?.close());

  const byKey = async (by: 'reseller' | 'tier', from = '2026-01-09', to = '2026-01-12') =>
    Object.fromEntries((await queryKpis(h.db, { by, from, to })).map((r) => [r.key, r]));

  it('rolls up by reporting day in the configured zone, with promo, VAT and pack rules as compared', async () => {
    const first = await rollUpDue(h.db, { timeZone: TZ, now: new Date('2026-01-12T12:00:00Z') });
    expect(first.to).toBe('2026-01-12');
    expect(first.from).toBe('2026-01-10'); // full first run: from the oldest read's New York day
    const k = await byKey('reseller');
    const alpha = k.Alpha!;
    expect(alpha.sums).toMatchObject({ reads: 3, trustworthyReads: 3, compliantReads: 2, violatingReads: 1 });
    expect(alpha.kpis.compliance_rate).toBeCloseTo(66.667, 2);
    expect(alpha.kpis.mean_depth).toBeCloseTo(15, 6);
    expect(alpha.kpis.worst_depth).toBeCloseTo(15, 6);
    // MSRP 120: (85−120)/120 twice, (100−120)/120 once → mean −25 %.
    expect(alpha.kpis.msrp_variance).toBeCloseTo(-25, 6);
    // Listing-days: the 10th ends compliant (promo), the 11th ends with the 22:00 read at 100.00.
    expect(alpha.sums).toMatchObject({ eodListings: 2, eodCompliantListings: 2, casesOpened: 1 });
    expect(alpha.kpis.listings_compliant).toBe(100);

    const beta = k.Beta!;
    expect(beta.sums).toMatchObject({ reads: 2, trustworthyReads: 1, violatingReads: 1, blockedReads: 1 });
    expect(beta.kpis.blocked_share).toBe(50);
    expect(beta.kpis.compliance_rate).toBe(0);
    expect(beta.kpis.mean_depth).toBeCloseTo((100 * (18900 - 18403)) / 18900, 6);
    expect(beta.kpis.msrp_variance).toBeCloseTo((100 * (18403 - 22900)) / 22900, 6);

    const gamma = k.Gamma!;
    expect(gamma.kpis.mean_depth).toBeCloseTo(10, 6);
    expect(gamma.kpis.msrp_variance).toBeCloseTo(-25, 6); // 45 a unit against MSRP 60

    const tiers = await byKey('tier');
    expect(tiers.gold!.sums).toMatchObject({ trustworthyReads: 4, compliantReads: 2, violatingReads: 2 });
    expect(tiers.gold!.kpis.compliance_rate).toBe(50);
    expect(tiers.silver!.sums.trustworthyReads).toBe(1);
  });

  it('puts 03:00 UTC on the previous New York day', async () => {
    const day12 = await byKey('reseller', '2026-01-12', '2026-01-12');
    expect(day12.Alpha?.sums.reads ?? 0).toBe(0);
    const day11 = await byKey('reseller', '2026-01-11', '2026-01-11');
    expect(day11.Alpha!.sums.reads).toBe(2);
  });

  it('a re-run changes nothing', async () => {
    const snapshot = () =>
      h.db
        .selectFrom('daily_rollups')
        .select([
          'day',
          'site_id',
          'product_id',
          'reads',
          'compliant_reads',
          'sum_depth_pct',
          'sum_msrp_variance',
          'cases_open_eod',
        ])
        .orderBy('day')
        .orderBy('site_id')
        .orderBy('product_id')
        .execute();
    const before = await snapshot();
    await rollUpDays(h.db, { from: '2026-01-09', to: '2026-01-12', timeZone: TZ });
    await rollUpDue(h.db, { timeZone: TZ, now: new Date('2026-01-12T12:00:00Z') });
    expect(await snapshot()).toEqual(before);
  });

  it('counts a read that arrives late on its own day at the next run', async () => {
    // Read on the 9th, written only now (after the 10th–12th were rolled up).
    await read({ listing: 'alpha', at: '2026-01-09T15:00:00Z', price: '100.00' });
    const r = await rollUpDue(h.db, { timeZone: TZ, now: new Date('2026-01-12T13:00:00Z') });
    expect(r.from).toBe('2026-01-09');
    const alpha = (await byKey('reseller')).Alpha!;
    expect(alpha.sums).toMatchObject({ reads: 4, trustworthyReads: 4, compliantReads: 3 });
    expect(alpha.kpis.compliance_rate).toBe(75);
  });

  it('coverage: listings with a trustworthy read in the last 24 hours', async () => {
    // At 14:00 UTC on the 12th: Alpha read at 03:00 today, Gamma at 16:00 yesterday, Beta's
    // last trustworthy read was at 12:00 yesterday (26 hours ago; its 13:00 read was blocked).
    const rows = await queryCoverage(h.db, { by: 'reseller', now: new Date('2026-01-12T14:00:00Z') });
    expect(rows.map((r) => [r.key, r.covered, r.listings])).toEqual([
      ['Alpha', 1, 1],
      ['Beta', 0, 1],
      ['Gamma', 1, 1],
    ]);
    const tiers = await queryCoverage(h.db, { by: 'tier', now: new Date('2026-01-12T14:00:00Z') });
    expect(tiers.find((r) => r.key === 'gold')!.coverage).toBe(100);
    expect(tiers.find((r) => r.key === 'silver')!.coverage).toBe(0);
  });

  it('repeat offenders: resellers with cases in N of the last M weeks', async () => {
    const now = new Date('2026-01-14T12:00:00Z');
    const once = await findRepeatOffenders(h.db, { weeks: 4, minWeeks: 1, timeZone: TZ, now });
    expect(once.map((r) => [r.reseller, r.weeksWithCases, r.cases]).sort()).toEqual([
      ['Alpha', 1, 1],
      ['Beta', 1, 1],
      ['Gamma', 1, 1],
    ]);
    expect(await findRepeatOffenders(h.db, { weeks: 4, minWeeks: 2, timeZone: TZ, now })).toEqual([]);
    await expect(findRepeatOffenders(h.db, { weeks: 4, minWeeks: 5, timeZone: TZ, now })).rejects.toThrow(
      /min weeks: must be a whole number from 1 to 4/,
    );
  });

  it("a notice step's effect: the case it preceded came back into compliance", async () => {
    const c = await h.db
      .selectFrom('cases')
      .select(['id', 'status'])
      .where('listing_id', '=', ids.alpha!)
      .executeTakeFirstOrThrow();
    const resellerId = (
      await h.db.selectFrom('resellers').select('id').where('name', '=', 'Alpha').executeTakeFirstOrThrow()
    ).id;
    await h.db
      .insertInto('notices')
      .values({ case_id: c.id, reseller_id: resellerId, step: 1, status: 'sent', sent_at: '2026-01-12T12:00:00Z' })
      .execute();
    // The 100.00 read on the 12th (03:00 UTC) was the case's first clean read; the next one
    // (resolveAfter 2) resolves it at 14:00 on the 13th, 26 hours after the notice.
    await read({ listing: 'alpha', at: '2026-01-13T14:00:00Z', price: '100.00' });
    await read({ listing: 'alpha', at: '2026-01-13T15:00:00Z', price: '100.00' });
    const after = await h.db
      .selectFrom('cases')
      .select(['status', 'closed_at'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('resolved');
    const eff = await measureNoticeEffect(h.db, { from: '2026-01-12', to: '2026-01-13', timeZone: TZ });
    expect(eff).toHaveLength(1);
    expect(eff[0]).toMatchObject({ step: 1, sent: 1, complied: 1, effectiveness: 100 });
    expect(eff[0]!.medianDaysToCompliance).toBeCloseTo(26 / 24, 6);
  });

  it('price erosion: weekly mean price as a share of MSRP', async () => {
    await rollUpDue(h.db, { timeZone: TZ, now: new Date('2026-01-13T20:00:00Z') });
    const points = await queryErosionTrend(h.db, { by: 'reseller', from: '2026-01-05', to: '2026-01-13' });
    // Week of 5 Jan: Alpha 100 (the late read on the 9th) and 85, 85, 100 (10th–11th) → mean 92.5 of
    // MSRP 120; week of 12 Jan: two reads at 100 → 83.33 %.
    const alpha = points.filter((p) => p.key === 'Alpha');
    expect(alpha.map((p) => p.week)).toEqual(['2026-01-05', '2026-01-12']);
    expect(alpha[0]!.priceToMsrp).toBeCloseTo((100 * 92.5) / 120, 6);
    expect(alpha[1]!.priceToMsrp).toBeCloseTo((100 * 100) / 120, 6);
  });

  it('the channel audit PDF: one page per section, with the scorecard, the case and its evidence, the notice', async () => {
    const audit = await collectAudit(h.db, { reseller: 'alpha', from: '2026-01-09', to: '2026-01-13', timeZone: TZ });
    expect(audit.reseller.name).toBe('Alpha');
    expect(audit.violations).toHaveLength(1);
    expect(audit.notices).toHaveLength(1);
    const pool = new BrowserPool({});
    try {
      const pdf = await renderPdf(pool, renderAuditHtml(audit).value);
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const pages = await pdfPageTexts(pdf);
      expect(pages).toHaveLength(AUDIT_SECTIONS.length);
      AUDIT_SECTIONS.forEach((heading, i) => expect(pages[i]).toContain(heading));
      expect(pages[0]).toContain('Channel audit: Alpha');
      // Alpha, 9–13 January: 100 (late read), 85 under the promo, 85 (violation), 100, 100, 100 → 5 of 6;
      // the gold tier adds Gamma's violating read → 5 of 7.
      expect(pages[0]).toMatch(/Compliance\s+83\.3%\s+71\.4%/);
      expect(pages[1]).toContain('AMP');
      expect(pages[2]).toMatch(/#\d+\s+AMP\s+USD\s*85\.00\s+USD\s*100\.00\s+resolved/);
      expect(pages[3]).toMatch(/#\d+\s+1\s+2026-01-12 12:00 UTC\s+resolved\s+2026-01-13 14:00 UTC/);
    } finally {
      await pool.close();
    }
    await expect(
      collectAudit(h.db, { reseller: 'Nobody', from: '2026-01-09', to: '2026-01-13', timeZone: TZ }),
    ).rejects.toThrow('reseller "Nobody": no such reseller in the catalog');
  });

  it('refuses a malformed day with the field named', async () => {
    await expect(rollUpDays(h.db, { from: '2026-1-9', to: '2026-01-12', timeZone: TZ })).rejects.toThrow(
      /from: must be a date as YYYY-MM-DD/,
    );
  });
});

describe('the MSRP of a read is the list price of the MAP window in effect', () => {
  it('across consecutive windows, a read at the boundary belongs to the new one', async () => {
    const h = await openTestDb('pglite');
    try {
      const db = h.db;
      const p = await db
        .insertInto('products')
        .values({ sku: 'X', name: 'X' })
        .returning('id')
        .executeTakeFirstOrThrow();
      // MSRP 200 in January, 150 in February, 180 from March on (the database refuses overlaps).
      const win = (from: string, to: string | null, list: number) => ({
        product_id: p.id,
        currency: 'USD',
        map_minor: 10000,
        list_minor: list,
        effective_from: `${from}T00:00:00Z`,
        effective_to: to ? `${to}T00:00:00Z` : null,
      });
      await db
        .insertInto('map_prices')
        .values([
          win('2026-01-01', '2026-02-01', 20000),
          win('2026-02-01', '2026-03-01', 15000),
          win('2026-03-01', null, 18000),
        ])
        .execute();
      const r = await db.insertInto('resellers').values({ name: 'R' }).returning('id').executeTakeFirstOrThrow();
      const s = await db
        .insertInto('sites')
        .values({ name: 's', reseller_id: r.id, domain: 's.example', config_hash: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const l = await db
        .insertInto('listings')
        .values({ site_id: s.id, product_id: p.id, url: 'https://s.example/x' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const at = (day: string, time = '12:00:00') => ({
        listing_id: l.id,
        captured_at: `${day}T${time}Z`,
        status: 'ok' as const,
        amount_minor: 12000,
        currency: 'USD',
        verdict: 'compliant' as const,
        normalized_minor: 12000,
        map_minor: 10000,
      });
      await db
        .insertInto('observations')
        .values([at('2026-01-15'), at('2026-02-15'), at('2026-03-15')])
        .execute();
      await rollUpDays(db, { from: '2026-01-01', to: '2026-03-31', timeZone: 'UTC' });
      const rows = await db
        .selectFrom('daily_rollups')
        .select(['day', 'msrp_reads', 'sum_msrp_variance'])
        .orderBy('day')
        .execute();
      // 120 against MSRP 200 (−40 %), 150 (−20 %), and 180 at midnight on 1 March (−33.3 %).
      expect(rows.map((x) => x.msrp_reads)).toEqual([1, 1, 1]);
      expect(Number(rows[0]!.sum_msrp_variance)).toBeCloseTo(-0.4, 10);
      expect(Number(rows[1]!.sum_msrp_variance)).toBeCloseTo(-0.2, 10);
      expect(Number(rows[2]!.sum_msrp_variance)).toBeCloseTo(-1 / 3, 10);
    } finally {
      await h.close();
    }
  });
});
