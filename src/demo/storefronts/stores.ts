/**
 * The nine demo storefronts. Each behaves the way a real platform does, and each is
 * served on its own loopback address (127.0.0.x), so every store is a domain of its own
 * with its own politeness, robots.txt and site health.
 */
import type http from 'node:http';
import { DEMO_PRODUCTS, type DemoProduct } from './catalog.js';
import { esc, jsonLd, page, productLd } from './page-kit.js';

export interface StoreState {
  /** Requests seen per path, so a store can change its answer over time. */
  hits: Map<string, number>;
  /** Set by the demo runner when it wants the "layout change" store to switch. */
  shifted: boolean;
}

export interface Listing {
  sku: string;
  path: string;
}

export interface Storefront {
  id: string;
  reseller: string;
  listings: Listing[];
  /** Its config has no listings: robots.txt names a sitemap, and discovery finds the pages. */
  discoverable?: boolean;
  serve(req: http.IncomingMessage, res: http.ServerResponse, path: string, state: StoreState): boolean;
}

const bySku = (sku: string): DemoProduct => DEMO_PRODUCTS.find((p) => p.sku === sku)!;
const html = (res: http.ServerResponse, body: string, status = 200) =>
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);

function route(listings: Listing[], path: string): DemoProduct | undefined {
  const l = listings.find((x) => x.path === path);
  return l ? bySku(l.sku) : undefined;
}

/** Shopify-like: JSON-LD only. The DAC-1 shows a flash price on its first load only, a read the re-check must reject. */
const brightbuy: Storefront = {
  id: 'brightbuy',
  reseller: 'BrightBuy',
  listings: [
    { sku: 'NW-HP100', path: '/products/hp-100-wireless-headphones' },
    { sku: 'NW-SUB8', path: '/products/sub-8-subwoofer' },
    { sku: 'NW-DAC1', path: '/products/dac-1-usb-dac' },
  ],
  serve(_req, res, path, state) {
    const p = route(this.listings, path);
    if (!p) return false;
    const firstLoad = (state.hits.get(path) ?? 0) <= 1;
    const price = { 'NW-HP100': '199.00', 'NW-SUB8': '449.00', 'NW-DAC1': firstLoad ? '119.00' : '149.00' }[p.sku]!;
    html(
      res,
      page({
        title: p.name,
        store: 'BrightBuy',
        head:
          jsonLd(productLd(p, { price, currency: 'USD', seller: 'BrightBuy' })) +
          `<link rel="canonical" href="${path}">`,
        body: `<h1>${esc(p.name)}</h1><p class="price" data-price>$${price}</p><button class="buy">Add to cart</button>`,
      }),
    );
    return true;
  },
};

/** WooCommerce-like: microdata, and a strike-through regular price beside the sale price. */
const wooaudio: Storefront = {
  id: 'wooaudio',
  reseller: 'WooAudio',
  listings: [
    { sku: 'NW-SPK20', path: '/product/northwind-spk-20/' },
    { sku: 'NW-DAC1', path: '/product/northwind-dac-1/' },
  ],
  serve(_req, res, path) {
    const p = route(this.listings, path);
    if (!p) return false;
    const sale = p.sku === 'NW-SPK20';
    const price = sale ? '329.00' : '149.00';
    const priceHtml = sale
      ? `<p class="price"><del aria-hidden="true"><span class="woocommerce-Price-amount amount">$399.00</span></del> <ins><span class="woocommerce-Price-amount amount">$329.00</span></ins></p>`
      : `<p class="price"><span class="woocommerce-Price-amount amount">$149.00</span></p>`;
    html(
      res,
      page({
        title: p.name,
        store: 'WooAudio',
        body: `<div itemscope itemtype="https://schema.org/Product"><h1 class="product_title" itemprop="name">${esc(p.name)}</h1>
<meta itemprop="gtin13" content="${p.gtin}">${priceHtml}
<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="${price}"><meta itemprop="priceCurrency" content="USD">
<link itemprop="availability" href="https://schema.org/InStock"></div>
<form class="cart"><button class="buy single_add_to_cart_button">Add to cart</button></form></div>`,
      }),
    );
    return true;
  },
};

/** Magento-like: the product's own price plus a related-products block with cheaper prices. */
const magento: Storefront = {
  id: 'magento-hifi',
  reseller: 'Magento HiFi',
  listings: [
    { sku: 'NW-AMP5', path: '/northwind-amp-5-integrated-amplifier.html' },
    { sku: 'NW-HP100', path: '/northwind-hp-100.html' },
  ],
  serve(_req, res, path) {
    const p = route(this.listings, path);
    if (!p) return false;
    const price = p.sku === 'NW-AMP5' ? '809.10' : '189.00';
    const related = DEMO_PRODUCTS.filter((r) => r.sku !== p.sku)
      .slice(0, 3)
      .map(
        (r, i) =>
          `<li class="product-item card"><a class="product-item-link">${esc(r.name)}</a><span class="price-box"><span class="price">$${[39, 99, 129][i]}.00</span></span></li>`,
      )
      .join('');
    html(
      res,
      page({
        title: p.name,
        store: 'Magento HiFi',
        head: jsonLd(productLd(p, { price, currency: 'USD' })),
        body: `<div class="product-info-main"><h1 class="page-title"><span class="base">${esc(p.name)}</span></h1>
<div class="price-box price-final_price"><span class="price-container"><span class="price">$${price}</span></span></div>
<button class="buy action tocart primary">Add to Cart</button></div>
<div class="block related"><strong class="block-title">Related Products</strong><ol class="products list">${related}</ol></div>`,
      }),
    );
    return true;
  },
};

/** A single-page app: the page ships no price; script fetches it by XHR after load. */
const spa: Storefront = {
  id: 'spa-sound',
  reseller: 'SPA Sound',
  listings: [{ sku: 'NW-HP100', path: '/p/hp100' }],
  serve(_req, res, path) {
    if (path === '/api/price/hp100') {
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ sku: 'HP100', price: 179, currency: 'USD' })),
        300,
      );
      return true;
    }
    const p = route(this.listings, path);
    if (!p) return false;
    html(
      res,
      page({
        title: p.name,
        store: 'SPA Sound',
        body: `<div id="app"><h1>${esc(p.name)}</h1><p class="price" id="price">Loading price…</p></div>
<script>
fetch('/api/price/hp100').then(r => r.json()).then(d => {
  document.getElementById('price').textContent = '$' + d.price.toFixed(2);
  const s = document.createElement('script'); s.type = 'application/ld+json';
  s.textContent = JSON.stringify({"@context":"https://schema.org","@type":"Product","name":${JSON.stringify(p.name)},"gtin13":"${p.gtin}","offers":{"@type":"Offer","price":d.price.toFixed(2),"priceCurrency":d.currency}});
  document.head.appendChild(s);
});
</script>`,
      }),
    );
    return true;
  },
};

/** A marketplace listing: one buy box, several sellers, one of them not an authorized reseller. */
const marketplace: Storefront = {
  id: 'megamarket',
  reseller: 'MegaMarket',
  listings: [{ sku: 'NW-SPK20', path: '/dp/B0SPK20NW' }],
  discoverable: true,
  serve(_req, res, path) {
    const p = route(this.listings, path);
    if (!p) return false;
    const sellers = [
      { name: 'MegaMarket Retail', price: '349.00', buybox: true },
      { name: 'Northwind Official Store', price: '349.00' },
      { name: 'cheap-audio-outlet', price: '279.00' },
    ];
    const ld = {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: p.name,
      gtin13: p.gtin,
      // The brand's part number with the brand: how discovery matches this page to the catalog.
      mpn: p.sku,
      brand: { '@type': 'Brand', name: 'Northwind' },
      offers: sellers.map((s) => ({
        '@type': 'Offer',
        price: s.price,
        priceCurrency: 'USD',
        itemCondition: 'https://schema.org/NewCondition',
        seller: { '@type': 'Organization', name: s.name },
      })),
    };
    html(
      res,
      page({
        title: p.name,
        store: 'MegaMarket',
        head: jsonLd(ld),
        body: `<h1 id="title">${esc(p.name)}</h1><div id="buybox"><span class="price">$349.00</span><div>Sold by MegaMarket Retail</div><button class="buy">Add to Cart</button></div>
<h3>Other sellers on MegaMarket</h3><ul id="olp">${sellers
          .slice(1)
          .map(
            (s) =>
              `<li class="card"><span class="price">$${s.price}</span> <span class="seller">${esc(s.name)}</span></li>`,
          )
          .join('')}</ul>`,
      }),
    );
    return true;
  },
};

/** "See price in cart": the product page hides the price; the cart page shows it after add-to-cart. */
const cartOnly: Storefront = {
  id: 'cartonly',
  reseller: 'CartOnly Audio',
  listings: [{ sku: 'NW-SUB8', path: '/item/sub8' }],
  serve(req, res, path) {
    if (path === '/cart/add' && req.method === 'POST') {
      res.writeHead(303, { location: '/cart', 'set-cookie': 'cart=sub8; Path=/' }).end();
      return true;
    }
    if (path === '/cart') {
      const inCart = /cart=sub8/.test(req.headers.cookie ?? '');
      html(
        res,
        page({
          title: 'Your cart',
          store: 'CartOnly Audio',
          body: inCart
            ? `<h1>Your cart</h1><table class="cart"><tr class="line"><td class="name">${esc(bySku('NW-SUB8').name)}</td><td class="line-price price">$429.00</td></tr></table>`
            : '<h1>Your cart is empty</h1>',
        }),
      );
      return true;
    }
    const p = route(this.listings, path);
    if (!p) return false;
    html(
      res,
      page({
        title: p.name,
        store: 'CartOnly Audio',
        body: `<h1>${esc(p.name)}</h1><p class="map-msg">Our price is too low to show! <strong>See price in cart.</strong></p>
<form method="post" action="/cart/add"><button class="buy" id="add-to-cart">Add to cart</button></form>`,
      }),
    );
    return true;
  },
};

/** An EU store: VAT-inclusive prices with a decimal comma, and no structured data. */
const klanghaus: Storefront = {
  id: 'klanghaus',
  reseller: 'KlangHaus GmbH',
  listings: [
    { sku: 'NW-HP100', path: '/de/kopfhoerer/northwind-hp-100' },
    { sku: 'NW-SPK20', path: '/de/lautsprecher/northwind-spk-20' },
  ],
  serve(_req, res, path) {
    const p = route(this.listings, path);
    if (!p) return false;
    const price = p.sku === 'NW-HP100' ? '219,00' : '399,00';
    html(
      res,
      page({
        title: p.name,
        store: 'KlangHaus',
        lang: 'de',
        body: `<h1>${esc(p.name)}</h1><div class="product-price"><span class="price price-now">${price}&nbsp;€</span>
<small>inkl. 19 % MwSt., zzgl. Versandkosten</small></div><div class="uvp">UVP <s>249,00 €</s></div>
<button class="buy">In den Warenkorb</button>`,
      }),
    );
    return true;
  },
};

/** A store behind a bot wall: first 429 with Retry-After, then a captcha page. */
const blocky: Storefront = {
  id: 'blocky',
  reseller: 'Blocky Electronics',
  listings: [
    { sku: 'NW-HP100', path: '/shop/hp100' },
    { sku: 'NW-DAC1', path: '/shop/dac1' },
  ],
  serve(_req, res, path, state) {
    if (!route(this.listings, path)) return false;
    const total = [...this.listings].reduce((n, l) => n + (state.hits.get(l.path) ?? 0), 0);
    if (total <= 1) {
      res
        .writeHead(429, { 'retry-after': '2', 'content-type': 'text/html' })
        .end('<html><body>Too Many Requests</body></html>');
      return true;
    }
    html(
      res,
      `<!doctype html><html><head><title>Attention Required! | Cloudflare</title></head><body>
<div id="cf-wrapper"><h1>Please verify you are a human</h1><div class="cf-turnstile" data-sitekey="x"></div>
<p>Checking if the site connection is secure. Why do I have to complete a CAPTCHA?</p></div></body></html>`,
      403,
    );
    return true;
  },
};

/** A store that ships a redesign partway through: structured data disappears and the old markup goes. */
const shifty: Storefront = {
  id: 'shifty',
  reseller: 'Shifty Sounds',
  listings: [
    { sku: 'NW-HP100', path: '/catalog/hp100' },
    { sku: 'NW-SPK20', path: '/catalog/spk20' },
    { sku: 'NW-SUB8', path: '/catalog/sub8' },
  ],
  serve(_req, res, path, state) {
    const p = route(this.listings, path);
    if (!p) return false;
    const price = { 'NW-HP100': '199.00', 'NW-SPK20': '349.00', 'NW-SUB8': '399.00' }[p.sku]!;
    if (!state.shifted) {
      html(
        res,
        page({
          title: p.name,
          store: 'Shifty Sounds',
          head: jsonLd(productLd(p, { price, currency: 'USD' })),
          body: `<h1>${esc(p.name)}</h1><p class="price">$${price}</p>`,
        }),
      );
    } else {
      // The redesign renders prices as images of digits: nothing a parser can trust.
      html(
        res,
        page({
          title: p.name,
          store: 'Shifty Sounds',
          body: `<h1>${esc(p.name)}</h1><div class="pdp-v2"><span class="amount-img" aria-label="price"><img alt="" src="/img/price-${p.sku}.png"></span></div>`,
        }),
      );
    }
    return true;
  },
};

export const STOREFRONTS: Storefront[] = [
  brightbuy,
  wooaudio,
  magento,
  spa,
  marketplace,
  cartOnly,
  klanghaus,
  blocky,
  shifty,
];
