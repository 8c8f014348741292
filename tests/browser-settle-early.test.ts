/**
 * The settle wait's short way (watch-page-work.ts): the price is read before the 500 ms quiet
 * window ends only when the page has nothing scheduled that could run within it. Every page
 * here changes its price after first showing it, by a way the short way must see (a timer, a
 * frame loop, a worker, a request) or one it must wait out (a prompt message): each must be
 * read at its final price. And what the page reports of its scheduled work, kind by kind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { renderPage, type RenderOptions } from '../src/fetch/browser/render-page.js';
import { pageWorkBusy, WATCH_WORK_INIT } from '../src/fetch/browser/watch-page-work.js';
import { startServer, type TestServer } from './support/server.js';

const htmlPage = (body: string, script = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>p</title></head><body>${body}<script>${script}</script></body></html>`;
const PRICE = '<h1>Amp</h1><span class="price">$10.00</span>';
const setPrice = (p: string) => `document.querySelector('.price').textContent='$${p}'`;

describe('settle: the price is read early only when the page has nothing scheduled', () => {
  let pool: BrowserPool;
  let shop: TestServer;
  const site = { selectors: { price: '.price' }, currency: 'USD' } as RenderOptions['site'];
  const extract: RenderOptions = { mode: 'extract', site, allowPrivate: ['127.0.0.0/8'] };

  beforeAll(async () => {
    pool = new BrowserPool({ maxContexts: 2 });
    shop = await startServer({
      // A pause with no request: only the timer says the price is about to change.
      '/timer': { body: htmlPage(PRICE, `setTimeout(()=>{${setPrice('12.00')}},400)`) },
      // Timers in a chain: each one schedules the next, the last changes the price.
      '/chain': {
        body: htmlPage(PRICE, `setTimeout(()=>setTimeout(()=>setTimeout(()=>{${setPrice('13.00')}},150),150),150)`),
      },
      // A frame loop that changes the price after 20 frames.
      '/frames': {
        body: htmlPage(
          PRICE,
          `let n=0;(function f(){if(++n===20){${setPrice('14.00')}}else requestAnimationFrame(f)})()`,
        ),
      },
      // A worker decides when: the page cannot know, so the whole window is kept.
      '/worker': {
        body: htmlPage(
          PRICE,
          `const w=new Worker(URL.createObjectURL(new Blob(['setTimeout(()=>postMessage(1),350)'])));w.onmessage=()=>{${setPrice('15.00')}}`,
        ),
      },
      // A prompt message (as frameworks schedule their renders): the quiet floor waits it out.
      '/message': {
        body: htmlPage(
          PRICE,
          `const c=new MessageChannel();c.port1.onmessage=()=>{${setPrice('16.00')}};c.port2.postMessage(0)`,
        ),
      },
      // The price by XHR, then a second request a moment after the first answer.
      '/xhr': {
        body: htmlPage(
          PRICE,
          `const x=new XMLHttpRequest();x.open('GET','/api/a');x.onload=()=>{${setPrice('11.00')};setTimeout(()=>fetch('/api/b').then(r=>r.json()).then(j=>{${setPrice("'+j.price+'")}}),300)};x.send()`,
        ),
      },
      '/api/a': { body: '{}' },
      '/api/b': (_req, res) => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"price":"17.00"}'), 200);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await shop?.close();
  });

  it.each([
    ['/timer', '$12.00'],
    ['/chain', '$13.00'],
    ['/frames', '$14.00'],
    ['/worker', '$15.00'],
    ['/message', '$16.00'],
    ['/xhr', '$17.00'],
  ])(
    '%s is read at its final price %s',
    async (path, price) => {
      const r = await renderPage(pool, `${shop.origin}${path}`, extract);
      expect(r.fetch.status).toBe('ok');
      expect(r.fetch.body).toContain(price);
      expect(r.fetch.body).not.toContain('$10.00');
    },
    60_000,
  );

  /** A page at a routed (never fetched) address, with the work watcher installed or not. */
  async function onPage<T>(script: string, fn: (page: Page) => Promise<T>, watch = true): Promise<T> {
    return pool.withContext({}, async (ctx) => {
      if (watch) await ctx.addInitScript(WATCH_WORK_INIT);
      const page = await ctx.newPage();
      await page.route('http://shop.test/**', (route) =>
        route.request().url().endsWith('/slow')
          ? new Promise<void>((r) => setTimeout(r, 3000)).then(() => route.fulfill({ body: '{}' }).catch(() => {}))
          : route.fulfill({ contentType: 'text/html', body: htmlPage(PRICE, script) }),
      );
      await page.goto('http://shop.test/p');
      return fn(page);
    });
  }

  it('reports nothing scheduled for a page that is done', async () => {
    expect(await onPage('', (p) => pageWorkBusy(p, 500))).toBe(0);
    // A timer due after the window cannot change what the window would have read.
    expect(await onPage('setTimeout(()=>{},5000)', (p) => pageWorkBusy(p, 500))).toBe(0);
    // A timer cleared is no longer scheduled.
    expect(await onPage('clearTimeout(setTimeout(()=>{},100))', (p) => pageWorkBusy(p, 500))).toBe(0);
  }, 60_000);

  it('reports a timer due within the window, an interval, a request in flight', async () => {
    expect(await onPage('setTimeout(()=>{},300)', (p) => pageWorkBusy(p, 500))).toBeGreaterThan(0);
    expect(await onPage('setInterval(()=>{},100)', (p) => pageWorkBusy(p, 500))).toBeGreaterThan(0);
    expect(await onPage("fetch('/slow')", (p) => pageWorkBusy(p, 500))).toBeGreaterThan(0);
    // A document that changed lately, anywhere: what the change sets off may not have shown yet.
    const change = "document.body.appendChild(document.createElement('p'))";
    expect(await onPage(change, (p) => pageWorkBusy(p, 500, 60_000))).toBeGreaterThan(0);
    expect(await onPage(change, (p) => pageWorkBusy(p, 500, 0))).toBe(0);
  }, 60_000);

  it('gives up (keeps the whole window) on what it cannot time, and without its script', async () => {
    const worker = "new Worker(URL.createObjectURL(new Blob([''])))";
    expect(await onPage(worker, (p) => pageWorkBusy(p, 500))).toBe(-1);
    expect(
      await onPage("document.body.appendChild(document.createElement('iframe'))", (p) => pageWorkBusy(p, 500)),
    ).toBe(-1);
    expect(await onPage("setTimeout('1+1', 10000)", (p) => pageWorkBusy(p, 500))).toBe(-1);
    expect(await onPage('', (p) => pageWorkBusy(p, 500), false)).toBe(-1);
  }, 60_000);

  it('leaves the hooked functions looking native', async () => {
    const look = (p: Page) =>
      p.evaluate(() => [
        setTimeout.name,
        String(fetch),
        setInterval.length,
        Function.prototype.toString.call(setTimeout),
        String(Function.prototype.toString),
      ]);
    expect(await onPage('', look)).toEqual(await onPage('', look, false));
    expect((await onPage('', look))[3]).toBe('function setTimeout() { [native code] }');
  }, 60_000);
});
