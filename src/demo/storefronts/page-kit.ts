/** Small helpers the demo storefronts share to build realistic product pages. */
import type { DemoProduct } from './catalog.js';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON-LD inside <script>: "<" must not be able to close the element. */
export function jsonLd(value: unknown): string {
  return `<script type="application/ld+json">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;
}

export function page(opts: {
  title: string;
  store: string;
  head?: string;
  body: string;
  lang?: string;
  css?: string;
}): string {
  return `<!doctype html>
<html lang="${opts.lang ?? 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(opts.title)} | ${esc(opts.store)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222}header{background:#1f2937;color:#fff;padding:12px 24px;font-weight:600}
main{max-width:960px;margin:24px auto;padding:0 24px}h1{font-size:26px}.price{font-size:28px;font-weight:700;color:#b91c1c}
del,.was{color:#777;font-size:18px}.card{display:inline-block;border:1px solid #ddd;border-radius:6px;padding:10px;margin:6px;width:200px}
.card .price{font-size:16px;color:#222}.buy{background:#f59e0b;border:0;padding:10px 22px;font-size:16px;border-radius:4px;cursor:pointer}
footer{color:#888;font-size:12px;margin:40px 24px}${opts.css ?? ''}
</style>${opts.head ?? ''}</head>
<body><header>${esc(opts.store)}</header><main>${opts.body}</main>
<footer>© ${esc(opts.store)} · Prices in store may vary</footer></body></html>`;
}

export function productLd(
  p: DemoProduct,
  offer: { price: string; currency: string; seller?: string; url?: string },
): object {
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: p.name,
    sku: p.sku.replace('NW-', 'NW'),
    gtin13: p.gtin,
    brand: { '@type': 'Brand', name: 'Northwind' },
    offers: {
      '@type': 'Offer',
      price: offer.price,
      priceCurrency: offer.currency,
      availability: 'https://schema.org/InStock',
      itemCondition: 'https://schema.org/NewCondition',
      ...(offer.url ? { url: offer.url } : {}),
      ...(offer.seller ? { seller: { '@type': 'Organization', name: offer.seller } } : {}),
    },
  };
}
