/**
 * Pages built to break the extractor (issue 10): it must return, never throw, whatever the page's
 * nesting. Both cases overflowed the stack before (recursive JSON-LD walk, recursive region
 * classifier).
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';

const USD = { currency: 'USD', selectors: undefined };

describe('hostile nesting', () => {
  it('200,000-deep JSON-LD: the shallow offer is still read and the deep branch is skipped with a warning', () => {
    const deep = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
    const body =
      `{"@context":"https://schema.org","@type":"Product","name":"Widget",` +
      `"offers":{"@type":"Offer","price":"10.00","priceCurrency":"USD"},"additionalProperty":${deep}}`;
    const html = `<html><head><script type="application/ld+json">${body}</script></head><body><h1>Widget</h1></body></html>`;
    const r = extractOffers(html, { url: 'https://shop.example/w' });
    expect(r.primary).toMatchObject({ amount: '10', currency: 'USD', source: 'json-ld' });
    expect(r.warnings.some((w) => /json-ld: nesting deeper than/.test(w))).toBe(true);
  });

  it('200,000-deep JSON-LD arrays do not throw', () => {
    const html = `<html><head><script type="application/ld+json">{"@type":"Product","offers":${'['.repeat(200_000)}${']'.repeat(200_000)}}</script></head><body><h1>Widget</h1></body></html>`;
    expect(() => extractOffers(html, { url: 'https://shop.example/w' })).not.toThrow();
  });

  it('10,000 nested divs around the price: the region classifier walks up without recursion', () => {
    const html =
      `<html><body><h1>Widget</h1>${'<div>'.repeat(10_000)}` +
      `<span class="price">$10.00</span>${'</div>'.repeat(10_000)}</body></html>`;
    const r = extractOffers(html, { url: 'https://shop.example/w', site: USD });
    expect(r.primary).toMatchObject({ amount: '10', currency: 'USD', source: 'text' });
  });

  it('10,000 nested divs inside a microdata product, and 10,000 nested related tiles', () => {
    const md =
      `<html><body><div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Widget</h1>` +
      `${'<div>'.repeat(10_000)}<span itemprop="offers" itemscope itemtype="https://schema.org/Offer">` +
      `<meta itemprop="priceCurrency" content="USD"><span itemprop="price">10.00</span></span>${'</div>'.repeat(10_000)}</div></body></html>`;
    expect(extractOffers(md, { url: 'https://shop.example/w' }).primary).toMatchObject({
      amount: '10',
      currency: 'USD',
    });
    const related =
      `<html><body><h1>Widget</h1><span class="price">$10.00</span><div class="related">` +
      `${'<div>'.repeat(10_000)}<span class="price">$99.00</span>${'</div>'.repeat(10_000)}</div></body></html>`;
    expect(extractOffers(related, { url: 'https://shop.example/w', site: USD }).primary).toMatchObject({
      amount: '10',
    });
  });
});
