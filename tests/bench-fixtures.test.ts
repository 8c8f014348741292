/**
 * The benchmark's fixture storefronts and the crawl order they exposed: pages on many
 * loopback domains that every benchmark variant reads the same price from, and crawlNow
 * visiting sites round-robin so one site's politeness gate doesn't hold up the others.
 */
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centsOf, fixtureListings, type FixtureStores, serveFixtureStores } from '../bench/support/fixture-stores.js';
import { formatTable } from '../bench/support/measure.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { DEMO_PRODUCTS } from '../src/demo/storefronts/catalog.js';
import { extractOffers } from '../src/extract/extract-offers.js';
import { toMinorUnits } from '../src/normalize/currency.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { type Fetcher, fetchPage } from '../src/fetch/fetch-page.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';

let stores: FixtureStores;
beforeAll(async () => {
  stores = await serveFixtureStores(3);
});
afterAll(async () => {
  await stores?.close();
});

describe('benchmark fixture stores', () => {
  it('serve each domain on its own loopback address, with the JSON-LD, visible and XHR prices all equal to the listed price', async () => {
    expect(new Set(stores.origins.map((o) => new URL(o).hostname)).size).toBe(3);
    const listings = fixtureListings(stores.origins, 2, 'static');
    expect(listings.map((l) => l.domain)).toEqual([0, 1, 2, 0, 1, 2]); // round-robin
    for (const l of listings) {
      const html = await (await fetch(l.url)).text();
      const primary = extractOffers(html, { url: l.url }).primary;
      expect(primary?.source).toBe('json-ld');
      expect(toMinorUnits(primary!.amount, primary!.currency)).toBe(l.priceMinor);
      const $ = load(html);
      expect(centsOf($('.product-price').text())).toBe(l.priceMinor);
      // Related products show lower prices on the same page; they must not be the primary.
      const related = $('.related .price')
        .map((_, e) => centsOf($(e).text()))
        .get();
      expect(related).toHaveLength(4);
      expect(Math.min(...related)).toBeLessThan(l.priceMinor);
    }
    const spa = fixtureListings(stores.origins, 1, 'spa')[1]!;
    expect(await (await fetch(spa.url)).text()).not.toContain(String(spa.priceMinor / 100));
    const api = (await (await fetch(spa.url.replace('/spa/', '/api/price/'))).json()) as { price: string };
    expect(centsOf(api.price)).toBe(spa.priceMinor);
  });

  it('formats a table with aligned columns', () => {
    const t = formatTable(
      'T',
      ['variant', 'checks/s'],
      [
        ['raw', '100.0'],
        ['mapwatch', '9.5'],
      ],
    ).split('\n');
    expect(t).toEqual(['T', 'variant   checks/s', '--------  --------', 'raw          100.0', 'mapwatch       9.5']);
  });
});

describe.each(BACKENDS)('crawlNow order on %s', (backend) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('takes listings round-robin across sites, so every domain is busy from the start', async () => {
    await h.db
      .insertInto('products')
      .values(DEMO_PRODUCTS.map((p) => ({ sku: p.sku, name: p.name, gtin: p.gtin })))
      .execute();
    await h.db
      .insertInto('resellers')
      .values([{ name: 'R0' }, { name: 'R1' }, { name: 'R2' }])
      .execute();
    const listings = fixtureListings(stores.origins, 3, 'static');
    const dir = tmpDir();
    stores.origins.forEach((o, d) => {
      const mine = listings.filter((l) => l.domain === d);
      fs.writeFileSync(
        path.join(dir, `s${d}.yaml`),
        `reseller: R${d}\ndomain: "${new URL(o).host}"\ncurrency: USD\nrate_limit: { concurrency: 1, delay_ms: 0 }\nlistings:\n${mine.map((l) => `  - { sku: ${l.sku}, url: "${l.url}" }`).join('\n')}\n`,
      );
    });
    // One read at a time: the pages are read in task order (read-slots.ts); the results come
    // back as their rows are written, so they are compared by URL.
    const fetched: string[] = [];
    const fetcher: Fetcher = (url, o) => (fetched.push(url), fetchPage(url, o));
    const summary = await crawlNow(
      { db: h.db, policy: loadPolicy({}), fetchOptions: { allowPrivate: ['127.0.0.0/8'] }, fetcher },
      loadSites(dir).sites,
      { concurrency: 1 },
    );
    expect(summary.failures).toEqual([]);
    const siteOf = (url: string) => `s${stores.origins.findIndex((o) => url.startsWith(o))}`;
    expect(fetched.map(siteOf)).toEqual(['s0', 's1', 's2', 's0', 's1', 's2', 's0', 's1', 's2']);
    expect(fetched).toEqual(listings.map((l) => l.url));
    const priceOf = new Map(listings.map((l) => [l.url, l.priceMinor]));
    expect(summary.results.map((r) => r.draft.amountMinor)).toEqual(summary.results.map((r) => priceOf.get(r.url)));
    expect(summary.results.map((r) => r.url).sort()).toEqual(listings.map((l) => l.url).sort());

    // A long sweep keeps no results, only counts: each result goes to onResult as it comes.
    const streamed: string[] = [];
    const counted = await crawlNow(
      { db: h.db, policy: loadPolicy({}), fetchOptions: { allowPrivate: ['127.0.0.0/8'] } },
      loadSites(dir).sites,
      { concurrency: 1, keepResults: false, onResult: (r) => streamed.push(`${r.site} ${r.draft.amountMinor}`) },
    );
    expect(counted.results).toEqual([]);
    expect(streamed.sort()).toEqual(summary.results.map((r) => `${r.site} ${r.draft.amountMinor}`).sort());
    expect({ checked: counted.checked, byStatus: counted.byStatus, failures: counted.failures }).toEqual({
      checked: 9,
      byStatus: summary.byStatus,
      failures: [],
    });
  });
});
