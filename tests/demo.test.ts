/**
 * `mapwatch demo` end to end, once, in a temp workspace: nine storefronts, PGlite, BullMQ's
 * PostgreSQL backend, in-process workers, Chromium, evidence and the .eml outbox. The
 * assertions are on what the pipeline recorded (read back from the demo's database), and
 * on the files it wrote. Plus the unauthorized-seller rule on its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareToMap } from '../src/compare/compare-to-map.js';
import { formatDemoReport } from '../src/cli/format-demo-report.js';
import { type DemoResult, runDemo } from '../src/demo/run-demo.js';
import { findUnauthorizedSellers } from '../src/check/find-unauthorized-sellers.js';
import type { ObservationDraft } from '../src/types.js';
import { tmpDir } from './support/tmp.js';

describe('mapwatch demo', () => {
  let result: DemoResult;
  let workspace: string;

  beforeAll(async () => {
    workspace = path.join(tmpDir({}), 'ws');
    result = await runDemo({ workspace });
  }, 240_000);

  afterAll(() => {
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  const caseOf = (reseller: string, sku: string) =>
    result.report.cases.find((c) => c.reseller === reseller && c.sku === sku);

  it('opens exactly the true violations, each with a screenshot, and leaves compliant prices alone', () => {
    const opened = result.report.cases.map((c) => `${c.reseller} ${c.sku} ${c.severity}`).sort();
    expect(opened).toEqual([
      'BrightBuy NW-SUB8 medium',
      'CartOnly Audio NW-SUB8 medium',
      'KlangHaus GmbH NW-HP100 low',
      'Magento HiFi NW-HP100 medium',
      'SPA Sound NW-HP100 medium',
      'Shifty Sounds NW-SUB8 high',
      'WooAudio NW-SPK20 medium',
    ]);
    expect(caseOf('SPA Sound', 'NW-HP100')).toMatchObject({ lowestMinor: 17900, mapMinor: 19900, percentBelow: 10.05 });
    for (const c of result.report.cases) {
      expect(c.evidenceRows).toBeGreaterThanOrEqual(1);
      expect(c.screenshot).not.toBeNull();
      expect(fs.readFileSync(c.screenshot!).subarray(1, 4).toString()).toBe('PNG');
    }
    expect(fs.readdirSync(path.join(workspace, 'evidence', 'sha256')).length).toBeGreaterThan(0);
    // The related products on Magento's page (USD 39–129) were never read as its price.
    expect(caseOf('Magento HiFi', 'NW-HP100')!.lowestMinor).toBe(18900);
    expect(caseOf('MegaMarket', 'NW-SPK20')).toBeUndefined();
  });

  it('re-checks before accusing: the one-off DAC-1 flash price opens no case', () => {
    expect(result.report.rejectedRechecks).toEqual([
      expect.objectContaining({
        reseller: 'BrightBuy',
        sku: 'NW-DAC1',
        first: { status: 'ok', amountMinor: 11900, currency: 'USD' },
        second: { status: 'ok', amountMinor: 14900, currency: 'USD' },
      }),
    ]);
    expect(caseOf('BrightBuy', 'NW-DAC1')).toBeUndefined();
  });

  it('applies the promo window and the VAT basis', () => {
    expect(result.report.promoReads).toEqual([
      expect.objectContaining({
        reseller: 'Magento HiFi',
        sku: 'NW-AMP5',
        observedMinor: 80910,
        baseMapMinor: 89900,
        mapMinor: 80910,
        verdict: 'compliant',
      }),
    ]);
    const vat = Object.fromEntries(result.report.vatReads.map((v) => [v.sku, v]));
    expect(vat['NW-HP100']).toMatchObject({
      observedMinor: 21900,
      normalizedMinor: 18403,
      mapMinor: 18900,
      verdict: 'violation',
      ratePercent: 19,
    });
    expect(vat['NW-SPK20']).toMatchObject({ verdict: 'compliant' });
  });

  it('records the price-in-cart evasion and the unauthorized marketplace seller', () => {
    expect(result.report.evasion).toEqual([
      expect.objectContaining({ reseller: 'CartOnly Audio', sku: 'NW-SUB8', revealedBySteps: true, priceMinor: 42900 }),
    ]);
    expect(result.report.evasion[0]!.phrases).toContain('see price in cart');
    expect(result.report.unauthorizedSellers).toEqual([
      expect.objectContaining({
        reseller: 'MegaMarket',
        sku: 'NW-SPK20',
        seller: 'cheap-audio-outlet',
        amount: '279',
        below_map: true,
        percent_below: 20.06,
        // MegaMarket's config lists no pages: its listing was found by discovery (robots.txt sitemap).
        listingDiscovered: true,
        // Its page is kept as chained evidence although the buy box opened no case.
        evidenceSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    expect(formatDemoReport(result)).toContain(
      `manifest sha256 ${result.report.unauthorizedSellers[0]!.evidenceSha256}`,
    );
    expect(result.discovery).toEqual([
      expect.objectContaining({ site: 'megamarket', found: 1, matched: 1, review: 0, pendingLeft: 0 }),
    ]);
    expect(formatDemoReport(result)).toMatch(
      /megamarket: 1 product page\(s\) found .*1 matched to the catalog and listed/,
    );
  });

  it("site health: Blocky is blocked, Shifty's redesign is caught and suppressed", () => {
    const health = Object.fromEntries(result.report.health.map((h) => [h.site, h]));
    // One state everywhere (src/health/site-health-state.ts): blocked in the report, the table and an ops alert.
    expect(health.blocky).toMatchObject({ blockedRate: 1, suppressed: false, state: 'blocked' });
    expect(result.report.blockReasons.filter((b) => b.site === 'blocky').map((b) => b.reason.split(':')[0])).toEqual(
      expect.arrayContaining(['http_429']),
    );
    expect(health.shifty).toMatchObject({ suppressed: true, state: 'suppressed' });
    expect(health.shifty!.reason).toMatch(/no usable price|below/);
    expect(result.report.siteAlerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ site: 'shifty', kind: 'needs_attention' }),
        expect.objectContaining({ site: 'blocky', kind: 'blocked' }),
      ]),
    );
    expect(result.report.siteAlerts).toHaveLength(2);
    for (const site of ['brightbuy', 'wooaudio', 'magento-hifi', 'spa-sound', 'megamarket', 'cartonly', 'klanghaus'])
      expect(health[site]!.suppressed).toBe(false);
    expect(result.report.readErrors).toEqual([]);
  });

  it('writes the alerts, the site alert, the listing changes and the digest as .eml files', () => {
    const kinds = result.report.emails.map((e) => e.kind).sort();
    // listing_changes: the discovered site's new listings, for ops.
    expect(kinds).toEqual([...Array(7).fill('alert'), 'digest', 'listing_changes', 'site_alert', 'site_alert']);
    for (const e of result.report.emails) {
      expect(e.status).toBe('sent');
      expect(fs.existsSync(e.file)).toBe(true);
    }
    const digest = fs.readFileSync(result.report.emails.find((e) => e.kind === 'digest')!.file, 'utf8');
    expect(digest).toContain('Content-Type: image/png'); // screenshot thumbnails from the demo's evidence store
  });

  // No time is asserted here (timings belong in bench/): only that a violation with evidence
  // was reached, and that the summary reports the time it took.
  it('ends its summary with channel KPIs by reseller and by tier, from the rollup of its own reads', () => {
    const { byReseller, byTier } = result.report.kpis;
    // Every store that was read shows up; Blocky's reads were all blocked.
    expect(byReseller.map((r) => r.key)).toContain('WooAudio');
    const blocky = byReseller.find((r) => r.key === 'Blocky Electronics')!;
    expect(blocky.kpis.blocked_share).toBe(100);
    expect(blocky.kpis.compliance_rate).toBeNull();
    // Each tier's reads are the sum of its resellers' (no read lost or counted twice by the grouping).
    const total = (rows: typeof byReseller) => rows.reduce((n, r) => n + r.sums.reads, 0);
    expect(total(byTier)).toBe(total(byReseller));
    const text = formatDemoReport(result);
    const kpiSection = text.slice(text.lastIndexOf('== Channel KPIs'));
    expect(kpiSection).toMatch(/^reseller\s+reads\s+compliant/m);
    expect(kpiSection).toMatch(/^tier\s+reads\s+compliant/m);
  });

  it('reaches a violation with evidence, and the summary states every behaviour', () => {
    expect(result.report.firstViolationWithEvidenceMs).toEqual(expect.any(Number));
    const text = formatDemoReport(result);
    for (const needle of [
      'Violation cases (7)',
      'BrightBuy NW-DAC1: first read USD 119.00',
      'Holiday amplifier event',
      '"219,00 €" incl. 19% VAT',
      'MAP evasion: CartOnly Audio',
      'Unauthorized seller: "cheap-audio-outlet"',
      'SUPPRESSED',
      'BLOCKED',
      'Time to the first violation with evidence',
    ]) {
      expect(text).toContain(needle);
    }
    // The workspace holds real, readable site configs and catalog CSVs.
    expect(fs.readdirSync(path.join(workspace, 'crawlers')).sort()).toHaveLength(9);
    expect(fs.readFileSync(path.join(workspace, 'crawlers', 'megamarket.yaml'), 'utf8')).toContain(
      'authorized_sellers:',
    );
  });
});

describe('unauthorized sellers on a marketplace listing', () => {
  const draft = (offers: ObservationDraft['offers']): ObservationDraft => ({
    capturedAt: new Date('2026-06-01T12:00:00Z'),
    status: 'ok',
    reason: null,
    offer: offers![0]!,
    amountMinor: 34900,
    currency: 'USD',
    httpStatus: 200,
    finalUrl: 'https://market.example/dp/1',
    contentSha256: null,
    retryable: false,
    offers,
  });
  const judge = (d: ObservationDraft) =>
    compareToMap({
      observed: { amountMinor: d.amountMinor!, currency: d.currency!, capturedAt: d.capturedAt },
      listingPackSize: 1,
      productPackSize: 1,
      mapIncludesVat: false,
      mapPrices: [
        {
          currency: 'USD',
          mapMinor: 34900,
          listMinor: null,
          effectiveFrom: new Date('2020-01-01T00:00:00Z'),
          effectiveTo: null,
        },
      ],
      promos: [],
      tolerance: { absMinor: null, percent: null },
      severityBands: [{ name: 'low', minPercentBelow: 0 }],
    });
  const offer = (seller: string | undefined, amount: string, extra: object = {}) => ({
    amount,
    currency: 'USD',
    source: 'json-ld' as const,
    ...(seller ? { seller } : {}),
    ...extra,
  });

  it('names each seller the list does not contain, with its price and whether it is below MAP', () => {
    const d = draft([
      offer('MegaMarket Retail', '349'),
      offer('  megamarket   RETAIL ', '349'),
      offer('cheap-audio-outlet', '279'),
      offer('Gray Imports', '359'),
      offer(undefined, '200'),
    ]);
    const [f] = findUnauthorizedSellers(d, { authorized_sellers: ['MegaMarket Retail'] }, null, judge);
    expect(f!.kind).toBe('unauthorized_seller');
    expect(f!.detail.sellers).toEqual([
      {
        seller: 'cheap-audio-outlet',
        key: 'name:cheap-audio-outlet',
        amount: '279',
        currency: 'USD',
        below_map: true,
        percent_below: 20.06,
        map_minor: 34900,
      },
      {
        seller: 'Gray Imports',
        key: 'name:gray imports',
        amount: '359',
        currency: 'USD',
        below_map: false,
        percent_below: null,
        map_minor: 34900,
      },
    ]);
  });

  it('skips used offers, other products, and sites without a list', () => {
    const d = draft([
      offer('Used Guy', '100', { condition: 'used' }),
      offer('Other Product', '100', { gtin: '0850012345017' }),
    ]);
    expect(findUnauthorizedSellers(d, { authorized_sellers: ['MegaMarket Retail'] }, '0850012345024', judge)).toEqual(
      [],
    );
    expect(findUnauthorizedSellers(draft([offer('cheap-audio-outlet', '279')]), {}, null, judge)).toEqual([]);
  });
});
