/**
 * bindDocument (src/extract/bind-document.ts) is `cheerio.load(doc)` without a class per
 * document: the same answers from the API extraction uses, and the same extraction result on
 * every page of the real-page corpus (tests/support/corpus.ts), text model included.
 */
import { load } from 'cheerio';
import type { Document } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { bindDocument } from '../src/extract/bind-document.js';
import { extractOffers } from '../src/extract/extract-offers.js';
import { parseHtml } from '../src/extract/parse-html.js';
import { loadPages, MANIFESTS, readHtml, siteCurrencies } from './support/corpus.js';

const HTML = `<!doctype html><html><head><title>T &amp; co</title>
<meta property="og:title" content="Widget"><script type="application/ld+json">{"a":1}</script></head>
<body><div id="main" class="p"><h1>Widget <b>X</b></h1><ul><li class="price">$1.00</li><li>two</li></ul>
<p itemscope itemtype="https://schema.org/Offer"><span itemprop="price" content="9.99">9.99</span></p></div>
<footer><a href="/s/1">Seller</a></footer></body></html>`;

/** Answers of the cheerio calls extraction makes, as plain values. */
function answers(make: () => ReturnType<typeof load>): unknown[] {
  const $ = make();
  const li = $('li');
  return [
    $('title').text(),
    $('meta[property="og:title"]').attr('content'),
    $('script[type="application/ld+json"]').first().text(),
    li.length,
    li.first().text(),
    li.eq(1).parent().parent().attr('id'),
    $('li', 'ul').length,
    $('.price', $('#main')).text(),
    $('[itemprop]').closest('[itemscope]').attr('itemtype'),
    $('h1').contents().length,
    $('h1').children().first().prop('tagName'),
    $('#main').find('li').filter('.price').length,
    $('#main').find(':root').length,
    $(':root').length,
    $.root().children().first().prop('tagName'),
    $('b')
      .parents()
      .map((_, e) => (e as { name: string }).name)
      .get(),
    $('a').is('footer a'),
    $(li.get(0)).text(),
    $(li.toArray()).length,
    $('<p>new</p>').text(),
    $('h1').html(),
    $.html($('ul')),
    $.text($('h1')),
    $('ul').text(),
    $('li').not('.price').text(),
    $('li').has('b').length,
    $('footer').prev().attr('class'),
    $('#main').nextAll().length,
    $('li').index($('li').eq(1)),
    $('li').end().length,
    $.contains($.root().get(0)!, li.get(0)!),
  ];
}

describe('bindDocument', () => {
  it('answers the cheerio calls extraction makes as cheerio.load of the same document does', () => {
    const loaded = answers(() => load(parseDocument(HTML)));
    const bound = answers(() => bindDocument(parseDocument(HTML)));
    expect(bound).toEqual(loaded);
    expect(loaded[0]).toBe('T & co'); // the helper reads something
  });

  it('keeps each document apart: two bound pages never see the other one', () => {
    const a = bindDocument(parseDocument('<div><p class="x">a</p></div>'));
    const b = bindDocument(parseDocument('<div><p class="x">b</p><p class="x">c</p></div>'));
    expect(a('.x').text()).toBe('a');
    expect(b('.x').text()).toBe('bc');
    expect(a('p').parent().find('.x').length).toBe(1);
    expect(b.root().find('p').length).toBe(2);
  });

  it('gives the same extraction as cheerio.load on every page of the corpus, the visible text read too', () => {
    for (const manifest of MANIFESTS) {
      const pages = loadPages(manifest);
      const currencies = siteCurrencies(pages);
      for (const p of pages) {
        const html = readHtml(p.file);
        const url = p.url_if_known ?? `https://${p.site}/`;
        const currency = currencies.get(p.site);
        const opts = { url, alwaysReadText: true, ...(currency ? { site: { currency } } : {}) };
        const bound = parseHtml(html);
        const doc = bound.root().get(0) as Document;
        expect({ file: p.file, ...extractOffers(bound, opts) }).toEqual({
          file: p.file,
          ...extractOffers(load(doc), opts),
        });
      }
    }
  }, 300_000);
});
