/**
 * A case dismissed in the review app stays dismissed when the site is crawled again at the
 * same price (the dismissal holds for that price under that MAP), through the real check
 * pipeline against a local storefront; a marketplace seller the page names reaches the
 * case, and a "Wrong price?" made in the app holds the same way.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import { type Browser, call, startTestApp, type TestApp } from './support/app-server.js';
import { startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

function page(price: string, seller: string) {
  const ld = {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: 'Alpha Headphones',
    offers: { '@type': 'Offer', price, priceCurrency: 'USD', seller: { '@type': 'Organization', name: seller } },
  };
  return `<!doctype html><html><head><title>Alpha</title><script type="application/ld+json">${JSON.stringify(ld).replace(/</g, '\\u003c')}</script></head><body><h1>Alpha Headphones</h1><span class="price">$${price}</span></body></html>`;
}

describe('a case dismissed in the app stays dismissed after a re-crawl (pglite)', { timeout: 120_000 }, () => {
  let app: TestApp;
  let srv: TestServer;
  let crawlers: string;
  let lena: Browser;
  const seller = 'Deals <b>4U</b>';
  const crawl = () =>
    crawlNow(
      { db: app.h.db, policy: app.ctx.policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 } },
      loadSites(crawlers).sites,
      { concurrency: 1 },
    );
  const cases = () => app.h.db.selectFrom('cases').select(['id', 'status', 'seller']).orderBy('id').execute();

  beforeAll(async () => {
    app = await startTestApp('pglite');
    const u = await app.addUser('compliance', 'lena@brand.test');
    lena = await app.signIn(u.email, u.password);
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/alpha': { body: page('89.00', seller) },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nALPHA,Alpha Headphones\n',
      'resellers.csv': 'name\nTest Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nALPHA,USD,100.00,2020-01-01\n',
    });
    await importProducts(app.h.db, path.join(catalog, 'products.csv'));
    await importResellers(app.h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(app.h.db, path.join(catalog, 'map.csv'));
    crawlers = tmpDir({
      'test-shop.yaml': `reseller: Test Shop
domain: "${srv.host}"
currency: USD
rate_limit: { concurrency: 1, delay_ms: 0 }
recheck: { delay_ms: 10 }
listings:
  - { sku: ALPHA, url: "${srv.origin}/p/alpha" }
`,
    });
  });
  afterAll(async () => {
    await srv?.close();
    await app?.close();
  });

  it('dismiss in the app, crawl again: no new case; the seller the page named is on the case', async () => {
    expect((await crawl()).cases.opened).toBe(1);
    const [c] = await cases();
    expect(c).toMatchObject({ status: 'open', seller });
    const list = await call(app.url, `/cases?seller=${encodeURIComponent('deals <b>')}`, { as: lena });
    expect(list.body).toContain('seller: Deals &lt;b&gt;4U&lt;/b&gt;');
    const r = await call(app.url, `/cases/${c!.id}/dismiss`, {
      as: lena,
      form: { _csrf: lena.csrf, note: 'authorized marketplace partner' },
    });
    expect(r.status).toBe(303);
    const again = await crawl();
    expect(again.cases).toMatchObject({ opened: 0, dismissed: 1 });
    expect((await cases()).map((x) => x.status)).toEqual(['dismissed']);
    const shown = await call(app.url, `/cases/${c!.id}`, { as: lena });
    expect(shown.body).toContain('authorized marketplace partner');
  });

  it('a lower price opens a new case; "Wrong price?" dismisses it as a misread and it holds too', async () => {
    srv.routes.set('/p/alpha', { body: page('49.00', seller) });
    expect((await crawl()).cases.opened).toBe(1);
    const open = (await cases()).find((x) => x.status === 'open')!;
    const r = await call(app.url, `/cases/${open.id}/misread`, {
      as: lena,
      form: { _csrf: lena.csrf, price: '149.00', selector: '.price', note: 'bundle price picked' },
    });
    expect(r.headers.location).toBe(`/cases/${open.id}?done=misread`);
    expect((await crawl()).cases).toMatchObject({ opened: 0, dismissed: 1 });
    const m = await app.h.db.selectFrom('misreads').selectAll().executeTakeFirstOrThrow();
    expect(m).toMatchObject({ case_id: open.id, correct_minor: 14900, selector: '.price', by: 'lena@brand.test' });
    const token = await app.apiToken('lena@brand.test');
    const listed = await call(app.url, '/api/v1/misreads', { headers: { authorization: `Bearer ${token}` } });
    expect(JSON.parse(listed.body).items).toMatchObject([
      {
        caseId: open.id,
        readMinor: 4900,
        correctMinor: 14900,
        currency: 'USD',
        selector: '.price',
        note: 'bundle price picked',
      },
    ]);
  });
});
