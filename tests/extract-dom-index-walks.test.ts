/**
 * The title and the seller links come from the DOM index (one walk of the page), not from selecting
 * the document again: the index's links are what `$('a[href]')` selects, a link's text is what
 * cheerio's `.text()` gives, and the title skips navigation and prefers what is outside a header,
 * as `.closest()` decided before.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { indexDom, textContentOf } from '../src/extract/dom-index.js';
import { parseHtml } from '../src/extract/parse-html.js';
import { RegionClassifier } from '../src/extract/regions.js';
import { findSellerLinks } from '../src/extract/seller-links.js';
import { findTitle } from '../src/extract/visible-text.js';

const page = `<!doctype html><html><head><title>Widget Pro 3000</title></head><body>
  <nav><a href="/">Home</a><A HREF="/deals">Deals</A></nav>
  <main>
    <h1>Widget Pro 3000</h1>
    <a href="">empty href</a><a name="anchor">no href</a>
    <p>Sold by <a href="/about/acme">Acme <b>Tools</b><!-- c --><script>var x = 1;</script></a></p>
    <a href="https://market.example/seller/A123"> Best&nbsp;Buyz
      Outlet </a>
    <template><a href="/shops/t1">Templated</a></template>
    <a href="javascript:void(0)">Sold by script</a>
  </main>
  <footer><a href="/seller/F1">Footer Seller</a></footer>
</body></html>`;

describe('DOM index links and texts', () => {
  for (const [parser, load] of [
    ['htmlparser2', parseHtml],
    ['parse5', cheerio.load],
  ] as const) {
    it(`${parser}: the index's links are $('a[href]'), in document order, with cheerio's text`, () => {
      const $ = load(page);
      const idx = indexDom($);
      expect(idx.links).toEqual($('a[href]').toArray());
      for (const a of idx.links) expect(textContentOf(a)).toBe($(a).text());
      expect(textContentOf($('body').get(0)!)).toBe($('body').text());
    });
  }

  it('finds the seller links of the main region (template content is chrome) with their names and resolved URLs', () => {
    const $ = parseHtml(page);
    const idx = indexDom($);
    const links = findSellerLinks(idx, 'https://market.example/dp/1', new RegionClassifier());
    expect(links.map((l) => [l.name, l.url])).toEqual([
      // cheerio's .text(): a script's body counts, a comment does not
      ['Acme Toolsvar x = 1;', 'https://market.example/about/acme'],
      ['Best Buyz Outlet', 'https://market.example/seller/A123'],
      // nav, footer and template are chrome; an empty href resolves to the page, not a storefront
    ]);
  });

  it('reads the text of a link nested 20,000 deep without overflowing the stack', () => {
    const deep = `<a href="/seller/D1">${'<span>'.repeat(20_000)}Deep Seller${'</span>'.repeat(20_000)}</a>`;
    const $ = parseHtml(`<html><body>${deep}</body></html>`);
    expect(textContentOf(indexDom($).links[0]!)).toBe('Deep Seller');
  });
});

describe('title from the index', () => {
  const doc = (body: string) => `<html><head><title>Widget Pro 3000 | Shop</title></head><body>${body}</body></html>`;
  const title = (html: string) => {
    const $ = parseHtml(html);
    const el = findTitle(indexDom($));
    return el ? `${el.name}:${$(el).text()}` : null;
  };

  it('skips a heading inside nav, footer or aside, however deep', () => {
    expect(title(doc('<nav><div><h1>Widget Pro 3000</h1></div></nav><h2>Widget Pro 3000 kit</h2>'))).toBe(
      'h2:Widget Pro 3000 kit',
    );
    expect(title(doc('<aside><h1>Widget Pro 3000</h1></aside><footer><h1>Widget Pro</h1></footer>'))).toBe(null);
  });

  it('prefers a heading outside a header to an equal one inside it', () => {
    expect(title(doc('<header><h1>Widget Pro 3000</h1></header><div><h1>Widget Pro 3000</h1></div>'))).toBe(
      'h1:Widget Pro 3000',
    );
    const $ = parseHtml(doc('<header><h1>Widget Pro 3000</h1></header><div><h1>Widget Pro 3000</h1></div>'));
    expect(findTitle(indexDom($))?.parent).toMatchObject({ name: 'div' });
  });
});
