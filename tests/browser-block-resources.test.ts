/**
 * Extract reads skip images, fonts and media (block-heavy-resources.ts) without a route, so the
 * page's other requests (its script, the price's XHR) go out untouched; evidence reads load
 * everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { renderPage, type RenderOptions } from '../src/fetch/browser/render-page.js';
import { startServer, type TestServer } from './support/server.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1d0e1f40000000049454e44ae426082',
  'hex',
);

describe('extract reads skip images, fonts and media', () => {
  let pool: BrowserPool;
  let shop: TestServer;
  const site = { selectors: { price: '.price' }, currency: 'USD' } as RenderOptions['site'];
  const read = (mode: RenderOptions['mode']) =>
    renderPage(pool, `${shop.origin}/p`, { mode, site, allowPrivate: ['127.0.0.0/8'] });

  beforeAll(async () => {
    pool = new BrowserPool({ maxContexts: 1 });
    shop = await startServer({
      '/p': {
        body: `<!doctype html><html><head><style>@font-face{font-family:F;src:url(/font.woff2)}body{font-family:F}</style></head>
<body><img src="/hero.png"><video src="/clip.mp4" autoplay muted></video><span class="price">loading</span>
<script src="/app.js"></script></body></html>`,
      },
      '/app.js': {
        headers: { 'content-type': 'text/javascript' },
        body: "fetch('/api/price').then(r=>r.json()).then(j=>{document.querySelector('.price').textContent='$'+j.price})",
      },
      '/api/price': { headers: { 'content-type': 'application/json' }, body: '{"price":"42.00"}' },
      '/hero.png': { headers: { 'content-type': 'image/png' }, body: PNG },
      '/font.woff2': { headers: { 'content-type': 'font/woff2' }, body: 'x' },
      '/clip.mp4': { headers: { 'content-type': 'video/mp4' }, body: 'x' },
    });
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await shop?.close();
  });

  it('an extract read never asks for them, and still gets its script and XHR', async () => {
    const r = await read('extract');
    expect(r.fetch.body).toContain('$42.00');
    expect(shop.hits.get('/app.js')).toBe(1);
    expect(shop.hits.get('/api/price')).toBe(1);
    expect(shop.hits.get('/hero.png') ?? 0).toBe(0);
    expect(shop.hits.get('/font.woff2') ?? 0).toBe(0);
    expect(shop.hits.get('/clip.mp4') ?? 0).toBe(0);
  }, 60_000);

  it('an evidence read loads the image', async () => {
    shop.hits.clear();
    const r = await read('capture');
    expect(r.fetch.body).toContain('$42.00');
    expect(shop.hits.get('/hero.png')).toBe(1);
  }, 60_000);
});
