/**
 * Main-product anchoring (issue 11, item 2): the first h1 is not trusted. Synthetic pages.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { indexDom } from '../src/extract/dom-index.js';
import { extractOffers } from '../src/extract/extract-offers.js';
import { findTitle } from '../src/extract/visible-text.js';

const doc = (body: string, title = 'Widget Pro 3000 | Shop') =>
  `<!doctype html><html><head><title>${title}</title><meta property="og:title" content="Widget Pro 3000"></head><body>${body}</body></html>`;
const titleText = (html: string) => {
  const $ = cheerio.load(html);
  const el = findTitle(indexDom($));
  return el ? $(el).text().trim() : null;
};

const tiles =
  '<ul class="grid">' +
  ['Gadget Mini', 'Gizmo Max', 'Doohickey']
    .map((n, i) => `<li><a href="/p/${i}"><h1>${n}</h1></a><span class="price">$${i + 10}.00</span></li>`)
    .join('') +
  '</ul>';

describe('main product title', () => {
  it('skips h1s inside links and tiles and takes the h2 that matches the document title', () => {
    const html = doc(`${tiles}<div class="pdp"><h2>Widget Pro 3000</h2><span class="price">$49.99</span></div>`);
    expect(titleText(html)).toBe('Widget Pro 3000');
    expect(extractOffers(html, { url: 'https://s.example.com/p', site: { currency: 'USD' } }).primary).toMatchObject({
      amount: '49.99',
    });
  });

  it('takes an itemprop=name or product-title element when there is no usable h1', () => {
    expect(titleText(doc('<h1><a href="/"><img alt="Shop"></a></h1><div itemprop="name">Widget Pro 3000</div>'))).toBe(
      'Widget Pro 3000',
    );
    expect(titleText(doc('<div class="product-title">Widget Pro 3000</div><h2>Customers also bought</h2>'))).toBe(
      'Widget Pro 3000',
    );
  });

  it('an h1 that names the product wins over an h2 that repeats it', () => {
    expect(titleText(doc('<h1>Widget Pro 3000</h1><h2 class="product-name">Widget Pro 3000</h2>'))).toBe(
      'Widget Pro 3000',
    );
    const $ = cheerio.load(doc('<h1>Widget Pro 3000</h1><h2 class="product-name">Widget Pro 3000</h2>'));
    expect((findTitle(indexDom($)) as { name?: string } | null)?.name).toBe('h1');
  });

  it('a heading sharing one word with the document title does not stand in for it', () => {
    expect(titleText(doc('<h2>Pro tips</h2><p>text</p>'))).toBeNull();
  });

  it('a recommendations block heading is never the title', () => {
    expect(titleText(doc('<div class="related-products"><h2>Widget Pro 3000 Case</h2></div>'))).toBeNull();
  });
});
