/**
 * Page-level currency resolution (issue 11, item 1): which evidence settles `$`, `kr`, `¥` or an
 * amount with no sign, in order, and that nothing else does. Synthetic pages only.
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';

const visible = (price: string, htmlAttrs = '', head = '') =>
  `<!doctype html><html ${htmlAttrs}><head><title>Widget Pro</title>${head}</head>` +
  `<body><h1>Widget Pro</h1><div class="product-price">${price}</div><button>Add to cart</button></body></html>`;

describe('page currency', () => {
  it('a bare $ on a generic domain with no evidence gives no price, and says why', () => {
    const r = extractOffers(visible('$49.99'), { url: 'https://shop.example.com/p/1' });
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/no currency: no site currency/);
    expect(r.currency).toBeUndefined();
  });

  it('the site config decides first, even against the page language', () => {
    const r = extractOffers(visible('$49.99', 'lang="en-US"'), {
      url: 'https://shop.example.com/p/1',
      site: { currency: 'CAD' },
    });
    expect(r.primary).toMatchObject({ amount: '49.99', currency: 'CAD' });
    expect(r.currency).toMatchObject({ currency: 'CAD', evidence: 'site-config' });
  });

  it('an ISO code in structured data settles the visible $', () => {
    const head = `<meta property="product:price:currency" content="AUD">`;
    const r = extractOffers(visible('$49.99', 'lang="en-US"', head), { url: 'https://shop.example.com/p/1' });
    expect(r.primary).toMatchObject({ amount: '49.99', currency: 'AUD' });
    expect(r.currency).toMatchObject({ evidence: 'structured-data' });
  });

  it('structured data naming two currencies settles nothing; the next evidence decides', () => {
    const head =
      `<meta property="product:price:currency" content="USD">` +
      `<div itemscope itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" content="CAD"></div>`;
    const r = extractOffers(visible('$49.99', 'lang="en-CA"', head), { url: 'https://shop.example.com/p/1' });
    expect(r.currency).toMatchObject({ currency: 'CAD', evidence: 'locale' });
  });

  it('the region of <html lang> or og:locale', () => {
    expect(extractOffers(visible('$49.99', 'lang="en-CA"'), { url: 'https://s.example.com/' }).primary).toMatchObject({
      currency: 'CAD',
    });
    const og = `<meta property="og:locale" content="es_MX">`;
    expect(
      extractOffers(visible('$1,299.00', 'lang="es"', og), { url: 'https://s.example.com/' }).primary,
    ).toMatchObject({
      amount: '1299',
      currency: 'MXN',
    });
  });

  it('a language spoken in one currency area settles kr; a shared language alone does not settle $', () => {
    expect(extractOffers(visible('1 299 kr', 'lang="sv"'), { url: 'https://s.example.com/' }).primary).toMatchObject({
      amount: '1299',
      currency: 'SEK',
    });
    expect(extractOffers(visible('$49.99', 'lang="es"'), { url: 'https://s.example.com/' }).primary).toBeNull();
  });

  it('the country domain, second-level included; generic-use ccTLDs (.io, .co) say nothing', () => {
    expect(extractOffers(visible('$49.99'), { url: 'https://www.shop.com.au/p' }).primary).toMatchObject({
      currency: 'AUD',
    });
    expect(extractOffers(visible('$49.99'), { url: 'https://shop.ca/p' }).currency).toMatchObject({
      currency: 'CAD',
      evidence: 'domain',
      detail: '.shop.ca',
    });
    expect(extractOffers(visible('$49.99'), { url: 'https://widgets.io/p' }).primary).toBeNull();
    expect(extractOffers(visible('$49.99'), { url: 'https://widgets.co/p' }).primary).toBeNull();
  });

  it('language region and country domain that disagree settle nothing', () => {
    const r = extractOffers(visible('$49.99', 'lang="en-US"'), { url: 'https://www.shop.com.au/p' });
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/says USD but the domain .com.au says AUD/);
  });

  it('a currency code dominating embedded JSON; a lone analytics mention does not', () => {
    const state = (codes: string[]) =>
      `<script>window.__STATE__ = {${codes.map((c, i) => `"p${i}":{"currency":"${c}"}`).join(',')}}</script>`;
    expect(
      extractOffers(visible('$49.99', '', state(['NZD', 'NZD', 'NZD'])), { url: 'https://s.example.com/' }).currency,
    ).toMatchObject({ currency: 'NZD', evidence: 'embedded-json' });
    expect(extractOffers(visible('$49.99', '', state(['USD'])), { url: 'https://s.example.com/' }).primary).toBeNull();
    expect(
      extractOffers(visible('$49.99', '', state(['USD', 'USD', 'EUR', 'EUR'])), { url: 'https://s.example.com/' })
        .primary,
    ).toBeNull();
  });

  it('the market default applies only when nothing on the page decides, and never overrides a stated sign', () => {
    const r = extractOffers(visible('$49.99'), { url: 'https://s.example.com/', defaultCurrency: 'USD' });
    expect(r.primary).toMatchObject({ amount: '49.99', currency: 'USD' });
    expect(r.currency).toMatchObject({ evidence: 'default' });
    expect(r.warnings.join(' ')).toMatch(/currency USD from default/);
    // the page says € itself: the default does not touch it
    expect(
      extractOffers(visible('49,99 €'), { url: 'https://s.example.com/', defaultCurrency: 'USD' }).primary,
    ).toMatchObject({ currency: 'EUR' });
    // a default that cannot be a $ currency does not turn $ into it
    expect(
      extractOffers(visible('$49.99'), { url: 'https://s.example.com/', defaultCurrency: 'EUR' }).primary,
    ).toBeNull();
  });

  it('page evidence never overrides a currency the text states', () => {
    expect(extractOffers(visible('£49.99', 'lang="en-US"'), { url: 'https://s.example.com/' }).primary).toMatchObject({
      currency: 'GBP',
    });
  });

  it('a $ price on a site configured in EUR is never filled in as EUR (text, microdata and meta)', () => {
    const site = { site: { currency: 'EUR' } };
    expect(extractOffers(visible('$49.99'), { url: 'https://s.example.com/', ...site }).primary).toBeNull();
    const md =
      `<html><body><div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Widget Pro</h1>` +
      `<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><span itemprop="price">$49.99</span></div></div></body></html>`;
    expect(extractOffers(md, { url: 'https://s.example.com/', ...site }).primary).toBeNull();
    const meta = visible('', '', '<meta property="product:price:amount" content="$49.99">');
    expect(extractOffers(meta, { url: 'https://s.example.com/', ...site }).primary).toBeNull();
  });
});
