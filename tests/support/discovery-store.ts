/**
 * A reseller storefront for discovery tests: robots.txt naming a sitemap index with gzipped
 * children, a Shopify-style /products.json, a Google Merchant feed, a search page, and about
 * 50 product pages whose true product is known (`truth`), so a test can measure matching
 * precision and recall. Kinds of page:
 * - exact GTIN (GTIN-13, and some written as UPC-A or GTIN-14);
 * - MPN + brand (no GTIN on the page);
 * - title only (no identifiers): near matches a person must confirm;
 * - traps: a wrong-brand listing carrying the OEM's GTIN, a "compatible with" part under the
 *   OEM part number, a GTIN with a wrong check digit, a sibling model not in the catalog,
 *   other brands' products;
 * - a page that moves (301 to a new address) and one that disappears (404), after `change()`.
 */
import zlib from 'node:zlib';
import { checkDigit } from '../../src/normalize/gtin.js';
import { startServer, type TestServer } from './server.js';

export interface FixtureProduct {
  sku: string;
  name: string;
  mpn: string;
  gtin: string;
}

const KINDS = ['Wireless Headphones', 'Bookshelf Speakers', 'Integrated Amplifier', 'Powered Subwoofer', 'USB DAC'];
export const FIXTURE_PRODUCTS: FixtureProduct[] = Array.from({ length: 30 }, (_, i) => {
  const model = `${['HP', 'SPK', 'AMP', 'SUB', 'DAC'][i % 5]}-${100 + i * 7}`;
  const data = `0850077${String(10000 + i).slice(-5)}`;
  return {
    sku: `NW-${model.replace('-', '')}`,
    name: `Northwind ${model} ${KINDS[i % 5]}`,
    mpn: `NW${model}`,
    gtin: data + checkDigit('0' + data),
  };
});

export function productsCsv(): string {
  return (
    'sku,name,brand,gtin,mpn\n' +
    FIXTURE_PRODUCTS.map((p) => `${p.sku},${p.name},Northwind,${p.gtin},${p.mpn}`).join('\n') +
    '\n'
  );
}

interface PageSpec {
  path: string;
  /** The catalog SKU the page really sells; null: none of the catalog's products. */
  truth: string | null;
  ld?: Record<string, unknown>;
  h1: string;
  text?: string;
  price?: string;
}

const P = FIXTURE_PRODUCTS;
const ld = (o: Record<string, unknown>) => ({ '@context': 'https://schema.org', '@type': 'Product', ...o });
const brand = (name: string) => ({ '@type': 'Brand', name });

function pages(): PageSpec[] {
  const out: PageSpec[] = [];
  // 15 exact GTIN pages: 0–9 as GTIN-13, 10–12 as UPC-A (no leading zero), 13–14 as GTIN-14.
  for (let i = 0; i < 15; i++) {
    const p = P[i]!;
    const gtin = i < 10 ? p.gtin : i < 13 ? p.gtin.slice(1) : '0' + p.gtin;
    const key = i < 10 ? 'gtin13' : i < 13 ? 'gtin12' : 'gtin14';
    out.push({
      path: `/p/${p.sku.toLowerCase()}`,
      truth: p.sku,
      ld: ld({ name: p.name, [key]: gtin, brand: brand('Northwind') }),
      h1: p.name,
    });
  }
  // 8 MPN + brand pages (no GTIN), the MPN written differently ("nw-hp-100" vs "NWHP-100").
  for (let i = 15; i < 23; i++) {
    const p = P[i]!;
    const mpn = i % 2 ? p.mpn.toLowerCase().replace(/^nw/, 'nw-') : p.mpn;
    out.push({
      path: `/products/${p.sku.toLowerCase()}`,
      truth: p.sku,
      ld: ld({ name: `${p.name} (2026 model)`, mpn, brand: brand('NORTHWIND') }),
      h1: p.name,
    });
  }
  // 5 title-only near matches: no identifiers, a retailer's own wording.
  for (let i = 23; i < 28; i++) {
    const p = P[i]!;
    out.push({ path: `/item/${i}`, truth: p.sku, h1: `${p.name} - Black, Free Shipping`, price: '99.00' });
  }
  // Traps.
  out.push({
    path: '/p/acme-headphones',
    truth: null,
    ld: ld({ name: 'Acme Studio Headphones', gtin13: P[0]!.gtin, brand: brand('Acme') }),
    h1: 'Acme Studio Headphones',
  });
  out.push({
    path: '/p/ear-pads',
    truth: null,
    ld: ld({ name: 'Replacement Ear Pads', mpn: P[0]!.mpn, brand: brand('PartsPro') }),
    h1: 'PartsPro Replacement Ear Pads',
    text: `Replacement for Northwind ${P[0]!.mpn} ear pads. Compatible with ${P[0]!.name}.`,
  });
  out.push({
    path: '/p/typo-gtin',
    truth: P[28]!.sku,
    ld: ld({ name: P[28]!.name, gtin13: P[28]!.gtin.slice(0, 12) + String((Number(P[28]!.gtin[12]) + 1) % 10) }),
    h1: P[28]!.name,
  });
  out.push({
    path: '/p/hp-999',
    truth: null,
    ld: ld({ name: 'Northwind HP-999 Wireless Headphones', brand: brand('Northwind') }),
    h1: 'Northwind HP-999 Wireless Headphones',
  });
  out.push({
    path: '/p/mpn-no-brand',
    truth: P[29]!.sku,
    ld: ld({ name: 'Headphones', mpn: P[29]!.mpn }),
    h1: 'Headphones',
  });
  for (let i = 0; i < 8; i++) {
    const gtin = `0123456${String(70000 + i)}`;
    out.push({
      path: `/p/contoso-${i}`,
      truth: null,
      ld: ld({ name: `Contoso Model ${i} Speaker`, gtin13: gtin + checkDigit(gtin), brand: brand('Contoso') }),
      h1: `Contoso Model ${i} Speaker`,
    });
  }
  // Shopify-listed pages (also products) and the two that change.
  out.push({
    path: '/products/moving-amp',
    truth: P[2]!.sku,
    ld: ld({ name: P[2]!.name, gtin13: P[2]!.gtin, brand: brand('Northwind') }),
    h1: P[2]!.name,
  });
  out.push({
    path: '/products/leaving-dac',
    truth: P[4]!.sku,
    ld: ld({ name: P[4]!.name, gtin13: P[4]!.gtin, brand: brand('Northwind') }),
    h1: P[4]!.name,
  });
  return out;
}

function html(s: PageSpec): string {
  const j = s.ld
    ? `<script type="application/ld+json">${JSON.stringify({ ...s.ld, offers: { '@type': 'Offer', price: s.price ?? '129.00', priceCurrency: 'USD' } })}</script>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${s.h1}</title>${j}<link rel="canonical" href="${s.path}"></head>
<body><nav><a href="/">Home</a> <a href="/cart">Cart</a></nav><h1>${s.h1}</h1><p class="price">$${s.price ?? '129.00'}</p><p>${s.text ?? 'In stock.'}</p></body></html>`;
}

export interface DiscoveryStore {
  server: TestServer;
  pages: PageSpec[];
  /** Path → expected SKU (null: no catalog product). */
  truth: Map<string, string | null>;
  /** Moves /products/moving-amp to /products/amp-moved (301) and removes /products/leaving-dac (404). */
  change(): void;
  searches: string[];
}

export async function startDiscoveryStore(): Promise<DiscoveryStore> {
  const specs = pages();
  const server = await startServer();
  const searches: string[] = [];
  let changed = false;
  const half = Math.ceil(specs.length / 2);
  const urlset = (list: PageSpec[]) =>
    `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${list
      // GTIN-14 pages are in no sitemap: only the site search finds them.
      .filter((s) => (s.path.startsWith('/p/') || s.path.startsWith('/item/')) && !('gtin14' in (s.ld ?? {})))
      .map((s) => `<url><loc>${server.origin}${s.path}</loc></url>`)
      .join('')}</urlset>`;
  const gz = (body: string) => ({ headers: { 'content-type': 'application/gzip' }, body: zlib.gzipSync(body) });
  const r = server.routes;
  r.set('/robots.txt', {
    headers: { 'content-type': 'text/plain' },
    body: `User-agent: *\nDisallow: /cart\nSitemap: ${server.origin}/sitemap_index.xml\n`,
  });
  r.set('/sitemap_index.xml', {
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${server.origin}/sitemaps/products-1.xml.gz</loc></sitemap><sitemap><loc>${server.origin}/sitemaps/products-2.xml.gz</loc></sitemap></sitemapindex>`,
  });
  r.set('/sitemaps/products-1.xml.gz', gz(urlset(specs.slice(0, half))));
  r.set('/sitemaps/products-2.xml.gz', gz(urlset(specs.slice(half))));
  r.set('/products.json', (req, res) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? '1');
    const handles = specs
      .filter((s) => s.path.startsWith('/products/'))
      .filter((s) => !(changed && s.path === '/products/leaving-dac'))
      .map((s) => (changed && s.path === '/products/moving-amp' ? '/products/amp-moved' : s.path))
      .map((p) => ({ handle: p.slice('/products/'.length), title: p }));
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ products: page === 1 ? handles : [] }));
  });
  r.set('/search', (req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
    searches.push(q);
    const hit =
      q.length >= 8 ? specs.find((s) => s.path.startsWith('/p/') && JSON.stringify(s.ld ?? {}).includes(q)) : undefined;
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<html><body><a href="/">Home</a>${hit ? `<a href="${hit.path}">${hit.h1}</a>` : '<p>No results</p>'}</body></html>`,
      );
  });
  for (const s of specs) r.set(s.path, { body: html(s) });
  const moved: PageSpec = { ...specs.find((s) => s.path === '/products/moving-amp')!, path: '/products/amp-moved' };
  return {
    server,
    pages: specs,
    truth: new Map(specs.map((s) => [s.path, s.truth])),
    searches,
    change() {
      changed = true;
      r.set('/products/moving-amp', { status: 301, headers: { location: '/products/amp-moved' }, body: '' });
      r.set('/products/amp-moved', { body: html(moved) });
      r.delete('/products/leaving-dac');
    },
  };
}
