/**
 * A sweep reads its listings from the database a page at a time (issue 15, goal 6: flat memory),
 * and still visits every active listing exactly once, in round-robin order across its sites (so
 * one site's politeness gate never holds up the others), whatever the page size; the open-case
 * prefetch is fed each page's ids in task order and keeps only the latest positions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureListings,
  fixturePriceOf,
  type FixtureStores,
  serveFixtureStores,
} from '../bench/support/fixture-stores.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { type Fetcher, fetchPage } from '../src/fetch/fetch-page.js';
import { countActiveListings, pageListings } from '../src/check/page-listings.js';
import { OpenCasePrefetch } from '../src/check/prefetch-open-cases.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import { syncSiteFiles } from '../src/config/sync-site-files.js';
import type { DbHandle } from '../src/db/connect.js';
import { DEMO_PRODUCTS } from '../src/demo/storefronts/catalog.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';

/** Listings per site: unequal, so sites drop out of the rounds at different pages. */
const PER_SITE = [5, 2, 4];

let stores: FixtureStores;
beforeAll(async () => {
  stores = await serveFixtureStores(PER_SITE.length);
});
afterAll(async () => {
  await stores?.close();
});

/** The expected order: the first listing of every site, then the second, … (site by file order). */
function roundRobin(urlsBySite: string[][]): string[] {
  const out: string[] = [];
  for (let round = 0; round < Math.max(...urlsBySite.map((u) => u.length)); round++)
    for (const urls of urlsBySite) if (round < urls.length) out.push(urls[round]!);
  return out;
}

describe.each(BACKENDS)('a paged sweep on %s', (backend) => {
  let h: DbHandle;
  let dir: string;
  let urlsBySite: string[][];
  const ctx = () => ({ db: h.db, policy: loadPolicy({}), fetchOptions: { allowPrivate: ['127.0.0.0/8'] } });

  beforeAll(async () => {
    h = await openTestDb(backend);
    await h.db
      .insertInto('products')
      .values(DEMO_PRODUCTS.map((p) => ({ sku: p.sku, name: p.name, gtin: p.gtin })))
      .execute();
    const products = await h.db.selectFrom('products').select(['id', 'sku']).execute();
    await h.db
      .insertInto('map_prices')
      .values(
        DEMO_PRODUCTS.map((p) => ({
          product_id: products.find((r) => r.sku === p.sku)!.id,
          currency: 'USD',
          map_minor: Math.round(Number(p.mapUsd) * 100),
          effective_from: new Date('2025-01-01T00:00:00Z'),
        })),
      )
      .execute();
    await h.db
      .insertInto('resellers')
      .values(PER_SITE.map((_, d) => ({ name: `R${d}` })))
      .execute();
    dir = tmpDir();
    urlsBySite = stores.origins.map((o, d) => {
      const mine = fixtureListings([o], PER_SITE[d]!, 'static');
      fs.writeFileSync(
        path.join(dir, `s${d}.yaml`),
        `reseller: R${d}\ndomain: "${new URL(o).host}"\ncurrency: USD\nrate_limit: { concurrency: 1, delay_ms: 0 }\nlistings:\n${mine.map((l) => `  - { sku: ${l.sku}, url: "${l.url}" }`).join('\n')}\n`,
      );
      return mine.map((l) => l.url);
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('visits every listing once, round-robin, over more listings than a page holds', async () => {
    const expected = roundRobin(urlsBySite);
    expect(expected).toHaveLength(11);
    const price = fixturePriceOf(stores.origins);
    for (const pageSize of [1, 2, 4, 1000]) {
      const fetched: string[] = [];
      const fetcher: Fetcher = (url, o) => (fetched.push(url), fetchPage(url, o));
      const summary = await crawlNow({ ...ctx(), fetcher }, loadSites(dir).sites, { concurrency: 1, pageSize });
      expect(summary.failures).toEqual([]);
      // One read at a time, in task order: each check's place in line is taken with its listing
      // (read-slots.ts), whatever order the checks' lookups before the read finish in. Results
      // come back as their writes finish.
      expect(fetched).toEqual(expected);
      expect(summary.results.map((r) => r.url).sort()).toEqual([...expected].sort());
      expect(summary.results.map((r) => r.draft.amountMinor)).toEqual(summary.results.map((r) => price(r.url)));
      expect(summary.results.every((r) => r.verdict?.kind === 'compliant')).toBe(true);
    }
    // Several workers: the same listings, each once (in completion order).
    const wide = await crawlNow(ctx(), loadSites(dir).sites, { concurrency: 4, pageSize: 3 });
    expect(wide.results.map((r) => r.url).sort()).toEqual([...expected].sort());
    expect(wide.checked).toBe(11);
  });

  it('pages by site and id: each page at most a round per site beyond the page size, an inactive listing never read', async () => {
    const { sites } = await syncSiteFiles(dir, { db: async () => h.db });
    // Kept without their listings: the sweep reads them back from the database.
    expect(sites.map((s) => [s.site.name, s.site.listings.length, s.site.config.listings.length])).toEqual([
      ['s0', 0, 0],
      ['s1', 0, 0],
      ['s2', 0, 0],
    ]);
    const ids = sites.map((s) => s.id);
    const pages: string[][] = [];
    for await (const page of pageListings(h.db, ids, { pageSize: 4 })) pages.push(page.map((l) => l.url));
    // k = ceil(4 / sites left): rounds 0–1 of all three, rounds 2–3 of s0 and s2, round 4 of s0.
    expect(pages.map((p) => p.length)).toEqual([6, 4, 1]);
    expect(pages.flat()).toEqual(roundRobin(urlsBySite));

    const dropped = urlsBySite[2]![1]!;
    await h.db.updateTable('listings').set({ active: false }).where('url', '=', dropped).execute();
    const left: string[] = [];
    for await (const page of pageListings(h.db, [...ids, ids[0]!], { pageSize: 2 }))
      left.push(...page.map((l) => l.url));
    expect(left).toEqual(roundRobin([urlsBySite[0]!, urlsBySite[1]!, urlsBySite[2]!.filter((u) => u !== dropped)]));
    expect((await countActiveListings(h.db, ids)).total).toBe(10);
    await h.db.updateTable('listings').set({ active: true }).where('url', '=', dropped).execute();
  });

  it('the open-case prefetch takes pages as they come and forgets positions past `retain`', async () => {
    const rows = await h.db.selectFrom('listings').select('id').orderBy('id').execute();
    const ids = rows.map((r) => r.id);
    const p = new OpenCasePrefetch(h.db, [], { window: 2, retain: 6, maxAgeMs: 60_000 });
    p.append(ids.slice(0, 3));
    expect(await p.get(ids[2]!)).toBeUndefined(); // window 1 read with one id so far
    expect(p.stats.statements).toBe(1);
    p.append(ids.slice(3, 8));
    // Window 1 gained a listing since it was read: read again, with both.
    expect(await p.get(ids[3]!)).toBeUndefined();
    expect(p.stats.statements).toBe(2);
    // Positions 0–1 fell out of the last six (whole windows go): asked for on their own.
    expect(await p.get(ids[0]!)).toBeUndefined();
    expect(p.stats.statements).toBe(3);
    expect(await p.get(ids[6]!)).toBeUndefined();
    expect(await p.get(ids[7]!)).toBeUndefined();
    expect(p.stats.statements).toBe(4);
  });
});
