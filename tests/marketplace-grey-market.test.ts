/**
 * Marketplace sellers and grey-market signals (issue 16), end to end: catalog CSVs → crawl of
 * pages served on 127.0.0.1 → findings in `listFindings`, the Findings page's groups and the
 * digest. A seller the catalog authorizes (by storefront, by id on one reseller, through its
 * seller group) is not a finding; a look-alike using an authorized name from another storefront
 * is. Each grey-market signal fires on its page and its near miss does not; none opens a case.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAuthorizedSellers } from '../src/catalog/import-authorized-sellers.js';
import { importBrandPrefixes } from '../src/catalog/import-brand-prefixes.js';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { importSellerGroups } from '../src/catalog/import-seller-groups.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { buildDigest } from '../src/notify/build-digest.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { checkDigit } from '../src/normalize/gtin.js';
import { listCases } from '../src/queries/list-cases.js';
import { listFindingGroups } from '../src/queries/list-finding-groups.js';
import { type GreyMarketFinding, listFindings, type UnauthorizedSellerFinding } from '../src/queries/list-findings.js';
import { HAS_POSTGRES, openTestDb } from './support/db.js';
import { startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

/** A GTIN-13 with a valid check digit from its 12 data digits. */
const gtin13 = (d12: string) => d12 + checkDigit('0' + d12);
const G = {
  hp1: gtin13('085001234501'),
  hp2: gtin13('085001234502'),
  f100: gtin13('085001299100'),
  f200: gtin13('085001299200'),
  f300: gtin13('085001299300'),
  f400: gtin13('085001299400'),
  f600: gtin13('085001299600'),
  f700: gtin13('085001299700'),
  foreign: gtin13('690123456789'), // another company's prefix
  inside: gtin13('085001299777'), // Northwind's prefix, not the catalog's GTIN
};

const ld = (o: object) => `<script type="application/ld+json">${JSON.stringify(o)}</script>`;
const page = (head: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>p</title>${head}</head><body>${body}</body></html>`;
const product = (o: { name: string; brand: string; gtin?: string; mpn?: string; price: string }) =>
  page(
    ld({
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: o.name,
      brand: { '@type': 'Brand', name: o.brand },
      ...(o.gtin ? { gtin13: o.gtin } : {}),
      ...(o.mpn ? { mpn: o.mpn } : {}),
      offers: { '@type': 'Offer', price: o.price, priceCurrency: 'USD' },
    }),
    `<h1>${o.name}</h1><div id="buybox"><span class="price">$${o.price}</span></div>`,
  );

// A server leg: it needs the Postgres server (the importers' CLI run and the crawl write there). Without
// one it is reported as not run; CI sets MAPWATCH_REQUIRE_SERVERS, so there a missing server fails.
describe.skipIf(!HAS_POSTGRES)('marketplace sellers and grey-market signals (postgres)', { timeout: 180_000 }, () => {
  let h: DbHandle;
  let market: TestServer;
  let parts: TestServer;
  let crawlers: string;
  const cfg = notifySchema.parse({
    recipients: [{ email: 'anna@brand.example', time_zone: 'UTC', digest_at: '08:00', alerts: false }],
  });

  beforeAll(async () => {
    h = await openTestDb('postgres');
    market = await startServer();
    const m = market.origin;
    const sellerLd = (name: string, extra: object) => ({ '@type': 'Organization', name, ...extra });
    // A marketplace listing: the buy box and four other sellers in JSON-LD, the storefronts as
    // schema.org gives them (@id, url, identifier).
    market.routes.set('/dp/HP-1', {
      body: page(
        ld({
          '@context': 'https://schema.org',
          '@type': 'Product',
          name: 'Northwind HP-1 Headphones',
          brand: 'Northwind',
          gtin13: G.hp1,
          offers: [
            {
              '@type': 'Offer',
              price: '120.00',
              priceCurrency: 'USD',
              itemCondition: 'https://schema.org/NewCondition',
              seller: sellerLd('Northwind Official', { '@id': `${m}/seller/NWOFF#org` }),
            },
            {
              '@type': 'Offer',
              price: '125.00',
              priceCurrency: 'USD',
              seller: sellerLd('Gadget Hub', { identifier: { '@type': 'PropertyValue', value: 'GH-77' } }),
            },
            {
              '@type': 'Offer',
              price: '110.00',
              priceCurrency: 'USD',
              seller: sellerLd('Northwind Outlet', { url: '/seller/NWOUT' }),
            },
            {
              '@type': 'Offer',
              price: '80.00',
              priceCurrency: 'USD',
              seller: sellerLd('Cheap Deals', { url: '/seller/CHEAP9' }),
            },
            {
              '@type': 'Offer',
              price: '95.00',
              priceCurrency: 'USD',
              seller: sellerLd('Northwind Official', { url: '/seller/FAKE1' }),
            },
          ],
        }),
        `<h1>Northwind HP-1 Headphones</h1>
         <div id="buybox"><span class="price">$120.00</span> Sold by <a href="/seller/NWOFF">Northwind Official</a></div>`,
      ),
    });
    // An offer-listing page ("other sellers") with no structured data for the other offers.
    market.routes.set('/offers/HP-2', {
      body: page(
        ld({
          '@context': 'https://schema.org',
          '@type': 'Product',
          name: 'Northwind HP-2 Headphones',
          brand: 'Northwind',
          gtin13: G.hp2,
          offers: { '@type': 'Offer', price: '150.00', priceCurrency: 'USD' },
        }),
        `<h1>Northwind HP-2 Headphones</h1>
         <div id="buybox"><span class="price">$150.00</span></div>
         <h2>Other sellers on MegaMarket</h2>
         <ul class="olp">
           <li class="olp-offer"><span class="olp-price">$149.00</span> New · Sold by
             <a href="/seller/NWOFF">Northwind Official</a></li>
           <li class="olp-offer"><span class="olp-price">$79.00</span> New · Sold by
             <a href="/shops/bargain-bin">Bargain Bin</a></li>
           <li class="olp-offer"><span class="olp-price">$50.00</span> Used – like new · Sold by
             <a href="/shops/used-guy">Second Life</a></li>
           <li class="olp-offer">$85.00 + $5.99 shipping · Sold by <a href="/shops/two-prices">Two Prices</a></li>
         </ul>
         <div class="related-products"><ul>
           <li><span class="price">$20.00</span> Sold by <a href="/shops/cable-co">Cable Co</a></li>
           <li><span class="price">$22.00</span> Sold by <a href="/shops/plug-co">Plug Co</a></li>
         </ul></div>`,
      ),
    });
    market.routes.set('/robots.txt', { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } });

    parts = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      // Above MAP (30.00) but below the dealer cost (45.00): a grey-market signal, no violation.
      '/g/below-cost': { body: product({ name: 'F100 Filter', brand: 'Northwind', gtin: G.f100, price: '40.00' }) },
      '/g/at-cost': { body: product({ name: 'F200 Filter', brand: 'Northwind', gtin: G.f200, price: '45.00' }) },
      '/g/other-brand': { body: product({ name: 'F300 Filter', brand: 'Acme Parts', gtin: G.f300, price: '50.00' }) },
      '/g/foreign-prefix': {
        body: product({ name: 'F400 Filter', brand: 'Northwind', gtin: G.foreign, mpn: 'NW-F400', price: '50.00' }),
      },
      '/g/compatible': {
        body: page(
          ld({
            '@context': 'https://schema.org',
            '@type': 'Product',
            name: 'Acme filter cartridge',
            brand: 'Acme Parts',
            offers: { '@type': 'Offer', price: '50.00', priceCurrency: 'USD' },
          }),
          `<h1>Acme filter cartridge</h1><div id="buybox"><span class="price">$50.00</span></div>
           <p>High-flow cartridge. Compatible with Northwind NW F500 housings.</p>`,
        ),
      },
      // The OEM's own wording: its part number, but not as the object of compatibility.
      '/g/own-part': {
        body: page(
          ld({
            '@context': 'https://schema.org',
            '@type': 'Product',
            name: 'Northwind F600 Filter',
            brand: 'Northwind',
            gtin13: G.f600,
            offers: { '@type': 'Offer', price: '50.00', priceCurrency: 'USD' },
          }),
          `<h1>Northwind F600 Filter</h1><div id="buybox"><span class="price">$50.00</span></div>
           <p>The NW-F600 replaces NW-F90. The NW-F600 fits every X200 housing. Compatible with NW-F6000 adapters.</p>`,
        ),
      },
      '/g/inside-prefix': {
        body: product({ name: 'F700 Filter', brand: 'Northwind', gtin: G.inside, mpn: 'NW-F700', price: '50.00' }),
      },
    });

    const catalog = tmpDir({
      'products.csv':
        'sku,name,brand,gtin,mpn,dealer_cost,dealer_cost_currency\n' +
        `HP-1,Northwind HP-1 Headphones,Northwind,${G.hp1},NW-HP1,,\n` +
        `HP-2,Northwind HP-2 Headphones,Northwind,${G.hp2},NW-HP2,,\n` +
        `NW-F100,F100 Filter,Northwind,${G.f100},NW-F100,45.00,USD\n` +
        `NW-F200,F200 Filter,Northwind,${G.f200},NW-F200,45.00,USD\n` +
        `NW-F300,F300 Filter,Northwind,${G.f300},NW-F300,,\n` +
        `NW-F400,F400 Filter,Northwind,${G.f400},NW-F400,,\n` +
        `NW-F500,F500 Filter,Northwind,,NW-F500,,\n` +
        `NW-F600,F600 Filter,Northwind,${G.f600},NW-F600,,\n` +
        `NW-F700,F700 Filter,Northwind,${G.f700},NW-F700,,\n`,
      'resellers.csv': 'name,region\nMegaMarket,US\nParts Depot,US\n',
      'map.csv':
        'sku,currency,map,effective_from\nHP-1,USD,100.00,2020-01-01\nHP-2,USD,100.00,2020-01-01\n' +
        ['F100', 'F200', 'F300', 'F400', 'F500', 'F600', 'F700'].map((s) => `NW-${s},USD,30.00,2020-01-01\n`).join(''),
      'sellers.csv':
        'brand,seller,reseller,seller_id,storefront_url\n' +
        `Northwind,Northwind Official,,,${m}/seller/NWOFF\n` +
        'Northwind,Gadget Hub,MegaMarket,GH-77,\n',
      'groups.csv': `group,seller,storefront_url\nNorthwind Direct,Northwind Official,${m}/seller/NWOFF\nNorthwind Direct,Northwind Outlet,${m}/seller/NWOUT\n`,
      'prefixes.csv': 'brand,prefix\nNorthwind,0850012\n',
    });
    const f = (n: string) => path.join(catalog, n);
    await importProducts(h.db, f('products.csv'));
    await importResellers(h.db, f('resellers.csv'));
    await importMapPrices(h.db, f('map.csv'));
    await importAuthorizedSellers(h.db, f('sellers.csv'));
    await importSellerGroups(h.db, f('groups.csv'));
    await importBrandPrefixes(h.db, f('prefixes.csv'));
    const listing = (srv: TestServer, sku: string, p: string) => `  - { sku: ${sku}, url: "${srv.origin}${p}" }`;
    crawlers = tmpDir({
      'megamarket.yaml': `reseller: MegaMarket
domain: "${market.host}"
currency: USD
rate_limit: { concurrency: 2, delay_ms: 0 }
recheck: { delay_ms: 10 }
selectors:
  price: "#buybox .price"
listings:
${listing(market, 'HP-1', '/dp/HP-1')}
${listing(market, 'HP-2', '/offers/HP-2')}
`,
      'parts-depot.yaml': `reseller: Parts Depot
domain: "${parts.host}"
currency: USD
rate_limit: { concurrency: 2, delay_ms: 0 }
recheck: { delay_ms: 10 }
selectors:
  price: "#buybox .price"
listings:
${listing(parts, 'NW-F100', '/g/below-cost')}
${listing(parts, 'NW-F200', '/g/at-cost')}
${listing(parts, 'NW-F300', '/g/other-brand')}
${listing(parts, 'NW-F400', '/g/foreign-prefix')}
${listing(parts, 'NW-F500', '/g/compatible')}
${listing(parts, 'NW-F600', '/g/own-part')}
${listing(parts, 'NW-F700', '/g/inside-prefix')}
`,
    });
    const summary = await crawlNow(
      {
        db: h.db,
        policy: loadPolicy({}),
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
      },
      loadSites(crawlers).sites,
      { concurrency: 2 },
    );
    expect(summary.failures).toEqual([]);
  });
  afterAll(async () => {
    await market?.close();
    await parts?.close();
    await h?.close();
  });

  it('finds the unauthorized sellers with their storefronts, and not the authorized ones', async () => {
    const rows = (await listFindings(h.db, { kind: 'unauthorized_seller' })) as UnauthorizedSellerFinding[];
    const seen = rows.map((r) => [r.sku, r.seller, r.storefrontUrl, r.amount, r.belowMap]).sort();
    expect(seen).toEqual(
      [
        // Below MAP, its storefront from the offer's schema.org url.
        ['HP-1', 'Cheap Deals', `${market.origin}/seller/CHEAP9`, '80', true],
        // An authorized name from a storefront that is not the authorized one.
        ['HP-1', 'Northwind Official', `${market.origin}/seller/FAKE1`, '95', true],
        // From the "other sellers" block's rows.
        ['HP-2', 'Bargain Bin', `${market.origin}/shops/bargain-bin`, '79', true],
      ].sort(),
    );
    // Not findings: Northwind Official by its storefront (@id and the "Sold by" link), Gadget Hub by
    // its id on this reseller, Northwind Outlet through its group; the used offer; the row with two
    // prices; the related-products block.
    const text = JSON.stringify(rows);
    for (const name of ['Gadget Hub', 'Northwind Outlet', 'Second Life', 'Two Prices', 'Cable Co', 'Plug Co'])
      expect(text).not.toContain(name);

    // Evidence: the read that saw them, with the page's hash and URL, and the seller's identity in the detail.
    const finding = await h.db
      .selectFrom('findings as f')
      .innerJoin('observations as o', 'o.id', 'f.observation_id')
      .innerJoin('listings as l', 'l.id', 'f.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .select(['f.detail', 'o.content_sha256', 'o.final_url', 'o.status'])
      .where('f.kind', '=', 'unauthorized_seller')
      .where('p.sku', '=', 'HP-1')
      .orderBy('f.id', 'desc')
      .executeTakeFirstOrThrow();
    expect(finding.content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(finding.final_url).toBe(`${market.origin}/dp/HP-1`);
    const cheap = (finding.detail as { sellers: Record<string, unknown>[] }).sellers.find(
      (s) => s['seller'] === 'Cheap Deals',
    );
    expect(cheap).toMatchObject({
      amount: '80',
      currency: 'USD',
      below_map: true,
      percent_below: 20,
      map_minor: 10000,
      storefront_url: `${market.origin}/seller/CHEAP9`,
      key: `url:${market.host}:cheap9`,
    });
    // The buy box (120.00, authorized) is compliant: marketplace sellers open no case.
    expect((await listCases(h.db)).filter((c) => c.reseller === 'MegaMarket')).toEqual([]);
  });

  it('fires each grey-market signal on its page and not on the near misses, and opens no case', async () => {
    const rows = (await listFindings(h.db, { kind: 'grey_market' })) as GreyMarketFinding[];
    const bySku = Object.fromEntries(rows.map((r) => [r.sku, r.signals]));
    expect(Object.keys(bySku).sort()).toEqual(['NW-F100', 'NW-F300', 'NW-F400', 'NW-F500']);
    expect(bySku['NW-F100']).toEqual([
      { signal: 'below_dealer_cost', amount_minor: 4000, dealer_cost_minor: 4500, currency: 'USD' },
    ]);
    expect(bySku['NW-F300']).toEqual([
      { signal: 'brand_mismatch', page_brand: 'Acme Parts', catalog_brand: 'Northwind', gtin: '0' + G.f300 },
    ]);
    expect(bySku['NW-F400']).toEqual([{ signal: 'foreign_gtin_prefix', gtin: '0' + G.foreign, brand: 'Northwind' }]);
    expect(bySku['NW-F500']).toEqual([
      { signal: 'compatible_wording', phrase: 'Compatible with Northwind NW F500 housings.', part: 'NWF500' },
    ]);
    // Near misses: NW-F200 sells at exactly the dealer cost, NW-F600 names its own part number
    // without claiming compatibility with it (and "NW-F6000" is another part), NW-F700's GTIN is
    // inside the brand's prefix.
    // Grey-market findings are never MAP violations: every price here is above MAP, and no case.
    expect((await listCases(h.db)).filter((c) => c.reseller === 'Parts Depot')).toEqual([]);
  });

  it('shows both kinds on the Findings page groups and in the digest', async () => {
    const { items } = await listFindingGroups(h.db, { limit: 50 });
    const grey = items.find((g) => g.kind === 'grey_market')!;
    expect(grey).toMatchObject({ seller: 'Parts Depot', listings: 4, belowMapListings: 0 });
    expect(grey.signals.length).toBe(1);
    const sellers = items.filter((g) => g.kind === 'unauthorized_seller');
    // Keyed by storefront: the look-alike "Northwind Official" is its own group.
    expect(sellers.map((g) => g.seller).sort()).toEqual(['Bargain Bin', 'Cheap Deals', 'Northwind Official']);
    expect(sellers.find((g) => g.seller === 'Northwind Official')!.storefrontUrl).toBe(`${market.origin}/seller/FAKE1`);
    const onlyGrey = await listFindingGroups(h.db, { limit: 50, kind: 'grey_market' });
    expect(onlyGrey.items.map((g) => g.kind)).toEqual(['grey_market']);
    const searched = await listFindingGroups(h.db, { limit: 50, q: 'cheap' });
    expect(searched.items.map((g) => g.seller)).toEqual(['Cheap Deals']);

    const d = await buildDigest(h.db, cfg.recipients[0]!, cfg, new Date());
    expect(d.text).toContain('Parts Depot NW-F100: grey market: price USD 40.00 is below dealer cost USD 45.00');
    expect(d.text).toMatch(
      /Parts Depot NW-F300: grey market: GTIN \d{14} listed under brand "Acme Parts", not Northwind/,
    );
    expect(d.text).toContain('MegaMarket HP-1: unauthorized seller "Cheap Deals" at USD 80, 20% below MAP');
    expect(d.text).toContain('MegaMarket HP-2: unauthorized seller "Bargain Bin" at USD 79, 21% below MAP');
    expect(d.html).toContain('Grey market');
    expect(d.totals.findings).toBe(7);
  });
});
