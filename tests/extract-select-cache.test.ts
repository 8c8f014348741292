/**
 * Selector answers kept per parsed page (select-cache.ts): the same selector asked twice of one page
 * is evaluated once and gives what `$(selector)` gives; another page has its own answers; an invalid
 * selector throws every time; the site selectors and the learned locator read through it unchanged.
 */
import type { CheerioAPI } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { parseHtml } from '../src/extract/parse-html.js';
import { elementById, selectAll, selectFirst } from '../src/extract/select-cache.js';
import { extractSelectors } from '../src/extract/selectors.js';
import { applyLocator } from '../src/learn/price-locators.js';

const page = (price: string) => `<html><body>
  <div class="buy"><span class="price">${price}</span><label for="gift">Gift wrap $2.00</label></div>
  <input id="gift" type="checkbox"><span class="price" id="other">$9.99</span>
</body></html>`;

/** The page's API, counting how often a selector is evaluated on it. */
function counted($: CheerioAPI): { $: CheerioAPI; calls: string[] } {
  const calls: string[] = [];
  const wrapped = ((...args: Parameters<CheerioAPI>) => {
    calls.push(String(args[0]));
    return $(...args);
  }) as unknown as CheerioAPI;
  return { $: wrapped, calls };
}

describe('selector answers per parsed page', () => {
  it('evaluates a selector once per page and answers as $(selector) does', () => {
    const plain = parseHtml(page('$19.99'));
    const { $, calls } = counted(plain);
    const first = selectAll($, 'span.price');
    expect(first).toEqual(plain('span.price').toArray());
    expect(selectAll($, 'span.price')).toBe(first);
    expect(selectFirst($, 'span.price')).toBe(plain('span.price').get(0));
    expect(selectFirst($, '.nothing')).toBeUndefined();
    expect(selectFirst($, '.nothing')).toBeUndefined();
    expect(calls).toEqual(['span.price', '.nothing']);
  });

  it('keeps each page its own answers', () => {
    const a = parseHtml(page('$19.99'));
    const b = parseHtml(page('$29.99'));
    const [ea] = selectAll(a, 'span.price');
    const [eb] = selectAll(b, 'span.price');
    expect(ea).not.toBe(eb);
    expect(a(ea!).text()).toBe('$19.99');
    expect(b(eb!).text()).toBe('$29.99');
  });

  it('throws on an invalid selector every time, evaluating it once', () => {
    const { $, calls } = counted(parseHtml(page('$19.99')));
    expect(() => selectAll($, 'span[')).toThrow();
    expect(() => selectAll($, 'span[')).toThrow();
    expect(calls).toEqual(['span[']);
  });

  it('finds an element by id as [id="…"] does, quotes and backslashes dropped', () => {
    const $ = parseHtml(page('$19.99'));
    expect(elementById($, 'gift')).toBe($('[id="gift"]').get(0));
    expect(elementById($, 'gi"ft\\')).toBe($('[id="gift"]').get(0));
    expect(elementById($, 'missing')).toBeUndefined();
  });

  it('site selectors and the learned locator read the same through the cache', () => {
    const $ = parseHtml(page('$19.99'));
    const warnings: string[] = [];
    const [c] = extractSelectors($, { price: '.buy .price' }, warnings, 'USD');
    expect(c).toMatchObject({ amount: '19.99', raw: '$19.99' });
    expect(applyLocator($, '.buy .price', 1999, 'USD')).toEqual({ kind: 'agree' });
    expect(applyLocator($, '.buy .price', 1999, 'USD')).toEqual({ kind: 'agree' });
    expect(applyLocator($, 'span.price', 1999, 'USD')).toEqual({
      kind: 'disagree',
      amounts: [1999, 999],
      unreadable: 0,
    });
    expect(extractSelectors($, { price: 'span[' }, warnings)).toEqual([]);
    expect(extractSelectors($, { price: 'span[' }, warnings)).toEqual([]);
    expect(warnings.filter((w) => w === 'selector: invalid CSS selector "span["')).toHaveLength(2);
  });
});
