/**
 * Embedded state as a source and a witness (issue 11, item 6), each format on a small synthetic
 * page. The state is parsed as JSON only, matched to the page's product by SKU, GTIN, URL or
 * title, and never taken alone when the page does not show its price.
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';

const URL_ = 'https://shop.example.com/products/widget-pro';
const USD = { url: URL_, site: { currency: 'USD' } };

/** No h1: the title comes from og:title, so two visible prices make the text model abstain. */
const page = (body: string, head = '') =>
  `<!doctype html><html><head><title>Widget Pro | Shop</title><meta property="og:title" content="Widget Pro">${head}</head><body>${body}</body></html>`;
const twoPrices =
  '<div class="main"><span class="price">$49.99</span><button>Add to cart</button></div>' +
  '<div class="teaser"><a href="/products/widget-mini">Widget Mini</a> <span class="price">$39.99</span></div>';
const script = (body: string, attrs = '') => `<script${attrs}>${body}</script>`;

describe('embedded state', () => {
  it('without state, the two visible prices are ambiguous (the baseline the state settles)', () => {
    const r = extractOffers(page(twoPrices), USD);
    expect(r.primary).toBeNull();
  });

  it('__NEXT_DATA__ picks the page product, not the cheaper related product found first', () => {
    const next = {
      props: {
        pageProps: {
          header: { promo: { name: 'Widget Mini', sku: 'WM-1', price: 39.99 } },
          product: { name: 'Widget Pro', sku: 'WP-2', price: 49.99 },
        },
      },
    };
    const r = extractOffers(
      page(twoPrices + script(JSON.stringify(next), ' id="__NEXT_DATA__" type="application/json"')),
      USD,
    );
    expect(r.primary).toMatchObject({ amount: '49.99', currency: 'USD', source: 'text' });
    expect(r.warnings.join(' ')).toMatch(/confirmed by embedded next-data/);
  });

  it('Next.js flight data (self.__next_f.push) is joined across pushes and parsed line by line', () => {
    const props = JSON.stringify([
      '$',
      'div',
      null,
      {
        related: [{ name: 'Widget Mini', price: 39.99 }],
        rail: { name: 'Widget Pro Mini', price: 39.99 },
        product: { name: 'Widget Pro', sku: 'WP-2', price: 49.99 },
      },
    ]);
    const stream = `1:HL["/_next/static/x.woff2","font"]\n5:${props}\n6:"$Sreact.suspense"\n`;
    // the product line is split across two pushes, as the server streams it
    const cut = stream.length - 40;
    const push = (s: string) => script(`self.__next_f.push(${JSON.stringify([1, s])})`);
    const r = extractOffers(
      page(
        twoPrices +
          script('(self.__next_f=self.__next_f||[]).push([0])') +
          push(stream.slice(0, cut)) +
          push(stream.slice(cut)),
      ),
      USD,
    );
    expect(r.primary?.amount).toBe('49.99');
    expect(r.warnings.join(' ')).toMatch(/confirmed by embedded next-flight/);
  });

  it('a blob holding only the related product decides nothing', () => {
    const next = { props: { pageProps: { promo: { name: 'Widget Mini', price: 39.99 } } } };
    const r = extractOffers(
      page(twoPrices + script(JSON.stringify(next), ' id="__NEXT_DATA__" type="application/json"')),
      USD,
    );
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/no product in the page's state matches/);
  });

  it('a state price the page does not show is never taken alone', () => {
    const next = { props: { pageProps: { product: { name: 'Widget Pro', price: 59.99 } } } };
    const r = extractOffers(
      page(twoPrices + script(JSON.stringify(next), ' id="__NEXT_DATA__" type="application/json"')),
      USD,
    );
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/says 59\.99, which the page does not show/);
  });

  it('window.__NUXT__ as JSON is read; a Nuxt function payload is never run', () => {
    const nuxt = {
      data: [{ related: [{ name: 'Widget Pro', price: 39.99 }], item: { title: 'Widget Pro', price: '49.99' } }],
    };
    const ok = extractOffers(page(twoPrices + script(`window.__NUXT__=${JSON.stringify(nuxt)};`)), USD);
    expect(ok.primary?.amount).toBe('49.99');
    const fn = extractOffers(
      page(twoPrices + script(`window.__NUXT__=(function(a){return {item:{title:"Widget Pro",price:a}}}(49.99));`)),
      USD,
    );
    expect(fn.primary).toBeNull();
    expect(fn.warnings.join(' ')).not.toMatch(/embedded nuxt/);
  });

  it('__INITIAL_STATE__ / __PRELOADED_STATE__ match by the SKU in the URL', () => {
    const state = {
      cart: { items: [{ name: 'Gadget', sku: 'GAD-100', price: 39.99 }] },
      pdp: { data: { name: 'Acme widget, the pro one', sku: 'WP-777', price: { amount: 49.99, currency: 'USD' } } },
    };
    for (const v of ['__INITIAL_STATE__', '__PRELOADED_STATE__']) {
      const r = extractOffers(page(twoPrices + script(`window.${v} = ${JSON.stringify(state)};`)), {
        url: 'https://shop.example.com/p/wp-777',
        site: { currency: 'USD' },
      });
      expect(r.primary?.amount).toBe('49.99');
    }
  });

  it('Shopify product JSON: variant prices in minor units', () => {
    const product = {
      id: 1,
      title: 'Widget Pro',
      handle: 'widget-pro',
      variants: [{ id: 11, price: 4999, sku: 'WP' }],
    };
    const r = extractOffers(
      page(twoPrices + script(JSON.stringify(product), ' type="application/json" data-product-json')),
      USD,
    );
    expect(r.primary).toMatchObject({ amount: '49.99', source: 'text' });
  });

  it('Shopify product JSON whose variants differ in price only witnesses: no price', () => {
    const product = {
      id: 1,
      title: 'Widget Pro',
      handle: 'widget-pro',
      variants: [
        { id: 11, price: 4999, sku: 'WP-S' },
        { id: 12, price: 3999, sku: 'WP-L' },
      ],
    };
    const r = extractOffers(
      page(twoPrices + script(JSON.stringify(product), ' type="application/json" id="ProductJson-product-template"')),
      USD,
    );
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/several prices \(49\.99, 39\.99\)/);
  });

  it('Shopify: a product URL naming a variant (?variant=) settles which variant price is shown', () => {
    const product = {
      id: 1,
      title: 'Widget Pro',
      handle: 'widget-pro',
      variants: [
        { id: 11, price: 3999, sku: 'WP-S' },
        { id: 12, price: 4999, sku: 'WP-L' },
      ],
    };
    const r = extractOffers(
      page(twoPrices + script(JSON.stringify(product), ' type="application/json" data-product-json')),
      { url: `${URL_}?variant=12`, site: { currency: 'USD' } },
    );
    expect(r.primary?.amount).toBe('49.99');
  });

  it('Shopify `var meta` disagreeing with the visible buy-box price: no price', () => {
    const meta = {
      product: { id: 1, variants: [{ id: 11, price: 5999, name: 'Widget Pro - Blue' }] },
      page: { pageType: 'product' },
    };
    const body = '<h1>Widget Pro</h1><span class="price">$49.99</span><button>Add to cart</button>';
    const r = extractOffers(page(body + script(`var meta = ${JSON.stringify(meta)};`)), USD);
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/visible text shows 49\.99 USD but embedded shopify-meta says 59\.99/);
    // and agreeing: the visible price stands
    meta.product.variants[0]!.price = 4999;
    const ok = extractOffers(page(body + script(`var meta = ${JSON.stringify(meta)};`)), USD);
    expect(ok.primary?.amount).toBe('49.99');
  });

  it('VTEX skuJson: bestPrice in minor units of the available SKU', () => {
    const sku = {
      productId: 5,
      name: 'Widget Pro',
      skus: [
        { sku: 1, available: true, bestPrice: 4999, listPrice: 5999 },
        { sku: 2, available: false, bestPrice: 3999, listPrice: 5999 },
      ],
    };
    const r = extractOffers(page(twoPrices + script(`var skuJson_0 = ${JSON.stringify(sku)};`)), USD);
    expect(r.primary?.amount).toBe('49.99');
  });

  it("Magento: the price box of the product the add-to-cart form posts, not a tile's", () => {
    const box = (id: string, amount: string) =>
      `<div class="price-box price-final_price" data-product-id="${id}"><span class="price-wrapper" data-price-type="finalPrice" data-price-amount="${amount}"><span class="price">$${amount}</span></span></div>`;
    const body =
      `<div class="tile">Widget Mini ${box('7', '39.99')}</div>` +
      `<div class="product-info-main">${box('42', '49.99')}` +
      `<form id="product_addtocart_form" action="/checkout/cart/add/"><input type="hidden" name="product" value="42"><button>Add to cart</button></form></div>`;
    const r = extractOffers(page(body), USD);
    expect(r.primary?.amount).toBe('49.99');
  });

  it('a witness that confirms one of several structured prices settles it', () => {
    const ld = {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: 'Widget Pro',
      offers: [
        { '@type': 'Offer', price: '49.99', priceCurrency: 'USD' },
        { '@type': 'Offer', price: '39.99', priceCurrency: 'USD' },
      ],
    };
    const head = `<script type="application/ld+json">${JSON.stringify(ld)}</script>`;
    const without = extractOffers(page('', head), USD);
    expect(without.primary).toBeNull();
    const next = { props: { pageProps: { product: { name: 'Widget Pro', price: 49.99 } } } };
    const r = extractOffers(
      page(script(JSON.stringify(next), ' id="__NEXT_DATA__" type="application/json"'), head),
      USD,
    );
    expect(r.primary).toMatchObject({ amount: '49.99', source: 'json-ld' });
  });

  it('a state price disagreeing with JSON-LD is reported', () => {
    const ld = {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: 'Widget Pro',
      offers: { '@type': 'Offer', price: '49.99', priceCurrency: 'USD' },
    };
    const next = { props: { pageProps: { product: { name: 'Widget Pro', price: 44.99 } } } };
    const r = extractOffers(
      page(
        script(JSON.stringify(next), ' id="__NEXT_DATA__" type="application/json"'),
        `<script type="application/ld+json">${JSON.stringify(ld)}</script>`,
      ),
      USD,
    );
    expect(r.primary?.amount).toBe('49.99');
    expect(r.warnings.join(' ')).toMatch(/embedded next-data says 44\.99 but json-ld says 49\.99 USD/);
  });

  it('hostile state: 200,000-deep nesting and a 5 MB blob never throw', () => {
    const deep = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
    const r1 = extractOffers(page(twoPrices + script(deep, ' id="__NEXT_DATA__" type="application/json"')), USD);
    expect(r1.primary).toBeNull();
    const big = JSON.stringify({
      items: Array.from({ length: 60_000 }, (_, i) => ({ name: `Item ${i}`, price: 1 + (i % 90) })),
    });
    expect(big.length).toBeGreaterThan(1_500_000);
    const huge = `window.__INITIAL_STATE__ = {"pad":"${'x'.repeat(5_000_000)}"};`;
    const r2 = extractOffers(
      page(twoPrices + script(big, ' id="__NEXT_DATA__" type="application/json"') + script(huge)),
      USD,
    );
    expect(r2.primary).toBeNull();
    expect(r2.warnings.join(' ')).toMatch(/too large; skipped/);
  });
});
