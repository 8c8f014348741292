/**
 * Many local fixture storefronts for the comparison benchmarks: one HTTP server per
 * domain, each on its own loopback address (127.0.10.1, 127.0.10.2, …), so politeness,
 * robots.txt and connection pools are per domain as with real resellers.
 *
 * Every store serves, per listing:
 * - /products/<handle>-<n>: a static product page the way Shopify-like themes ship them:
 *   JSON-LD Product/Offer, a visible price, a related-products carousel with its own prices,
 *   a theme config script and a long description (about 60 KB of HTML);
 * - /spa/<n>: a JS-rendered shell whose price arrives by XHR from /api/price/<n>;
 * - /sale/<handle>-<n>: the static page of /products/, priced 15 % below MAP, with a token that
 *   changes on every request (as storefronts' CSRF and session tokens do), so no two reads of it
 *   are the same bytes and the evidence store cannot share one read's HTML with the next;
 * Listings are on /products/ and /spa/ unless asked for a share below MAP (bench/growth.ts, the
 * evidence store's growth): their prices are above MAP (every read is compliant), so no variant
 * re-reads a page and all do the same work: one page fetch per listing.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_PRODUCTS, type DemoProduct } from '../../src/demo/storefronts/catalog.js';
import { esc, jsonLd, page, productLd } from '../../src/demo/storefronts/page-kit.js';

export interface FixtureListing {
  url: string;
  sku: string;
  domain: number;
  /** Price the page shows, in cents (USD). */
  priceMinor: number;
  /** A /sale/ page: priced below MAP, every read a violation. */
  belowMap?: boolean;
}

export interface FixtureStores {
  origins: string[];
  close(): Promise<void>;
}

export const productOf = (n: number): DemoProduct => DEMO_PRODUCTS[n % DEMO_PRODUCTS.length]!;

/** Deterministic price: MAP plus a few dollars that depend on the domain and listing. */
export function priceMinorFor(domain: number, n: number): number {
  const map = Math.round(Number(productOf(n).mapUsd) * 100);
  return map + ((domain * 7 + n * 3) % 40) * 100 + 99;
}

/** The price of a /sale/ page: 15 % below MAP, well past any tolerance, so every read is a violation. */
export function belowMapMinorFor(n: number): number {
  const map = Math.round(Number(productOf(n).mapUsd) * 100);
  return Math.round((map * 0.85) / 100) * 100 - 1;
}

const dollars = (minor: number) => (minor / 100).toFixed(2);

export function hostFor(domain: number): string {
  return `127.0.${10 + Math.floor(domain / 250)}.${1 + (domain % 250)}`;
}

const THEME_CONFIG = `<script>window.theme=${JSON.stringify({
  strings: Object.fromEntries(
    Array.from({ length: 300 }, (_, i) => [`key_${i}`, `Translated theme string number ${i} for the storefront`]),
  ),
  routes: { cart: '/cart', search: '/search' },
})};</script>`;

const DESCRIPTION = Array.from(
  { length: 40 },
  (_, i) =>
    `<p>Feature ${i + 1}: engineered drivers, a tuned enclosure and careful crossover design deliver a balanced sound at every volume. Free shipping on orders over $50; see our returns policy.</p>`,
).join('\n');

export function staticPage(domain: number, n: number, opts: { belowMap?: boolean; token?: string } = {}): string {
  const p = productOf(n);
  const price = dollars(opts.belowMap ? belowMapMinorFor(n) : priceMinorFor(domain, n));
  const related = [1, 2, 3, 4]
    .map((k) => {
      const r = productOf(n + k);
      return `<div class="card"><a href="/products/${r.handle}-${n + k}">${esc(r.name)}</a><div class="price">$${dollars(Math.round(Number(r.mapUsd) * 100) - 1000)}</div></div>`;
    })
    .join('');
  const store = `Store ${domain}`;
  return page({
    title: p.name,
    store,
    head:
      jsonLd(productLd(p, { price, currency: 'USD', seller: store })) +
      THEME_CONFIG +
      (opts.token ? `<meta name="csrf-token" content="${opts.token}">` : ''),
    body: `<nav>${Array.from({ length: 30 }, (_, i) => `<a href="/collections/c${i}">Collection ${i}</a>`).join(' ')}</nav>
<h1>${esc(p.name)}</h1><div class="product-price">$${price}</div><del class="was">$${p.listUsd}</del>
<button class="buy">Add to cart</button><section class="description">${DESCRIPTION}</section>
<h2>Customers also bought</h2><div class="related">${related}</div>`,
  });
}

/** JS-rendered: the shell has no price; a script fetches it and renders it (and no JSON-LD). */
function spaShell(n: number): string {
  const p = productOf(n);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(p.name)}</title></head>
<body><div id="app">Loading…</div><img src="/img/hero.png" width="600" height="400">
<script>
fetch('/api/price/${n}').then(r => r.json()).then(d => {
  document.getElementById('app').innerHTML = '<h1>' + d.name + '</h1><div class="product-price">$' + d.price + '</div><button>Add to cart</button>';
});
</script></body></html>`;
}

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1d0e1f40000000049454e44ae426082',
  'hex',
);

export async function serveFixtureStores(domains: number): Promise<FixtureStores> {
  const servers: http.Server[] = [];
  const origins: string[] = [];
  for (let d = 0; d < domains; d++) {
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const n = Number(/-?(\d+)$/.exec(path)?.[1] ?? NaN);
      if (path === '/robots.txt')
        return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /checkout\n');
      if (path.startsWith('/products/') && Number.isInteger(n))
        return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(staticPage(d, n));
      if (path.startsWith('/sale/') && Number.isInteger(n))
        return res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(staticPage(d, n, { belowMap: true, token: randomBytes(16).toString('hex') }));
      if (path.startsWith('/spa/') && Number.isInteger(n))
        return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(spaShell(n));
      if (path.startsWith('/api/price/') && Number.isInteger(n)) {
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: productOf(n).name, price: dollars(priceMinorFor(d, n)) }));
      }
      if (path.startsWith('/img/')) return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not found</body></html>');
    });
    server.keepAliveTimeout = 5000;
    const host = hostFor(d);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    servers.push(server);
    origins.push(`http://${host}:${(server.address() as AddressInfo).port}`);
  }
  return {
    origins,
    async close() {
      await Promise.all(
        servers.map((s) => {
          const closed = new Promise<void>((r) => s.close(() => r()));
          s.closeAllConnections(); // idle keep-alive sockets would hold close() open
          return closed;
        }),
      );
    },
  };
}

/**
 * Listings in round-robin domain order (domain 0, 1, …, then the next listing of each).
 * `belowMapShare` (static only): that share of the listings, evenly spread (every k-th listing), are
 * /sale/ pages priced below MAP.
 */
export function fixtureListings(
  origins: readonly string[],
  perDomain: number,
  kind: 'static' | 'spa',
  opts: { belowMapShare?: number } = {},
): FixtureListing[] {
  const out: FixtureListing[] = [];
  for (let n = 0; n < perDomain; n++) origins.forEach((_, d) => out.push(fixtureListing(origins, d, n, kind, opts)));
  return out;
}

/**
 * Listing n of domain d, as fixtureListings has it (its place in the round-robin order decides
 * whether it is a /sale/ page), without building the others: one domain's config at a time.
 */
export function fixtureListing(
  origins: readonly string[],
  d: number,
  n: number,
  kind: 'static' | 'spa',
  opts: { belowMapShare?: number } = {},
): FixtureListing {
  const every = opts.belowMapShare ? Math.max(1, Math.round(1 / opts.belowMapShare)) : 0;
  const p = productOf(n);
  const below = kind === 'static' && every > 0 && (n * origins.length + d) % every === every - 1;
  return {
    url: kind === 'spa' ? `${origins[d]}/spa/${n}` : `${origins[d]}/${below ? 'sale' : 'products'}/${p.handle}-${n}`,
    sku: p.sku,
    domain: d,
    priceMinor: below ? belowMapMinorFor(n) : priceMinorFor(d, n),
    ...(below && { belowMap: true }),
  };
}

/**
 * The price a fixture listing's page shows, from its URL alone (its store's origin and the
 * listing number at the end of its path; a /sale/ page's is below MAP): a sweep's checker needs
 * no list of every listing.
 * NaN for a URL that is not a fixture listing's.
 */
export function fixturePriceOf(origins: readonly string[]): (url: string) => number {
  const domainOf = new Map(origins.map((o, d) => [new URL(o).origin, d]));
  return (url) => {
    const u = new URL(url);
    const d = domainOf.get(u.origin);
    const n = /-(\d+)$/.exec(u.pathname)?.[1] ?? /^\/spa\/(\d+)$/.exec(u.pathname)?.[1];
    if (d === undefined || n === undefined) return NaN;
    return u.pathname.startsWith('/sale/') ? belowMapMinorFor(Number(n)) : priceMinorFor(d, Number(n));
  };
}

/** Reads "$1,234.56" or "1234.56" into cents; NaN when unreadable. */
export function centsOf(text: string | undefined | null): number {
  const m = /(\d[\d,]*)\.(\d{2})/.exec(text ?? '');
  return m ? Number(m[1]!.replace(/,/g, '')) * 100 + Number(m[2]) : NaN;
}
