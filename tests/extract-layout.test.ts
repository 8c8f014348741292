/**
 * The layout read against real Chromium: static HTML laid out with scripts and network off,
 * annotated with geometry and computed style, then read by the normal extraction. It settles a
 * tie of the static model only on clear evidence (a stylesheet hides or strikes the rival, or
 * one price is far larger above the fold), abstains otherwise, and a site gets it only with
 * `browser.layout_fallback: true`. One browser for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedSite } from '../src/config/load-sites.js';
import { siteConfigSchema } from '../src/config/site-config.schema.js';
import { readForCheck } from '../src/check/read-for-check.js';
import { extractOffers } from '../src/extract/extract-offers.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { layoutStaticHtml } from '../src/fetch/browser/layout-static-html.js';
import { startServer, type TestServer } from './support/server.js';

/** Two prices in one buy box, same markup and distance from the title: the static model ties. */
const page = (style: string, prices = ['$199.00', '$149.00'], extra = '') =>
  `<!doctype html><html lang="en-US"><head><meta charset="utf-8"><title>Acme Drill 500 | Shop</title>
<style>body{font:16px sans-serif} ${style}</style><link rel="stylesheet" href="http://127.0.0.1:9/never.css"></head>
<body><main><h1>Acme Drill 500</h1>${extra}
<div class="buy-box"><span class="price p1">${prices[0]}</span> <span class="price p2">${prices[1]}</span>
<button class="add-to-cart">Add to cart</button></div>
<img src="http://127.0.0.1:9/drill.jpg" alt=""><script>document.title = 'ran';</script></main></body></html>`;

const OPTS = { url: 'https://shop.example/p/drill', site: { currency: 'USD' } };

describe('layout read (chromium)', () => {
  let pool: BrowserPool;
  let srv: TestServer;
  beforeAll(async () => {
    pool = new BrowserPool({ maxContexts: 1 });
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/hidden': { body: page('.p2{display:none}') },
      // Rendered in the browser with the shop's own (external) stylesheet, which hides the rival.
      '/p/external': {
        body: page('').replace('http://127.0.0.1:9/never.css', '/shop.css'),
      },
      '/p/external-unclear': { body: page('').replace('http://127.0.0.1:9/never.css', '/plain.css') },
      '/shop.css': { body: '.p2 { display: none }', headers: { 'content-type': 'text/css' } },
      '/plain.css': { body: '.price { font-weight: bold }', headers: { 'content-type': 'text/css' } },
    });
  });
  afterAll(async () => {
    await pool?.close();
    await srv?.close();
  });

  const laidOut = (html: string) => layoutStaticHtml(pool, html);

  it('the static read ties on every page below (the premise)', () => {
    for (const style of ['.p2{display:none}', '.p1{text-decoration:line-through}', '', '.p2{font-size:9px}']) {
      const r = extractOffers(page(style), OPTS);
      expect(r.primary, style).toBeNull();
      expect(r.warnings.join(' '), style).toMatch(/disagree/);
    }
  });

  it('a price hidden by a stylesheet class is not the price', async () => {
    const r = extractOffers(await laidOut(page('.p2{display:none}')), OPTS);
    expect(r.primary).toMatchObject({ amount: '199', currency: 'USD' });
    expect(r.warnings.join(' ')).toMatch(/layout read settled/);
  });

  it('a price struck through by a stylesheet is a former price', async () => {
    const html = await laidOut(page('.p1{text-decoration:line-through}', ['$249.00', '$199.00']));
    expect(html).toMatch(/data-mw-struck/);
    expect(extractOffers(html, OPTS).primary).toMatchObject({ amount: '199' });
  });

  it('a price far larger above the fold wins over a tiny one', async () => {
    const r = extractOffers(await laidOut(page('.p1{font-size:30px;font-weight:700} .p2{font-size:10px}')), OPTS);
    expect(r.primary).toMatchObject({ amount: '199' });
  });

  it('without clear evidence it still abstains', async () => {
    // same size; only slightly larger; the larger one pushed below the fold
    for (const style of ['', '.p1{font-size:20px} .p2{font-size:16px}']) {
      const r = extractOffers(await laidOut(page(style)), OPTS);
      expect(r.primary, style).toBeNull();
      expect(r.warnings.join(' '), style).toMatch(/layout: no amount stands out by size/);
    }
    const below = page(
      '.p1{font-size:30px} .p2{font-size:10px} .spacer{height:1200px}',
      undefined,
      '<div class="spacer"></div>',
    );
    const r = extractOffers(await laidOut(below), OPTS);
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/below the fold/);
  });

  it('runs no script and fetches nothing', async () => {
    let hits = 0;
    const probe = await startServer({ '/x.css': (_req, res) => (hits++, res.end('')) });
    try {
      const html = await laidOut(page('', undefined, `<link rel="stylesheet" href="${probe.origin}/x.css">`));
      expect(html).toMatch(/<title>Acme Drill 500 \| Shop<\/title>/);
      expect(html).toMatch(/data-mw-layout="900"/);
      expect(hits).toBe(0);
    } finally {
      await probe.close();
    }
  });

  it('a browser read (render: browser) settles a tie with the layout of that render, external CSS included', async () => {
    const config = siteConfigSchema.parse({
      reseller: 'Acme',
      domain: srv.host,
      currency: 'USD',
      listings: [],
      render: 'browser',
    });
    const site: LoadedSite = { name: 's', file: 's.yaml', config, listings: [], hash: 'h' };
    const ctx = { fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 }, browser: pool };
    const hidden = await readForCheck(ctx, {
      site,
      listing: { url: `${srv.origin}/p/external` },
      gtin: null,
      capture: false,
    });
    expect(hidden.draft).toMatchObject({ status: 'ok', amountMinor: 19900, currency: 'USD' });
    expect(hidden.draft.html).not.toMatch(/data-mw-/);
    // Same markup, a stylesheet that settles nothing: still no price.
    const unclear = await readForCheck(ctx, {
      site,
      listing: { url: `${srv.origin}/p/external-unclear` },
      gtin: null,
      capture: false,
    });
    expect(unclear.draft.status).toBe('ambiguous');
  });

  it('is off by default; a site turns it on with browser.layout_fallback', async () => {
    const base = { reseller: 'Acme', domain: srv.host, currency: 'USD', listings: [] };
    const off = siteConfigSchema.parse({ ...base, browser: {} });
    expect(off.browser?.layout_fallback).toBe(false);
    const on = siteConfigSchema.parse({ ...base, browser: { layout_fallback: true } });
    const site = (config: typeof on): LoadedSite => ({ name: 's', file: 's.yaml', config, listings: [], hash: 'h' });
    const ctx = { fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 }, browser: pool };
    const listing = { url: `${srv.origin}/p/hidden` };
    const a = await readForCheck(ctx, { site: site(off), listing, gtin: null, capture: false });
    expect(a.draft.status).toBe('ambiguous');
    const b = await readForCheck(ctx, { site: site(on), listing, gtin: null, capture: false });
    expect(b.draft).toMatchObject({ status: 'ok', amountMinor: 19900, currency: 'USD' });
    // the stored page is the page as fetched, not the annotated copy
    expect(b.draft.html).not.toMatch(/data-mw-/);
  });
});
