/**
 * Checks that protect precision (issue 11, item 5), each on a small synthetic page: a rule that
 * is true of storefronts in general, not of one corpus page.
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';

const URL_ = 'https://shop.example.com/p/widget-pro';
const USD = { site: { currency: 'USD' } };
const page = (body: string, head = '') =>
  `<!doctype html><html><head><title>Widget Pro</title>${head}</head><body>${body}</body></html>`;
const ld = (offers: unknown) =>
  `<script type="application/ld+json">${JSON.stringify({ '@context': 'https://schema.org', '@type': 'Product', name: 'Widget Pro', offers })}</script>`;

describe('precision checks', () => {
  it('a structured price of zero is never the price, and says why', () => {
    const r = extractOffers(
      page('<h1>Widget Pro</h1>', ld({ '@type': 'Offer', price: '0.00', priceCurrency: 'USD' })),
      {
        url: URL_,
      },
    );
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/price 0 is zero; never a selling price/);
  });

  it('a structured zero does not hide the visible price', () => {
    const body = '<h1>Widget Pro</h1><span class="price">$49.99</span><button>Add to cart</button>';
    const r = extractOffers(page(body, ld({ '@type': 'Offer', price: 0, priceCurrency: 'USD' })), { url: URL_ });
    expect(r.primary).toMatchObject({ amount: '49.99', currency: 'USD', source: 'text' });
  });

  it('an absurd amount (an id in a price field) is never the price', () => {
    const r = extractOffers(
      page('<h1>Widget Pro</h1>', ld({ '@type': 'Offer', price: '4006381333931', priceCurrency: 'EUR' })),
      { url: URL_ },
    );
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/implausibly large/);
  });

  it('a microdata value holding the struck old price and the new price reads the new one', () => {
    const body =
      `<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Widget Pro</h1>` +
      `<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" content="USD">` +
      `<span itemprop="price"><del>$100.00</del> $50.00</span></div></div>`;
    expect(extractOffers(page(body), { url: URL_ }).primary).toMatchObject({ amount: '50', source: 'microdata' });
  });

  it('a microdata value holding two visible amounts is rejected, not read as its first', () => {
    const body =
      `<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Widget Pro</h1>` +
      `<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" content="USD">` +
      `<span itemprop="price">$100.00 $50.00</span></div></div>`;
    const r = extractOffers(page(body), { url: URL_ });
    expect(r.primary?.amount).not.toBe('100');
    expect(r.warnings.join(' ')).toMatch(/holds several amounts/);
  });

  it('a protocol-relative itemtype (//schema.org/Offer) is recognised, so its seller context holds', () => {
    const body =
      `<div itemscope itemtype="//schema.org/Product"><h1 itemprop="name">Widget Pro</h1>` +
      `<div itemprop="offers" itemscope itemtype="//schema.org/Offer"><meta itemprop="priceCurrency" content="USD">` +
      `<meta itemprop="price" content="49.99"></div>` +
      `<div itemprop="isRelatedTo" itemscope itemtype="//schema.org/Product"><span itemprop="name">Cable</span>` +
      `<div itemprop="offers" itemscope itemtype="//schema.org/Offer"><meta itemprop="priceCurrency" content="USD">` +
      `<meta itemprop="price" content="9.99"></div></div></div>`;
    expect(extractOffers(page(body), { url: URL_ }).primary).toMatchObject({ amount: '49.99', source: 'microdata' });
  });

  it('a hidden duplicate (another variant, a template) next to the visible price is ignored', () => {
    const body =
      '<h1>Widget Pro</h1><div class="buy"><span class="price">$49.99</span>' +
      '<span class="price" style="display:none">$59.99</span><span class="price hidden">$69.99</span>' +
      '<span class="price" hidden>$79.99</span><button>Add to cart</button></div>';
    expect(extractOffers(page(body), { url: URL_, ...USD }).primary).toMatchObject({ amount: '49.99' });
  });

  it('a promo badge ("-50 %", "50% off") before the price labels it; it is not a saving', () => {
    for (const badge of ['-50 %', '50% off', '−30%']) {
      const body = `<h1>Widget Pro</h1><div class="buy"><span class="badge">${badge}</span> <span class="price">$49.99</span><del class="price">$99.98</del></div>`;
      expect(extractOffers(page(body), { url: URL_, ...USD }).primary, badge).toMatchObject({ amount: '49.99' });
    }
    // a real saving amount is still never the price
    const save = '<h1>Widget Pro</h1><div>You save <span class="price">$10.00</span></div>';
    expect(extractOffers(page(save), { url: URL_, ...USD }).primary).toBeNull();
  });

  it('an "other sellers" summary is never the buy-box price', () => {
    for (const label of ['Other sellers on Shop from', '3 new from', 'More Buying Choices', '12 offers from']) {
      const body = `<h1>Widget Pro</h1><div>${label} <span class="price">$39.99</span></div>`;
      expect(extractOffers(page(body), { url: URL_, ...USD }).primary, label).toBeNull();
    }
  });

  it('digits next to CJK characters are a price, not a model number', () => {
    const body = '<h1>ウィジェット</h1><div class="price">価格1,299円</div>';
    expect(extractOffers(page(body), { url: URL_ }).primary).toMatchObject({ amount: '1299', currency: 'JPY' });
  });

  it('"210 USD" and a bare "210" are one price, not two', () => {
    const body =
      `<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Widget Pro</h1>` +
      `<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><span itemprop="price">210 USD</span></div>` +
      `<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><span itemprop="price">210</span></div></div>`;
    const r = extractOffers(page(body), { url: URL_ });
    expect(r.primary).toMatchObject({ amount: '210', currency: 'USD' });
    expect(r.ambiguous).toBe(false);
  });
});
