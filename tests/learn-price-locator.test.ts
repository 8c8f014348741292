/**
 * Per-site learning (issue 11, item 7) through the real check: storefront pages served on
 * 127.0.0.1, read by the real extraction, learned from in the real database (both backends).
 * - three listings that share a layout teach a locator that picks each page's price (and not
 *   the related products' prices that share its class);
 * - listings whose layouts share no price selector teach nothing;
 * - a later page where the locator shows another amount than the model read is no price;
 * - a locator that stops matching shows in site health;
 * - `mapwatch sites learn` shows it and `--write` puts it into the YAML config (subprocess).
 */
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSiteFile, loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import { openDatabase, type DbHandle } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { extractSelectors } from '../src/extract/selectors.js';
import { formatSiteHealth } from '../src/health/format-site-health.js';
import { deriveLocator, locatorCandidates } from '../src/learn/price-locators.js';
import { listSiteHealth } from '../src/queries/list-site-health.js';
import { showPriceLocator } from '../src/queries/price-locator.js';
import { ensureBuilt, mapwatch } from './support/cli.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const policy = loadPolicy({});

const ld = (name: string, price: string) =>
  `<script type="application/ld+json">${JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'Product',
    name,
    offers: { '@type': 'Offer', price, priceCurrency: 'USD', availability: 'https://schema.org/InStock' },
  })}</script>`;

/** One storefront template: the buy box price shares its class with the related products' prices. */
function sharedLayout(name: string, price: string, buyBox = `<span class="price-now">$${price}</span>`): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>${ld(name, price)}</head><body>
<nav class="menu"><a href="/">Home</a></nav>
<main id="product"><h1>${name}</h1>
<div class="buybox">${buyBox}<del class="price-was">$199.00</del><button>Add to cart</button></div></main>
<section class="related"><h2>You may also like</h2>
<div class="tile"><a href="/x"><span class="price-now">$45.00</span></a></div>
<div class="tile"><a href="/y"><span class="price-now">$55.00</span></a></div></section>
</body></html>`;
}

/** Three unrelated templates: no price selector in common. */
const MIXED = [
  (n: string, p: string) => `<main><h1>${n}</h1><p id="cost">$${p}</p></main>`,
  (n: string, p: string) => `<main><h1>${n}</h1><b class="amount">$${p}</b></main>`,
  (n: string, p: string) => `<main><h1>${n}</h1><strong class="offer-value">$${p}</strong></main>`,
].map(
  (body) => (n: string, p: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${n}</title>${ld(n, p)}</head><body>${body(n, p)}</body></html>`,
);

/** The storefront after a redesign: the learned path is gone. */
const redesigned = (name: string, price: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>${ld(name, price)}</head><body>
<article class="pdp"><h1>${name}</h1><div class="cost">$${price}</div><button>Add to cart</button></article></body></html>`;

const SHARED: [string, string][] = [
  ['L1', '120.00'],
  ['L2', '130.00'],
  ['L3', '140.00'],
];

function pages(): Record<string, { body: string }> {
  const routes: Record<string, { body: string }> = {};
  for (const [sku, price] of SHARED) routes[`/shared/${sku}`] = { body: sharedLayout(`Widget ${sku}`, price) };
  MIXED.forEach((page, i) => (routes[`/mixed/M${i + 1}`] = { body: page(`Gadget M${i + 1}`, `11${i}.00`) }));
  // A later listing: the locator's element now holds the monthly instalment, the model reads the price.
  routes['/shared/L4'] = {
    body: sharedLayout('Widget L4', '150.00', '<span class="price-now">$12.50</span><span class="was">$150.00</span>'),
  };
  for (const i of [5, 6, 7]) routes[`/shared/L${i}`] = { body: redesigned(`Widget L${i}`, `1${i}0.00`) };
  return routes;
}

const siteDir = (shop: TestServer, name: string, skus: string[]) =>
  tmpDir({
    [`${name}.yaml`]: siteYaml({
      host: shop.host,
      origin: shop.origin,
      recheckMs: 0,
      paths: skus.map((s) => [s, `/${name}/${s}`]),
    }),
  });

const SKUS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'M1', 'M2', 'M3'];

describe('the learned locator on a sample page', () => {
  it('is a stable selector that picks exactly the read amount, and only where all pages share it', () => {
    const c = locatorCandidates(sharedLayout('W', '120.00'), 12000, 'USD');
    expect(c).not.toContain('.price-now'); // also the related products' prices
    expect(c).not.toContain('#product'); // holds the struck price too
    expect(c.every((s) => !/nth|:/.test(s))).toBe(true);
    const all = SHARED.map(([, p]) => locatorCandidates(sharedLayout('W', p), Math.round(Number(p) * 100), 'USD'));
    const derived = deriveLocator(all)!;
    expect(derived.verified).toBe(3);
    // Applied the way a configured selectors.price is, it reads each page's price.
    for (const [, p] of SHARED) {
      const got = extractSelectors(load(sharedLayout('W', p)), { price: derived.selector }, [], 'USD');
      expect(Number(got[0]?.amount)).toBe(Number(p));
    }
    expect(deriveLocator(all.slice(0, 2))).toBeNull(); // two listings are not enough
  });
});

describe.each(BACKENDS)('per-site learning on %s', (backend) => {
  let h: DbHandle;
  let shop: TestServer;
  const ctx = () => ({ db: h.db, policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 30_000 } });

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, SKUS);
    shop = await startServer(pages());
  });
  afterAll(async () => {
    await h?.close();
    await shop?.close();
  });

  it('learns a locator from three listings that share a layout', async () => {
    const s = await crawlNow(ctx(), loadSites(siteDir(shop, 'shared', ['L1', 'L2', 'L3'])).sites);
    expect(s.results.map((r) => r.draft.status)).toEqual(['ok', 'ok', 'ok']);
    const view = await showPriceLocator(h.db, 'shared');
    expect(view.locator).toMatchObject({ verifiedListings: 3, misses: 0 });
    // The buy box's price element, never the related tiles' class alone or a container around the struck price.
    expect(view.locator!.selector).toMatch(/^(#product|\.buybox) \.price-now$/);
    expect(view.locator!.lastMatchedAt).not.toBeNull();
  });

  it('refuses to learn from listings whose layouts share no price selector', async () => {
    const s = await crawlNow(ctx(), loadSites(siteDir(shop, 'mixed', ['M1', 'M2', 'M3'])).sites);
    expect(s.results.map((r) => r.draft.status)).toEqual(['ok', 'ok', 'ok']);
    const view = await showPriceLocator(h.db, 'mixed');
    expect(view.sampledListings).toBe(3);
    expect(view.locator).toBeNull();
  });

  it('a later page where the locator and the model disagree gives no price', async () => {
    const s = await crawlNow(ctx(), loadSites(siteDir(shop, 'shared', ['L4'])).sites);
    const r = s.results[0]!;
    expect(r.draft.status).toBe('ambiguous');
    expect(r.draft.amountMinor).toBeNull();
    expect(r.draft.reason).toContain('learned price locator');
    expect(r.verdict).toBeNull();
  });

  it('site health says when the locator stopped matching', async () => {
    const s = await crawlNow(ctx(), loadSites(siteDir(shop, 'shared', ['L5', 'L6', 'L7'])).sites);
    expect(s.results.map((r) => r.draft.status)).toEqual(['ok', 'ok', 'ok']); // the model still reads them
    const row = (await listSiteHealth(h.db)).find((r) => r.site === 'shared')!;
    expect(row.locator?.misses).toBeGreaterThanOrEqual(3);
    expect(row.state).toBe('degraded');
    expect(formatSiteHealth([row])).toMatch(/learned price locator ".+" stopped matching: 4 read\(s\) in a row/);
  });
});

describe('mapwatch sites learn (CLI subprocess)', () => {
  let shop: TestServer;
  let dataDir: string;
  let crawlers: string;
  beforeAll(async () => {
    ensureBuilt();
    shop = await startServer(pages());
    dataDir = tmpDir();
    // Where the CLI's embedded database lives (src/app/open-app-db.ts).
    const h = await openDatabase({ dataDir: path.join(dataDir, 'pgdata') });
    try {
      await migrateToLatest(h.db, h.schema);
      await seedCatalog(h, SKUS);
      crawlers = siteDir(shop, 'shared', ['L1', 'L2', 'L3']);
      fs.writeFileSync(
        path.join(crawlers, 'shared.yaml'),
        '# the shop of the test\n' + fs.readFileSync(path.join(crawlers, 'shared.yaml'), 'utf8'),
      );
      await crawlNow(
        { db: h.db, policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 30_000 } },
        loadSites(crawlers).sites,
      );
      await crawlNow(
        { db: h.db, policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 30_000 } },
        loadSites(siteDir(shop, 'mixed', ['M1', 'M2', 'M3'])).sites,
      );
    } finally {
      await h.close();
    }
  });
  afterAll(() => shop?.close());

  // Five CLI runs, each opening the embedded database (about 4 s of CPU apiece): on a loaded
  // 2-core CI machine that outgrew the default 60 s, so this test gets its own bound.
  it(
    'shows what was learned, writes it as selectors.price, and says clearly what it cannot do',
    {
      timeout: 240_000,
    },
    async () => {
      const env = { DATABASE_URL: '', MAPWATCH_DATA_DIR: dataDir, MAPWATCH_CRAWLERS_DIR: crawlers };
      const shown = await mapwatch(['sites', 'learn', 'shared'], env);
      expect(shown.stderr).toBe('');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/price locator {3}\S/);
      expect(shown.stdout).toContain('verified on     3 listing(s)');
      const selector = /price locator {3}(.+)/.exec(shown.stdout)![1]!.trim();

      const file = path.join(crawlers, 'shared.yaml');
      const before = fs.readFileSync(file, 'utf8');
      const written = await mapwatch(['sites', 'learn', 'shared', '--write'], env);
      expect(written.code).toBe(0);
      expect(written.stdout).toContain('Wrote selectors.price');
      const after = fs.readFileSync(file, 'utf8');
      expect(after.startsWith('# the shop of the test\n' + before.split('\n')[1])).toBe(true); // the rest stays
      const site = loadSiteFile(file).site!;
      expect(site.config.selectors?.price).toBe(selector);
      expect(site.listings).toHaveLength(3);

      const unknown = await mapwatch(['sites', 'learn', 'nope'], env);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('unknown site "nope"');
      const nothing = await mapwatch(['sites', 'learn', 'mixed'], env);
      expect(nothing.code).not.toBe(0);
      expect(nothing.stderr).toContain('nothing learned yet');
      fs.chmodSync(file, 0o444);
      try {
        const ro = await mapwatch(['sites', 'learn', 'shared', '--write'], env);
        // Root writes a read-only file anyway (CI runs as root), so there the write succeeds;
        // anyone else gets the refusal that names the file.
        if (process.getuid?.() === 0) expect(ro.code, ro.stderr).toBe(0);
        else {
          expect(ro.code).not.toBe(0);
          expect(ro.stderr).toContain('not writable');
        }
      } finally {
        fs.chmodSync(file, 0o644);
      }
    },
  );
});
