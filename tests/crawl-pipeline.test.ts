/**
 * CSV import → crawl of pages served on 127.0.0.1 → observations and cases, on real
 * Postgres and on PGlite, through the same code the CLI runs.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { formatCases } from '../src/cli/print.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { listCases } from '../src/queries/list-cases.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const XSS = 'Widget <script>alert("x")</script><img src=x onerror=alert(1)>\u001b[31mRED';

describe.each(BACKENDS)('crawl pipeline on %s', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let crawlers: string;
  const policy = { ...loadPolicy({}), resolveAfter: 2 };

  const crawl = () =>
    crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
      },
      loadSites(crawlers).sites,
      {
        concurrency: 4,
      },
    );

  beforeAll(async () => {
    h = await openTestDb(backend);
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/violating': { body: productPage({ name: 'Alpha Headphones', price: '89.00', gtin: '0850012345017' }) },
      '/p/compliant': { body: productPage({ name: 'Beta Speaker', price: '120.00' }) },
      '/p/xss': { body: productPage({ name: XSS, price: '10.00' }) },
      '/p/blocked': { status: 403, body: '<html>Access denied</html>' },
      '/p/pdf': { body: '%PDF-1.4 fake', headers: { 'content-type': 'application/pdf' } },
      '/p/huge': { body: '<html><body>' + 'x'.repeat(10 * 1024 * 1024) + '</body></html>' },
      '/p/loop-a': { status: 302, headers: { location: '/p/loop-b' }, body: '' },
      '/p/loop-b': { status: 302, headers: { location: '/p/loop-a' }, body: '' },
      '/p/wrong-product': { body: productPage({ name: 'Something else', price: '5.00', gtin: '4006381333931' }) },
    });
    const catalog = tmpDir({
      'products.csv':
        'sku,name,gtin\nALPHA,Alpha Headphones,0850012345017\nBETA,Beta Speaker,\nXSS,Widget,\nGAMMA,Gamma,\nDELTA,Delta,\nEPS,Epsilon,\nZETA,Zeta,\nETA,Eta,0850012345024\n',
      'resellers.csv': 'name\nTest Shop\n',
      'map.csv':
        'sku,currency,map,effective_from\nALPHA,USD,100.00,2020-01-01\nBETA,USD,100.00,2020-01-01\nXSS,USD,50.00,2020-01-01\nGAMMA,USD,50.00,2020-01-01\nDELTA,USD,50.00,2020-01-01\nEPS,USD,50.00,2020-01-01\nZETA,USD,50.00,2020-01-01\nETA,USD,50.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    const u = (p: string) => `"${srv.origin}${p}"`;
    crawlers = tmpDir({
      'test-shop.yaml': `reseller: Test Shop
domain: "${srv.host}"
currency: USD
rate_limit: { concurrency: 4, delay_ms: 0 }
recheck: { delay_ms: 50 }
listings:
  - { sku: ALPHA, url: ${u('/p/violating')} }
  - { sku: BETA,  url: ${u('/p/compliant')} }
  - { sku: XSS,   url: ${u('/p/xss')} }
  - { sku: GAMMA, url: ${u('/p/blocked')} }
  - { sku: DELTA, url: ${u('/p/pdf')} }
  - { sku: EPS,   url: ${u('/p/huge')} }
  - { sku: ZETA,  url: ${u('/p/loop-a')} }
  - { sku: ETA,   url: ${u('/p/wrong-product')} }
`,
    });
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('opens cases only for trustworthy below-MAP reads and records every read with its status', async () => {
    const summary = await crawl();
    expect(summary.failures).toEqual([]);
    const bySku = Object.fromEntries(summary.results.map((r) => [r.sku, r]));
    expect(bySku.ALPHA!.verdict).toMatchObject({
      kind: 'violation',
      mapMinor: 10000,
      normalizedMinor: 8900,
      percentBelow: 11,
      severity: 'medium',
    });
    expect(bySku.BETA!.verdict).toMatchObject({ kind: 'compliant' });
    expect(bySku.GAMMA!.draft).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/403/) });
    expect(bySku.DELTA!.draft).toMatchObject({ status: 'error', reason: expect.stringMatching(/not_html/) });
    expect(bySku.EPS!.draft).toMatchObject({ status: 'error', reason: expect.stringMatching(/too_large/) });
    expect(bySku.ZETA!.draft).toMatchObject({ status: 'error', reason: expect.stringMatching(/redirect/) });
    expect(bySku.ETA!.draft).toMatchObject({ status: 'ambiguous', reason: expect.stringMatching(/GTIN/) });
    expect(summary.cases).toEqual({ opened: 2, updated: 0, resolved: 0, suppressed: 0 }); // ALPHA and XSS

    // 8 listings read once, plus the re-check read of the two that would open a case
    const obs = await h.db.selectFrom('observations').select(['status']).execute();
    expect(obs).toHaveLength(10);
    expect(await h.db.selectFrom('rechecks').select('agreed').execute()).toEqual([{ agreed: true }, { agreed: true }]);
    const open = await listCases(h.db, { status: 'open' });
    expect(open.map((c) => c.sku).sort()).toEqual(['ALPHA', 'XSS']);
  });

  it('stores a hostile product name verbatim and prints it inert', async () => {
    const row = await h.db
      .selectFrom('observations as o')
      .innerJoin('listings as l', 'l.id', 'o.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .where('p.sku', '=', 'XSS')
      .select('o.product_name')
      .executeTakeFirstOrThrow();
    expect(row.product_name).toBe(XSS); // data is kept as read: evidence must not be altered
    const cases = await listCases(h.db, { status: 'open' });
    const printed = formatCases(cases.map((c) => ({ ...c, reseller: c.pageProductName ?? c.reseller })));
    expect(printed).not.toContain('\u001b');
    expect(JSON.parse(JSON.stringify(cases)).find((c: { sku: string }) => c.sku === 'XSS').pageProductName).toBe(XSS);
  });

  it('updates the open case, ignores untrustworthy reads, and resolves after N clean reads', async () => {
    // Lower still: same case updated, severity escalates.
    srv.routes.set('/p/violating', {
      body: productPage({ name: 'Alpha Headphones', price: '80.00', gtin: '0850012345017' }),
    });
    let s = await crawl();
    expect(s.cases.opened).toBe(0);
    let [alpha] = (await listCases(h.db, { status: 'open' })).filter((c) => c.sku === 'ALPHA');
    expect(alpha).toMatchObject({ lowestMinor: 8000, lastMinor: 8000, severity: 'high', observations: 2 });

    // A blocked read neither resolves nor updates the price.
    srv.routes.set('/p/violating', { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' });
    await crawl();
    [alpha] = (await listCases(h.db, { status: 'open' })).filter((c) => c.sku === 'ALPHA');
    expect(alpha).toMatchObject({ lastMinor: 8000, status: 'open' });

    // Back at MAP: one clean read is not enough, the second resolves.
    srv.routes.set('/p/violating', {
      body: productPage({ name: 'Alpha Headphones', price: '100.00', gtin: '0850012345017' }),
    });
    s = await crawl();
    expect(s.cases.resolved).toBe(0);
    s = await crawl();
    expect(s.cases.resolved).toBe(1);
    const resolved = (await listCases(h.db, { status: 'resolved' })).find((c) => c.sku === 'ALPHA')!;
    expect(resolved.lowestMinor).toBe(8000);
    const events = await h.db
      .selectFrom('case_events')
      .select('kind')
      .where('case_id', '=', resolved.id)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.kind)).toEqual([
      'opened',
      'observed',
      'severity_changed',
      'observed',
      'observed',
      'observed',
      'resolved',
    ]);

    // A new violation after resolution opens a new case: never two open at once.
    srv.routes.set('/p/violating', {
      body: productPage({ name: 'Alpha Headphones', price: '70.00', gtin: '0850012345017' }),
    });
    s = await crawl();
    expect(s.cases.opened).toBe(1);
    const all = (await listCases(h.db)).filter((c) => c.sku === 'ALPHA');
    expect(all.map((c) => c.status).sort()).toEqual(['open', 'resolved']);
  });

  it('records but does not open cases while the site is suppressed, and reports case changes inside the transaction', async () => {
    srv.routes.set('/p/compliant', { body: productPage({ name: 'Beta Speaker', price: '60.00' }) });
    const seen: string[] = [];
    const only = loadSites(crawlers).sites;
    const s = await crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'] },
        isSuppressed: () => true,
        onCaseChange: async (trx, change) => {
          // runs in the same transaction: the observation is visible here
          const o = await trx
            .selectFrom('observations')
            .select('id')
            .where('id', '=', change.observationId)
            .executeTakeFirst();
          seen.push(`${change.outcome.action}:${o ? 'visible' : 'missing'}`);
        },
      },
      only,
    );
    expect(s.results.find((r) => r.sku === 'BETA')!.outcome).toEqual({
      action: 'suppressed',
      reason: expect.any(String),
    });
    expect((await listCases(h.db, { status: 'open' })).some((c) => c.sku === 'BETA')).toBe(false);
    expect(seen).toContain('suppressed:visible');
    expect(seen).toContain('updated:visible'); // ALPHA's open case is still updated
  });
});
