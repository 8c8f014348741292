/**
 * Browser reads against real Chromium on 127.0.0.1 pages: an XHR-built price, a price only
 * in the cart, a variant that must be selected, a price that changes between the two reads
 * (no case), the evasion finding, and a render: browser site without a browser.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { HAS_POSTGRES, openTestDb } from './support/db.js';
import { startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const page = (body: string, script = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>p</title></head><body>${body}<script>${script}</script></body></html>`;

// Skipped only when no PostgreSQL server answers (a fresh machine): this file runs on the
// server leg alone, while the browser path on the embedded database is covered by the demo
// test. CI sets MAPWATCH_REQUIRE_SERVERS=1, so there a missing server fails instead.
describe.skipIf(!HAS_POSTGRES)('browser reads and the re-check (postgres)', () => {
  let h: DbHandle;
  let srv: TestServer;
  let pool: BrowserPool;
  let crawlers: string;
  let flipHits = 0;
  const policy = { ...loadPolicy({}), resolveAfter: 2 };

  beforeAll(async () => {
    h = await openTestDb('postgres');
    pool = new BrowserPool({ restartAfter: 3 });
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      // The price arrives by XHR well after load.
      '/p/xhr': {
        body: page(
          '<h1>Xhr Amp</h1><span class="price">loading…</span>',
          `setTimeout(()=>fetch('/api/price').then(r=>r.json()).then(j=>{document.querySelector('.price').textContent='$'+j.price}),300)`,
        ),
      },
      '/api/price': { body: JSON.stringify({ price: '79.00' }), headers: { 'content-type': 'application/json' } },
      // The price is only shown in the cart; the product page says so.
      '/p/cart': {
        body: page(
          '<h1>Cart Amp</h1><p>Price too low to show. See price in cart.</p><button id="add">Add to cart</button>',
          `document.getElementById('add').onclick=()=>fetch('/cart/add',{method:'POST'}).then(()=>{document.body.dataset.added='1'})`,
        ),
      },
      '/cart/add': { body: 'ok', headers: { 'content-type': 'text/plain' } },
      '/cart': {
        body: page(
          '<h1>Your cart</h1><table><tr><td>Cart Amp</td><td><span class="price">$70.00</span></td></tr></table>',
        ),
      },
      // Two variants on one page; the MAP-covered one is "large".
      '/p/variant': {
        body: page(
          '<h1>Variant Amp</h1><select id="v"><option value="small">Small</option><option value="large">Large</option></select><span class="price">$60.00</span>',
          `document.getElementById('v').onchange=e=>{document.querySelector('.price').textContent=e.target.value==='large'?'$95.00':'$60.00'}`,
        ),
      },
      // Cheap on the first read, back at MAP on the second.
      '/p/flip': (_req, res) => {
        flipHits++;
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(page(`<h1>Flip Amp</h1><span class="price">$${flipHits === 1 ? '80.00' : '120.00'}</span>`));
      },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nXHR,Xhr Amp\nCART,Cart Amp\nVAR-L,Variant Amp Large\nFLIP,Flip Amp\n',
      'resellers.csv': 'name\nScript Shop\n',
      'map.csv':
        'sku,currency,map,effective_from\nXHR,USD,100.00,2020-01-01\nCART,USD,100.00,2020-01-01\nVAR-L,USD,100.00,2020-01-01\nFLIP,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    const u = (p: string) => `"${srv.origin}${p}"`;
    const common = `reseller: Script Shop\ndomain: "${srv.host}"\ncurrency: USD\nrender: browser\nrate_limit: { concurrency: 4, delay_ms: 0 }\nrecheck: { delay_ms: 100 }\nselectors: { price: ".price" }\n`;
    crawlers = tmpDir({
      'xhr.yaml': `${common}listings:\n  - { sku: XHR, url: ${u('/p/xhr')} }\n  - { sku: FLIP, url: ${u('/p/flip')} }\n`,
      'cart.yaml': `${common}browser:\n  steps:\n    - add_to_cart: "#add"\n    - open_cart: /cart\nlistings:\n  - { sku: CART, url: ${u('/p/cart')} }\n`,
      'variant.yaml': `${common}browser:\n  steps:\n    - select: "#v"\n      option: Large\nlistings:\n  - { sku: VAR-L, url: ${u('/p/variant')} }\n`,
    });
  });
  afterAll(async () => {
    await pool?.close();
    await srv?.close();
    await h?.close();
  });

  it('reads script-built prices, cart prices and the selected variant, and confirms each before opening a case', async () => {
    const summary = await crawlNow(
      {
        db: h.db,
        policy,
        browser: pool,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
      },
      loadSites(crawlers).sites,
      {
        concurrency: 2,
      },
    );
    expect(summary.failures).toEqual([]);
    const bySku = Object.fromEntries(summary.results.map((r) => [r.sku, r]));
    expect(bySku.XHR!.draft).toMatchObject({ status: 'ok', amountMinor: 7900, currency: 'USD' });
    expect(bySku.CART!.draft).toMatchObject({ status: 'ok', amountMinor: 7000 });
    expect(bySku['VAR-L']!.draft).toMatchObject({ status: 'ok', amountMinor: 9500 });
    for (const sku of ['XHR', 'CART', 'VAR-L']) {
      expect(bySku[sku]!.recheck).toMatchObject({ agreed: true });
      expect(bySku[sku]!.outcome.action).toBe('opened');
    }
    // The evasion text is a finding of its own, and the steps revealed the price behind it.
    expect(bySku.CART!.findings).toEqual([
      {
        kind: 'map_evasion',
        detail: { phrases: ['see price in cart', 'price too low to show'], revealed_by_steps: true },
      },
    ]);
    const findings = await h.db.selectFrom('findings').select(['kind', 'detail']).execute();
    expect(findings.map((f) => f.kind)).toEqual(['map_evasion', 'map_evasion']); // first read and the re-check
    // The price changed between the reads: both observations stored, a disagreement recorded, no case.
    expect(bySku.FLIP!.recheck).toMatchObject({ agreed: false });
    expect(bySku.FLIP!.outcome).toEqual({ action: 'none' });
    const flipListing = await h.db
      .selectFrom('listings')
      .select('id')
      .where('url', '=', `${srv.origin}/p/flip`)
      .executeTakeFirstOrThrow();
    const obs = await h.db
      .selectFrom('observations')
      .select(['id', 'amount_minor'])
      .where('listing_id', '=', flipListing.id)
      .orderBy('id')
      .execute();
    expect(obs.map((o) => o.amount_minor)).toEqual([8000, 12000]);
    const rc = await h.db
      .selectFrom('rechecks')
      .selectAll()
      .where('listing_id', '=', flipListing.id)
      .executeTakeFirstOrThrow();
    expect(rc).toMatchObject({ agreed: false, first_observation_id: obs[0]!.id, second_observation_id: obs[1]!.id });
    expect(await h.db.selectFrom('cases').select('id').where('listing_id', '=', flipListing.id).execute()).toEqual([]);
    const rates = await h.db.selectFrom('rechecks').select(['agreed']).execute();
    expect(rates.filter((r) => r.agreed).length).toBe(3);
    // 8 pages on a pool restarted every 3 contexts.
    expect(pool.launches).toBeGreaterThanOrEqual(3);
  });

  it('an open case updated at the same severity needs no re-check', async () => {
    const before = await h.db.selectFrom('rechecks').select('id').execute();
    const sites = loadSites(crawlers).sites.filter((s) => s.name === 'xhr');
    const summary = await crawlNow(
      {
        db: h.db,
        policy,
        browser: pool,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
      },
      sites,
    );
    const xhr = summary.results.find((r) => r.sku === 'XHR')!;
    expect(xhr.outcome.action).toBe('updated');
    expect(xhr.recheck).toBeUndefined();
    // FLIP now reads 120.00: compliant, no case, no re-check either.
    expect((await h.db.selectFrom('rechecks').select('id').execute()).length).toBe(before.length);
  });

  it('records a render: browser listing as error with the reason when no browser is available', async () => {
    const sites = loadSites(crawlers).sites.filter((s) => s.name === 'variant');
    const summary = await crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'] },
      },
      sites,
    );
    expect(summary.results[0]!.draft).toMatchObject({ status: 'error' });
    expect(summary.results[0]!.draft.reason).toMatch(/needs a browser.*playwright install chromium/);
  });

  it('refuses browser navigation to a private address that is not allow-listed', async () => {
    const sites = loadSites(crawlers).sites.filter((s) => s.name === 'variant');
    const summary = await crawlNow({ db: h.db, policy, browser: pool, fetchOptions: { allowPrivate: [] } }, sites);
    expect(summary.results[0]!.draft.status).toBe('error');
    expect(summary.results[0]!.draft.reason).toMatch(/^private_address: .*127\.0\.0\.1/);
  });
});
