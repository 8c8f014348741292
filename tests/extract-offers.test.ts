import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';
import { parseLenientJson } from '../src/extract/lenient-json.js';
import { normalizeAvailability } from '../src/extract/availability.js';
import { normalizeAmount } from '../src/extract/money.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/extract');
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name), 'utf8');
const URL_ = 'https://shop.example/p/widget-pro';
const USD = { currency: 'USD', locale: 'en-US', selectors: undefined };

const page = (head: string, body = '') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;
const ld = (obj: unknown) =>
  `<script type="application/ld+json">${typeof obj === 'string' ? obj : JSON.stringify(obj)}</script>`;
const product = (offers: unknown, extra: Record<string, unknown> = {}) => ({
  '@context': 'https://schema.org',
  '@type': 'Product',
  name: 'Widget Pro',
  ...extra,
  offers,
});

describe('JSON-LD', () => {
  it('reads a plain Product/Offer', () => {
    const r = extractOffers(
      page(
        ld(
          product(
            { '@type': 'Offer', price: '1299.00', priceCurrency: 'usd', availability: 'http://schema.org/PreOrder' },
            { sku: 'WP-1', brand: { name: 'Acme' } },
          ),
        ),
      ),
      { url: URL_ },
    );
    expect(r.primary).toMatchObject({
      amount: '1299',
      currency: 'USD',
      source: 'json-ld',
      availability: 'preorder',
      sku: 'WP-1',
      brand: 'Acme',
      name: 'Widget Pro',
    });
    expect(r.ambiguous).toBe(false);
  });

  it('repairs comments, raw newlines/tabs, trailing commas and HTML comment wrappers, and reads "1.299,00"', () => {
    const r = extractOffers(fixture('broken-jsonld.html'), { url: 'https://shop.example/acme' });
    expect(r.primary).toMatchObject({ amount: '1299', currency: 'EUR', availability: 'in_stock', sku: 'AD-500' });
    expect(r.warnings.some((w) => /json-ld/.test(w))).toBe(true);
  });

  it.each([
    ['CDATA', `//<![CDATA[\n${JSON.stringify(product({ price: '10.50', priceCurrency: 'EUR' }))}\n//]]>`],
    [
      'concatenated objects',
      `${JSON.stringify({ '@type': 'Organization', name: 'Shop' })}\n${JSON.stringify(product({ price: '10.50', priceCurrency: 'EUR' }))}`,
    ],
    [
      'entity-encoded quotes',
      JSON.stringify(product({ price: '10.50', priceCurrency: 'EUR' })).replace(/"/g, '&quot;'),
    ],
    [
      'trailing commas in arrays',
      `{"@type":"Product","name":"W","offers":[{"@type":"Offer","price":"10.50","priceCurrency":"EUR",},],}`,
    ],
  ])('survives %s', (_, body) => {
    const r = extractOffers(page(ld(body)), { url: URL_ });
    expect(r.primary).toMatchObject({ amount: '10.5', currency: 'EUR' });
  });

  it.each([
    ['"1,299.00"', '1,299.00', 'USD', '1299'],
    ['"1.299,00"', '1.299,00', 'EUR', '1299'],
    ['"1 299,50"', '1 299,50', 'EUR', '1299.5'],
    ['"12,345,678.90"', '12,345,678.90', 'USD', '12345678.9'],
  ])('reads a grouped %s price in JSON-LD as the full amount', (_, price, priceCurrency, amount) => {
    const r = extractOffers(page(ld(JSON.stringify(product({ price, priceCurrency })))), { url: URL_ });
    expect(r.primary).toMatchObject({ amount, currency: priceCurrency });
  });

  it('never throws on hopeless JSON and warns', () => {
    const r = extractOffers(page(ld('{"@type":"Product", "offers": {"price": ')), { url: URL_ });
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/json-ld/);
  });

  it('handles @graph, skips StrikethroughPrice, related and other products, matches by canonical URL', () => {
    const r = extractOffers(fixture('graph-related.html'), { url: URL_ });
    expect(r.primary).toMatchObject({
      amount: '249.99',
      currency: 'USD',
      sku: 'WP-1',
      gtin: '4006381333931',
      brand: 'Acme',
    });
    expect(r.ambiguous).toBe(false);
    expect(r.offers.map((o) => o.amount)).not.toContain('19.99');
  });

  it('AggregateOffer with lowPrice != highPrice and no single offer is ambiguous', () => {
    const r = extractOffers(
      page(ld(product({ '@type': 'AggregateOffer', lowPrice: '10', highPrice: '20', priceCurrency: 'EUR' }))),
      { url: URL_ },
    );
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/range/);
  });

  it('AggregateOffer with lowPrice == highPrice is a price', () => {
    const r = extractOffers(
      page(ld(product({ '@type': 'AggregateOffer', lowPrice: '15.0', highPrice: '15.0', priceCurrency: 'EUR' }))),
      { url: URL_ },
    );
    expect(r.primary).toMatchObject({ amount: '15', currency: 'EUR' });
  });

  it('ProductGroup variants with one price', () => {
    const group = {
      '@context': 'https://schema.org',
      '@type': 'ProductGroup',
      name: 'Tee',
      hasVariant: [
        { '@type': 'Product', sku: 'T-S', offers: { '@type': 'Offer', price: 20, priceCurrency: 'GBP' } },
        { '@type': 'Product', sku: 'T-M', offers: { '@type': 'Offer', price: 20, priceCurrency: 'GBP' } },
      ],
    };
    expect(extractOffers(page(ld(group)), { url: URL_ }).primary).toMatchObject({ amount: '20', currency: 'GBP' });
  });

  it('price only in priceSpecification; ListPrice is not the selling price', () => {
    const r = extractOffers(
      page(
        ld(
          product({
            '@type': 'Offer',
            priceSpecification: [
              { '@type': 'UnitPriceSpecification', priceType: 'ListPrice', price: 80, priceCurrency: 'EUR' },
              { '@type': 'UnitPriceSpecification', price: 60, priceCurrency: 'EUR' },
            ],
          }),
        ),
      ),
      { url: URL_ },
    );
    expect(r.primary).toMatchObject({ amount: '60', currency: 'EUR' });
  });

  it('a used offer is never primary, the new one is', () => {
    const r = extractOffers(
      page(
        ld(
          product([
            { '@type': 'Offer', price: 40, priceCurrency: 'USD', itemCondition: 'https://schema.org/UsedCondition' },
            { '@type': 'Offer', price: 55, priceCurrency: 'USD', itemCondition: 'https://schema.org/NewCondition' },
          ]),
        ),
      ),
      { url: URL_ },
    );
    expect(r.primary).toMatchObject({ amount: '55', condition: 'new' });
  });

  it('refurbished-only gives no primary', () => {
    const r = extractOffers(
      page(ld(product({ price: 40, priceCurrency: 'USD', itemCondition: 'RefurbishedCondition' }))),
      { url: URL_ },
    );
    expect(r.primary).toBeNull();
  });

  it('conflicting offers with nothing to settle them → ambiguous, no guess', () => {
    const r = extractOffers(
      page(
        ld(
          product([
            { price: 40, priceCurrency: 'USD' },
            { price: 55, priceCurrency: 'USD' },
          ]),
        ),
      ),
      { url: URL_ },
    );
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/several prices/);
  });

  it('two unrelated Products with different prices and no URL/name match → ambiguous', () => {
    const html = page(
      ld([
        { '@type': 'Product', name: 'A', offers: { price: 1, priceCurrency: 'USD' } },
        { '@type': 'Product', name: 'B', offers: { price: 2, priceCurrency: 'USD' } },
      ]),
    );
    const r = extractOffers(html, { url: 'https://shop.example/x' });
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
  });

  it('keeps a product name with <script> as plain text', () => {
    // inside a script block a literal "</script>" must be written "<\/script>" (valid JSON)
    const html = page(
      ld(
        JSON.stringify(
          product({ price: 5, priceCurrency: 'USD' }, { name: 'Evil <script>alert(1)</script> &amp; Co' }),
        ).replace(/<\//g, '<\\/'),
      ),
    );
    const r = extractOffers(html, { url: URL_ });
    expect(r.primary?.name).toBe('Evil <script>alert(1)</script> & Co');
  });

  it('structured data vs visible text disagreeing strongly → warning, structured wins', () => {
    const html = page(
      ld(product({ price: 100, priceCurrency: 'USD' })),
      '<h1>Widget Pro</h1><span class="price">$180.00</span>',
    );
    const r = extractOffers(html, { url: URL_ });
    expect(r.primary).toMatchObject({ amount: '100', source: 'json-ld' });
    expect(r.warnings.join(' ')).toMatch(/visible text shows 180/);
  });

  it('JSON-LD vs meta tags disagreeing with nothing to settle → ambiguous', () => {
    const html = page(
      ld(product({ price: 150, priceCurrency: 'USD' })) +
        '<meta property="product:price:amount" content="120"><meta property="product:price:currency" content="USD">',
    );
    const r = extractOffers(html, { url: URL_ });
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
  });
});

describe('microdata', () => {
  it('content= wins over text; nested related product belongs to its own item', () => {
    const html = page(
      '',
      `
      <div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Widget Pro</h1><span itemprop="sku">WP-1</span>
        <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
          <span itemprop="price" content="249.99">$249,99!</span><meta itemprop="priceCurrency" content="USD">
          <link itemprop="availability" href="https://schema.org/OutOfStock">
        </div>
        <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Case</span>
          <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><span itemprop="price">19.99</span><meta itemprop="priceCurrency" content="USD"></div>
        </div>
      </div>`,
    );
    const r = extractOffers(html, { url: URL_ });
    expect(r.primary).toMatchObject({
      amount: '249.99',
      currency: 'USD',
      source: 'microdata',
      availability: 'out_of_stock',
      sku: 'WP-1',
      name: 'Widget Pro',
    });
    expect(r.ambiguous).toBe(false);
  });

  it('legacy currency code RUR becomes RUB', () => {
    const html = page(
      '',
      '<div itemscope itemtype="http://schema.org/Offer"><meta itemprop="price" content="249"><meta itemprop="priceCurrency" content="RUR"></div>',
    );
    expect(extractOffers(html, { url: URL_ }).primary).toMatchObject({ amount: '249', currency: 'RUB' });
  });
});

describe('meta tags', () => {
  it('product:price:amount + currency', () => {
    const html = page(
      '<meta property="product:price:amount" content="329.99"><meta property="product:price:currency" content="USD">',
    );
    expect(extractOffers(html, { url: URL_ }).primary).toMatchObject({
      amount: '329.99',
      currency: 'USD',
      source: 'meta',
    });
  });

  it('og:price with a sale price: the sale price is primary', () => {
    const html = page(
      '<meta property="og:price:amount" content="50.00"><meta property="og:price:currency" content="EUR"><meta property="product:sale_price:amount" content="40.00"><meta property="product:sale_price:currency" content="EUR">',
    );
    expect(extractOffers(html, { url: URL_ }).primary).toMatchObject({ amount: '40', currency: 'EUR' });
  });

  it('bare amount without currency uses site.currency, else no primary (warned)', () => {
    const html = page('<meta property="product:price:amount" content="12.00">');
    expect(
      extractOffers(html, { url: URL_, site: { currency: 'CAD', locale: 'en-CA', selectors: undefined } }).primary,
    ).toMatchObject({ amount: '12', currency: 'CAD' });
    const r = extractOffers(html, { url: URL_ });
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/no currency/);
  });
});

describe('selectors', () => {
  it('reads the configured price / sku / availability selectors', () => {
    const html = page(
      '',
      '<div id="p"><b class="amt">1.299,00 €</b><i class="code">X-9</i><em class="stock">Out of stock</em></div>',
    );
    const r = extractOffers(html, {
      url: URL_,
      site: { currency: 'EUR', locale: 'de-DE', selectors: { price: '#p .amt', sku: '.code', availability: '.stock' } },
    });
    expect(r.primary).toMatchObject({
      amount: '1299',
      currency: 'EUR',
      source: 'selector',
      sku: 'X-9',
      availability: 'out_of_stock',
    });
  });

  it('warns on a selector that matches nothing or is invalid', () => {
    const r = extractOffers(page('', '<p>x</p>'), {
      url: URL_,
      site: { currency: 'EUR', locale: 'de-DE', selectors: { price: '##bad' } },
    });
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/selector/);
  });
});

describe('visible text', () => {
  const buy = (inner: string, extra = '') =>
    page(
      '<title>Widget Pro</title>',
      `<nav><span class="price">$5.00</span></nav><h1>Widget Pro</h1><div class="buy-box">${inner}</div>${extra}<footer><span class="price">$1.00</span></footer>`,
    );

  it('strike-through was-price vs sale price', () => {
    const r = extractOffers(buy('<s class="price">$34.99</s><span class="price">$31.49</span>'), {
      url: URL_,
      site: USD,
    });
    expect(r.primary).toMatchObject({ amount: '31.49', currency: 'USD', source: 'text' });
  });

  it('old-price class vs sale price, and "Was:" labels', () => {
    expect(
      extractOffers(buy('<span class="old-price">$40.00</span><span class="price">$30.00</span>'), {
        url: URL_,
        site: USD,
      }).primary?.amount,
    ).toBe('30');
    expect(
      extractOffers(buy('<p class="price">Was: $40.00</p><p class="price">$30.00</p>'), { url: URL_, site: USD })
        .primary?.amount,
    ).toBe('30');
  });

  it('ignores the related-products carousel, nav and footer', () => {
    const r = extractOffers(
      buy(
        '<span class="price">$31.49</span>',
        '<section class="customers-also-bought"><span class="price">$9.99</span></section><div class="product-carousel"><span class="price">$12.00</span></div>',
      ),
      { url: URL_, site: USD },
    );
    expect(r.primary?.amount).toBe('31.49');
  });

  it('ignores instalments, shipping and unit prices', () => {
    const r = extractOffers(
      buy(
        '<span class="price">€49.90</span><span class="price-installment">or 4 × €12.48 with Klarna</span><span class="price-per-month">€9.99/mo</span><span class="shipping-price">Shipping: €4.95</span><span class="unit-price">€3.99/kg</span>',
      ),
      { url: URL_, site: { currency: 'EUR', locale: 'en-IE', selectors: undefined } },
    );
    expect(r.primary).toMatchObject({ amount: '49.9', currency: 'EUR' });
  });

  it('a used offer in text is not the price', () => {
    const r = extractOffers(buy('<span class="price">£48.99</span><span class="used-price">Used from £36.61</span>'), {
      url: URL_,
      site: { currency: 'GBP', locale: 'en-GB', selectors: undefined },
    });
    expect(r.primary?.amount).toBe('48.99');
  });

  it('two unmarked buy-box prices → ambiguous, no guess', () => {
    const r = extractOffers(buy('<span class="price">$10.00</span><span class="price">$20.00</span>'), {
      url: URL_,
      site: USD,
    });
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
  });

  it('only promotional amounts in page chrome → no price', () => {
    const html = page(
      '',
      '<nav><a class="promo-price">Sofas from $499</a></nav><h1>Tully Sconce</h1><p>Lovely.</p><footer class="price">$10 off</footer>',
    );
    const r = extractOffers(html, { url: URL_, site: USD });
    expect(r.primary).toBeNull();
  });
});

describe('helpers', () => {
  it('normalises availability from schema.org URLs and bare words', () => {
    expect(normalizeAvailability('http://schema.org/InStock')).toBe('in_stock');
    expect(normalizeAvailability('https://schema.org/OutOfStock')).toBe('out_of_stock');
    expect(normalizeAvailability('PreOrder')).toBe('preorder');
    expect(normalizeAvailability('BackOrder')).toBe('backorder');
    expect(normalizeAvailability('Discontinued')).toBe('discontinued');
    expect(normalizeAvailability('LimitedAvailability')).toBe('limited');
    expect(normalizeAvailability('in stock')).toBe('in_stock');
    expect(normalizeAvailability('whatever')).toBe('unknown');
  });

  it('normalises structured amounts', () => {
    expect(normalizeAmount(1299)).toBe('1299');
    expect(normalizeAmount(1.299)).toBe('1.299');
    expect(normalizeAmount('1299.00')).toBe('1299');
    expect(normalizeAmount('1.299,00')).toBe('1299');
    expect(normalizeAmount('1,299.00')).toBe('1299');
    expect(normalizeAmount('48,00')).toBe('48');
    expect(normalizeAmount('249.990', 'CLP')).toBe('249990');
    expect(normalizeAmount('1.299', 'KWD')).toBe('1.299');
    expect(normalizeAmount({})).toBeNull();
    expect(normalizeAmount('abc')).toBeNull();
  });

  it('lenient JSON never throws', () => {
    for (const t of ['', '{', '}}}', '<!-- -->', '{"a": "b\\', '[1,2,', 'null'])
      expect(() => parseLenientJson(t)).not.toThrow();
  });
});
