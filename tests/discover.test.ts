/**
 * Discovery end to end against a local storefront (tests/support/discovery-store.ts): a
 * sitemap index with gzipped children, Shopify products.json, a site search; resumed runs;
 * catalog matching with its precision and recall (no wrong automatic match, ever); review;
 * and listings that appear, move and disappear.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSiteFile, type LoadedSite } from '../src/config/load-sites.js';
import { syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { checkDigit, gtin14 } from '../src/normalize/gtin.js';
import { reviewMatch } from '../src/discover/review-match.js';
import { runDiscovery, type DiscoverySummary } from '../src/discover/run-discovery.js';
import { titleSimilarity } from '../src/normalize/similarity.js';
import { listListingChanges, listReviewItems } from '../src/queries/list-discovered.js';
import { openTestDb, POSTGRES_URL } from './support/db.js';
import { type DiscoveryStore, productsCsv, startDiscoveryStore } from './support/discovery-store.js';
import { tmpDir } from './support/tmp.js';

describe('GTIN and title keys', () => {
  it('normalises GTIN-8/12/13/14 to GTIN-14 and refuses a wrong check digit', () => {
    expect(gtin14('4006381333931')).toBe('04006381333931');
    expect(gtin14('036000291452')).toBe('00036000291452'); // UPC-A
    expect(gtin14('00036000291452')).toBe('00036000291452');
    expect(gtin14('4006381333932')).toBeNull(); // check digit off by one
    expect(gtin14('0850012345017')).toBeNull(); // a made-up GTIN (the demo catalog's, before they were fixed) fails it too
    expect(gtin14('96385074')).toBe('00000096385074'); // GTIN-8
    expect(gtin14('12345')).toBeNull();
    expect(checkDigit('400638133393')).toBe(1); // GTIN-13 4006381333931
  });

  it('keeps sibling models apart whatever else their titles share', () => {
    expect(
      titleSimilarity('Northwind HP-100 Wireless Headphones', 'Northwind HP-100 Wireless Headphones - Black'),
    ).toBeGreaterThan(0.7);
    expect(
      titleSimilarity('Northwind HP-100 Wireless Headphones', 'Northwind HP-200 Wireless Headphones'),
    ).toBeLessThanOrEqual(0.5);
  });
});

const ROOT = path.resolve(import.meta.dirname, '..');

/** The CLI as a user runs it, without blocking this process (its storefront must keep answering). */
function mapwatch(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, MAPWATCH_DEBUG: '', ...env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('discovery on a storefront', { timeout: 120_000 }, () => {
  let h: DbHandle;
  let store: DiscoveryStore;
  let site: LoadedSite;
  let siteId: number;
  let configDir: string;
  const runs: DiscoverySummary[] = [];
  const ctx = () => ({ db: h.db, fetchOptions: { allowPrivate: ['127.0.0.1'] } });

  beforeAll(async () => {
    h = await openTestDb('postgres');
    store = await startDiscoveryStore();
    const dir = tmpDir({ 'products.csv': productsCsv(), 'resellers.csv': 'name\nTest Shop\n' });
    await importProducts(h.db, path.join(dir, 'products.csv'));
    await importResellers(h.db, path.join(dir, 'resellers.csv'));
    configDir = dir;
    const file = path.join(dir, 'shop.yaml');
    fs.writeFileSync(
      file,
      `reseller: Test Shop
domain: "${store.server.host}"
currency: USD
rate_limit: { concurrency: 2, delay_ms: 10 }
discover:
  base_url: "${store.server.origin}"
  shopify: true
  search: "/search?q={gtin}"
  url_pattern: "/(p|products|item)/"
  max_pages: 20
`,
    );
    const loaded = loadSiteFile(file);
    expect(loaded.problems).toEqual([]);
    site = loaded.site!;
    siteId = (await syncSites(h.db, [site]))[0]!.id;
  });
  afterAll(async () => {
    await store?.server.close();
    await h?.close();
  });

  it('stops at the page budget and resumes where it stopped', async () => {
    runs.push(await runDiscovery(ctx(), { siteId, site }));
    expect(runs[0]!.pagesRead).toBe(20);
    expect(runs[0]!.pendingLeft).toBeGreaterThan(0);
    expect(store.server.hits.get('/sitemaps/products-2.xml.gz')).toBe(1);
    runs.push(await runDiscovery(ctx(), { siteId, site, maxPages: 500 }));
    expect(runs[1]!.pendingLeft).toBe(0);
    // Every page was read once: the second run read only what the first left.
    for (const p of store.pages) expect(store.server.hits.get(p.path), p.path).toBe(1);
    // All three sources contributed: the sitemap, products.json, and search (GTIN-14 pages are in no sitemap).
    const sources = await h.db.selectFrom('discovered_pages').select(['url', 'source']).execute();
    expect(new Set(sources.map((s) => s.source))).toEqual(new Set(['sitemap', 'shopify', 'search']));
    expect(sources.length).toBe(store.pages.length);
  });

  it('matches with precision 1.0: no wrong automatic match', async () => {
    const rows = await h.db
      .selectFrom('discovered_pages as d')
      .leftJoin('products as p', 'p.id', 'd.product_id')
      .select(['d.url', 'd.state', 'd.match_method', 'd.confidence', 'p.sku', 'd.listing_id'])
      .execute();
    const truthOf = (url: string) => store.truth.get(new URL(url).pathname);
    const auto = rows.filter((r) => r.state === 'matched');
    const review = rows.filter((r) => r.state === 'review');
    const wrongAuto = auto.filter((r) => r.sku !== truthOf(r.url));
    expect(wrongAuto).toEqual([]);
    const matchable = rows.filter((r) => truthOf(r.url));
    const autoRecall = auto.length / matchable.length;
    const reviewRight = review.filter((r) => r.sku === truthOf(r.url)).length;
    const recall = (auto.length + reviewRight) / matchable.length;
    console.log(
      `matching: ${rows.length} pages, ${matchable.length} of catalog products; auto ${auto.length} (precision ${(1 - wrongAuto.length / auto.length).toFixed(2)}, recall ${autoRecall.toFixed(2)}); review ${review.length} (${reviewRight} suggest the right product); recall with review ${recall.toFixed(2)}`,
    );
    expect(autoRecall).toBeGreaterThanOrEqual(0.7);
    expect(recall).toBe(1);
    // Every automatic match is a listing; traps never are.
    for (const r of auto) expect(r.listing_id).not.toBeNull();
    const byPath = new Map(rows.map((r) => [new URL(r.url).pathname, r]));
    expect(byPath.get('/p/acme-headphones')!.state).toBe('review'); // OEM GTIN, other brand
    expect(byPath.get('/p/ear-pads')!.state).not.toBe('matched'); // "replacement for" the OEM part
    expect(byPath.get('/p/hp-999')!.state).toBe('unmatched'); // sibling model not in the catalog
    expect(byPath.get('/p/typo-gtin')!.state).toBe('review'); // wrong check digit: title only
    expect(byPath.get('/p/mpn-no-brand')!.state).toBe('review');
    for (let i = 0; i < 8; i++) expect(byPath.get(`/p/contoso-${i}`)!.state).toBe('unmatched');
    const methods = new Set(auto.map((r) => r.match_method));
    expect(methods).toEqual(new Set(['gtin', 'mpn_brand']));
  });

  it('reviews: the queue says why, and approve/reject record who decided', async () => {
    const items = await listReviewItems(h.db, { site: site.name });
    const acme = items.find((i) => i.url.endsWith('/p/acme-headphones'))!;
    expect(acme.reason).toMatch(/page brand "Acme" is not the catalog's "Northwind"/);
    const near = items.find((i) => i.url.endsWith('/item/23'))!;
    expect(near.method).toBe('title');
    const actor = { who: 'pat', role: 'pricing_manager' as const };
    const ok = await reviewMatch(h.db, { pageId: near.id, decision: 'approve', actor });
    expect(ok).toMatchObject({ state: 'matched', sku: near.sku });
    const no = await reviewMatch(h.db, { pageId: acme.id, decision: 'reject', actor });
    expect(no.state).toBe('rejected');
    const stored = await h.db
      .selectFrom('discovered_pages')
      .select(['reviewed_by', 'state'])
      .where('id', 'in', [near.id, acme.id])
      .execute();
    expect(stored.map((s) => s.reviewed_by)).toEqual(['pat (pricing_manager)', 'pat (pricing_manager)']);
    await expect(reviewMatch(h.db, { pageId: acme.id, decision: 'approve', actor })).rejects.toThrow(
      /rejected, not waiting/,
    );
    await expect(
      reviewMatch(h.db, { pageId: near.id, decision: 'reject', actor: { who: 'v', role: 'viewer' } }),
    ).rejects.toThrow(/viewer/);
  });

  it('tracks new, moved and gone listings and reports each once', async () => {
    const first = await listListingChanges(h.db, { site: site.name, markReported: true });
    expect(first.every((c) => c.change === 'new')).toBe(true);
    expect(first.length).toBeGreaterThan(20);
    expect(await listListingChanges(h.db, { site: site.name })).toEqual([]);

    store.change();
    const moving = await h.db
      .selectFrom('discovered_pages')
      .select('listing_id')
      .where('url', 'like', '%/products/moving-amp')
      .executeTakeFirstOrThrow();
    runs.push(await runDiscovery(ctx(), { siteId, site, maxPages: 500 }));
    const changes = await listListingChanges(h.db, { site: site.name, markReported: true });
    expect(changes.map((c) => [c.change, new URL(c.url).pathname])).toEqual(
      expect.arrayContaining([
        ['moved', '/products/moving-amp'],
        ['gone', '/products/leaving-dac'],
      ]),
    );
    expect(changes).toHaveLength(2);
    // The moved listing keeps its id (and history) at its new address; the gone one is inactive.
    const l = await h.db
      .selectFrom('listings')
      .select(['url', 'active', 'discovered'])
      .where('id', '=', moving.listing_id!)
      .executeTakeFirstOrThrow();
    expect(l).toEqual({ url: `${store.server.origin}/products/amp-moved`, active: true, discovered: true });
    const gone = await h.db
      .selectFrom('discovered_pages as d')
      .innerJoin('listings as l', 'l.id', 'd.listing_id')
      .select('l.active')
      .where('d.url', 'like', '%/products/leaving-dac')
      .executeTakeFirstOrThrow();
    expect(gone.active).toBe(false);
    // A config sync does not end what discovery found.
    await syncSites(h.db, [site]);
    const active = await h.db
      .selectFrom('listings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('active', '=', true)
      .executeTakeFirstOrThrow();
    expect(Number(active.n)).toBeGreaterThan(20);
  });

  it('mapwatch discover and mapwatch listings review, as a user runs them', async () => {
    const env = {
      DATABASE_URL: POSTGRES_URL,
      MAPWATCH_DB_SCHEMA: h.schema,
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
      MAPWATCH_DATA_DIR: tmpDir({}),
      MAPWATCH_CONFIG: '',
      REDIS_URL: '',
      MAPWATCH_CHROMIUM: '',
    };
    const run = await mapwatch(['discover', '--dir', configDir, '--site', 'shop', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { runs: DiscoverySummary[] };
    expect(out.runs[0]).toMatchObject({ site: 'shop', pendingLeft: 0, newUrls: 0 });
    const list = await mapwatch(['listings', 'review'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/title/);
    const id = (await listReviewItems(h.db))[0]!.id;
    const ok = await mapwatch(['listings', 'review', 'reject', String(id), '--by', 'sam', '--role', 'compliance'], env);
    expect(ok.stdout).toContain(`Rejected page ${id}.`);
    const bad = await mapwatch(['listings', 'review', 'approve', 'x'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/give the id of a page/);
    expect(bad.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('stays within the politeness limit', () => {
    for (const r of runs) {
      console.log(
        `discovery run: ${r.requests} requests, ${r.pagesRead} pages in ${r.elapsedMs} ms = ${r.rate.requestsPerSecond} req/s (limit ${r.rate.limitPerSecond}/s)`,
      );
      // An upper bound only (the gate's promise), never a speed: slow machines pass too.
      expect(r.rate.requestsPerSecond).toBeLessThanOrEqual(r.rate.limitPerSecond);
    }
    // The first run's budget (20 pages) stopped the search before every product; later runs are complete.
    expect(runs[0]!.sourceProblems).toEqual([
      'search: the run’s page budget ran out before every product was searched',
    ]);
    for (const r of runs.slice(1)) expect(r.sourceProblems).toEqual([]);
  });
});
