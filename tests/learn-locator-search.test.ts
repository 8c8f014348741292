/**
 * The locator search matches its candidates in one walk and tells containers from values
 * without building their text (issue 15: match-handles.ts, short-text.ts). Both must answer
 * exactly as css-select and the built text do: checked on every real page of the corpus, on
 * the bench's fixture pages and on pages made to catch the corner cases.
 */
import { describe, expect, it } from 'vitest';
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { cssSelectorProblem } from '../src/config/css-selector.js';
import { textOf } from '../src/extract/dom-index.js';
import { extractOffers } from '../src/extract/extract-offers.js';
import { parseHtml } from '../src/extract/parse-html.js';
import { toMinorUnits } from '../src/normalize/currency.js';
import { matchHandles, parseHandle } from '../src/learn/match-handles.js';
import {
  applyLocator,
  byPreference,
  candidateHandles,
  locatorCandidates,
  readMatches,
} from '../src/learn/price-locators.js';
import { mayShowValue } from '../src/learn/short-text.js';
import { staticPage } from '../bench/support/fixture-stores.js';
import { loadPages, MANIFESTS, readHtml } from './support/corpus.js';

/** What the search did before: each candidate verified by its own css-select query. */
function searchBySelect($: CheerioAPI, minor: number, currency: string): string[] {
  return [...candidateHandles($, minor, currency)]
    .filter(
      (s) =>
        cssSelectorProblem(s) === null && readMatches($(s).toArray() as Element[], minor, currency).kind === 'agree',
    )
    .sort(byPreference)
    .slice(0, 40);
}

/** The built text's answer, as minorAt read it before. */
const builtShowsValue = (el: Element): boolean => {
  const raw = textOf(el, 120).replace(/\s+/g, ' ').trim();
  return raw.length > 0 && raw.length <= 60 && /\d/.test(raw);
};

function elementsOf($: CheerioAPI): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [$.root()[0]!];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'tag' || n.type === 'script' || n.type === 'style') out.push(n as Element);
    const kids = (n as { children?: AnyNode[] }).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** Every page with the amount its read gives (the amount a learning read would search for). */
function pages(): { name: string; $: CheerioAPI; minor: number; currency: string }[] {
  const out: { name: string; $: CheerioAPI; minor: number; currency: string }[] = [];
  for (const manifest of MANIFESTS)
    for (const p of loadPages(manifest)) {
      const $ = parseHtml(readHtml(p.file));
      const r = extractOffers($, { url: p.url_if_known ?? `https://${p.site}/`, defaultCurrency: 'USD' });
      const amount = r.primary?.amount ?? p.expected_price;
      const currency = r.primary?.currency ?? p.expected_currency;
      if (!amount || !currency) continue;
      out.push({ name: p.file, $, minor: toMinorUnits(amount, currency), currency });
    }
  for (let i = 0; i < 20; i++) {
    const html = staticPage(i % 5, i);
    const $ = parseHtml(html);
    const r = extractOffers($, { url: 'http://fixture.test/' });
    out.push({ name: `fixture ${i}`, $, minor: toMinorUnits(r.primary!.amount, r.primary!.currency), currency: 'USD' });
  }
  return out;
}

describe('the locator search on real pages', () => {
  const all = pages();

  it('covers the corpus', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('tells values from containers exactly as building the text does, on every element', () => {
    let elements = 0;
    for (const p of all)
      for (const el of elementsOf(p.$)) {
        elements++;
        if (mayShowValue(el) !== builtShowsValue(el)) expect.fail(`${p.name}: <${el.name}> ${textOf(el, 120)}`);
      }
    expect(elements).toBeGreaterThan(100_000);
  });

  it('finds the same candidates as a css-select query per candidate, on every page', () => {
    let found = 0;
    for (const p of all) {
      const got = locatorCandidates(p.$, p.minor, p.currency);
      expect(got, p.name).toEqual(searchBySelect(p.$, p.minor, p.currency));
      found += got.length;
    }
    expect(found).toBeGreaterThan(100);
  });

  it('cross-checks a learned locator as a css-select query does, on every page', () => {
    let asked = 0;
    for (const p of all)
      for (const sel of [...candidateHandles(p.$, p.minor, p.currency)].slice(0, 20)) {
        const bySelect = readMatches(p.$(sel).toArray() as Element[], p.minor, p.currency);
        expect(applyLocator(p.$, sel, p.minor, p.currency), `${p.name} ${sel}`).toEqual(bySelect);
        // and for another amount, as on a later page where the locator disagrees
        const other = readMatches(p.$(sel).toArray() as Element[], p.minor + 1, p.currency);
        expect(applyLocator(p.$, sel, p.minor + 1, p.currency), `${p.name} ${sel}`).toEqual(other);
        asked++;
      }
    expect(asked).toBeGreaterThan(200);
  });
});

describe('matching the search’s own selectors', () => {
  const page = parseHtml(`<!doctype html><html><head>
<meta itemprop="price" content="12.00"><meta itemprop="Price" content="12.00"></head><body>
<div id="buy" class="box  main"><span class="price\u00a0now">$12.00</span><b class="Price">$12.00</b>
  <div class="box"><span class="price now" id="p1">$12.00</span></div></div>
<section class="main"><span class="price" id="p1">$9.00</span><p class="price-now">$12.00</p></section>
<template><span class="price">$12.00</span></template>
<script class="price">12.00</script>
</body></html>`);

  const css = (sel: string) => page(sel).toArray() as Element[];
  const walk = (sel: string) => {
    const h = parseHandle(sel);
    expect(h, sel).not.toBeNull();
    const got: Element[] = [];
    matchHandles(page.root()[0]!, [h!], (_h, el) => (got.push(el), true));
    return got;
  };

  it.each([
    '.price',
    '.Price',
    'span.price',
    'b.Price',
    '.now',
    '.price-now',
    '#p1',
    '#buy .price',
    '.box .price',
    '.main .price',
    '.box .box',
    '.main .now',
    '[itemprop="price"]',
    '[itemprop="Price"]',
    'script.price',
    '#buy span.now',
    '.missing .price',
  ])('%s matches what css-select matches', (sel) => {
    expect(walk(sel)).toEqual(css(sel));
  });

  it('leaves forms it does not build to css-select', () => {
    for (const sel of ['a b c', 'div > .price', '.price:first', 'foo:bar.price', '[itemprop=price]', '#a.b'])
      expect(parseHandle(sel), sel).toBeNull();
  });
});
