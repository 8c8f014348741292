/**
 * The browser read's settle wait and warm contexts, against real Chromium on 127.0.0.1:
 * a price rewritten by a late XHR is read as rewritten, never as first shown; a warm context
 * serves the next read of its own site (its cookie comes back) and never another site's;
 * a read that fails does not leave its context for the next one; an idle warm context keeps
 * no page (no renderer) unless asked to; no page gets the address-bar popup's renderer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { chromiumFlags } from '../src/fetch/browser/chromium-flags.js';
import { renderPage, type RenderOptions } from '../src/fetch/browser/render-page.js';
import { settlePage, trackRequests } from '../src/fetch/browser/settle-page.js';
import { startServer, type TestServer } from './support/server.js';

const htmlPage = (body: string, script = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>p</title></head><body>${body}<script>${script}</script></body></html>`;

function cookieServer(): Promise<TestServer> {
  return startServer({
    '/p': (req, res) => {
      const seen = /(?:^|; )visit=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? 'none';
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'set-cookie': `visit=${req.headers.host}; Path=/`,
        })
        .end(htmlPage(`<h1>Amp</h1><span class="price">$50.00</span><p id="seen">${seen}</p>`));
    },
  });
}

describe('browser settle wait and warm contexts', () => {
  let pool: BrowserPool;
  let shop: TestServer;
  let a: TestServer;
  let b: TestServer;
  const site: RenderOptions['site'] = { selectors: { price: '.price' }, currency: 'USD' } as RenderOptions['site'];
  const extract = (s = site): RenderOptions => ({ mode: 'extract', site: s, allowPrivate: ['127.0.0.0/8'] });

  beforeAll(async () => {
    pool = new BrowserPool({ maxContexts: 2 });
    shop = await startServer({
      // The page shows a price at once, then asks for the real one a moment later and the
      // answer is slow: the read must wait for it.
      '/late': {
        body: htmlPage(
          '<h1>Late Amp</h1><span class="price">$10.00</span>',
          `setTimeout(()=>fetch('/api/late').then(r=>r.json()).then(j=>{document.querySelector('.price').textContent='$'+j.price}),150)`,
        ),
      },
      '/api/late': (_req, res) => {
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ price: '12.00' })),
          1200,
        );
      },
      // No selector match and no structured data: the old network-idle wait still applies.
      '/plain': {
        body: htmlPage(
          '<h1>Plain Amp</h1><p id="x">loading…</p>',
          `setTimeout(()=>{document.getElementById('x').innerHTML='<span class="cost">$33.00</span>'},300)`,
        ),
      },
      '/gone': { status: 500, body: 'oops' },
    });
    a = await cookieServer();
    b = await cookieServer();
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await Promise.all([shop?.close(), a?.close(), b?.close()]);
  });

  it('reads the price a late XHR settles on, not the one first shown', async () => {
    const r = await renderPage(pool, `${shop.origin}/late`, extract());
    expect(r.fetch.status).toBe('ok');
    expect(r.fetch.body).toContain('$12.00');
    expect(r.fetch.body).not.toContain('$10.00');
  }, 60_000);

  it('waits for the page to go quiet when the price is not named', async () => {
    const r = await renderPage(pool, `${shop.origin}/plain`, extract({ currency: 'USD' } as RenderOptions['site']));
    expect(r.fetch.body).toContain('$33.00');
  }, 60_000);

  // settlePage watches the price in the page (a MutationObserver, the page's own timer) and
  // confirms from Node: a page that takes those away must still be read at its final price.
  it('settles on the final price even when the page disables MutationObserver and setTimeout', async () => {
    const { outcome, text } = await pool.withContext({}, async (ctx) => {
      const page = await ctx.newPage();
      const tracker = trackRequests(page);
      await page.setContent(
        htmlPage(
          '<span class="price">$10.00</span>',
          `const later = setTimeout;
          later(() => { document.querySelector('.price').textContent = '$12.00'; }, 200);
          window.MutationObserver = undefined; window.setTimeout = () => 0;`,
        ),
      );
      const outcome = await settlePage(page, tracker, { priceSelector: '.price', maxMs: 5000 });
      tracker.dispose();
      return { outcome, text: await page.textContent('.price') };
    });
    expect(outcome).toBe('price');
    expect(text).toBe('$12.00');
  }, 60_000);

  it('a price that never stops changing is not taken as settled', async () => {
    const outcome = await pool.withContext({}, async (ctx) => {
      const page = await ctx.newPage();
      const tracker = trackRequests(page);
      await page.setContent(
        htmlPage(
          '<span class="price">$10.00</span>',
          `let n = 0;
          setInterval(() => { document.querySelector('.price').textContent = '$1' + (n++ % 2) + '.00'; }, 100);`,
        ),
      );
      const outcome = await settlePage(page, tracker, { priceSelector: '.price', maxMs: 1500 });
      tracker.dispose();
      return outcome;
    });
    expect(outcome).toBe('timeout');
  }, 60_000);

  it('reuses a warm context within one site and never across sites', async () => {
    const first = await renderPage(pool, `${a.origin}/p`, extract());
    expect(first.fetch.body).toContain('<p id="seen">none</p>');
    // Cookies ignore the port: had b's read shared a's context, a's cookie would reach b.
    const other = await renderPage(pool, `${b.origin}/p`, extract());
    expect(other.fetch.body).toContain('<p id="seen">none</p>');
    const again = await renderPage(pool, `${a.origin}/p`, extract());
    expect(again.fetch.body).toContain(`<p id="seen">${a.host}</p>`);
    // An evidence read always starts from a fresh context.
    const evidence = await renderPage(pool, `${a.origin}/p`, { ...extract(), mode: 'capture' });
    expect(evidence.fetch.body).toContain('<p id="seen">none</p>');
  }, 60_000);

  it('an idle warm context keeps no page; its next job gets a new page in the same context', async () => {
    const open = async (newContext: Parameters<Parameters<BrowserPool['withWarmContext']>[1]>[0]) => {
      const ctx = await newContext({});
      return { ctx, page: await ctx.newPage(), state: null, dispose: async () => {}, reusable: true };
    };
    const first = await pool.withWarmContext('idle-page', open, async (w) => {
      await w.ctx.newPage(); // a popup the site opened: closed with the job's page
      return { ctx: w.ctx, page: w.page };
    });
    expect(first.ctx.pages()).toHaveLength(0);
    const second = await pool.withWarmContext('idle-page', open, async (w) => ({ ctx: w.ctx, page: w.page }));
    expect(second.ctx).toBe(first.ctx);
    expect(second.page).not.toBe(first.page);
  }, 60_000);

  it('with maxWarmPages an idle context keeps its page, parked on about:blank', async () => {
    const keeping = new BrowserPool({ maxContexts: 1, maxWarmPages: 1 });
    const open = async (newContext: Parameters<Parameters<BrowserPool['withWarmContext']>[1]>[0]) => {
      const ctx = await newContext({});
      return { ctx, page: await ctx.newPage(), state: null, dispose: async () => {}, reusable: true };
    };
    try {
      const first = await keeping.withWarmContext('kept', open, async (w) => {
        await w.page.setContent('<p>$50.00</p>'); // contexts opened without a guard proxy reach no server
        return w.page;
      });
      const second = await keeping.withWarmContext('kept', open, async (w) => w.page);
      expect(second).toBe(first);
      expect(second.url()).toBe('about:blank');
    } finally {
      await keeping.close();
    }
  }, 60_000);

  it('no page gets a prerendered address-bar popup (a renderer process of its own)', async () => {
    const targets = await pool.withContext({}, async (ctx) => {
      const page = await ctx.newPage();
      await page.setContent('<p>$50.00</p>');
      const cdp = await ctx.browser()!.newBrowserCDPSession();
      return (await cdp.send('Target.getTargets')).targetInfos.map((t) => `${t.type} ${t.url}`);
    });
    expect(targets.some((t) => t.startsWith('page '))).toBe(true);
    expect(targets.filter((t) => t.includes('omnibox'))).toEqual([]);
    // Chromium keeps only the last --disable-features: ours must carry Playwright's list too.
    const { args, ignoreDefaultArgs } = await chromiumFlags();
    const lists = args.filter((x) => x.startsWith('--disable-features='));
    expect(lists).toHaveLength(1);
    const ours = lists[0]!.split('=')[1]!.split(',');
    const theirs = ignoreDefaultArgs.filter((x) => x.startsWith('--disable-features='));
    expect(theirs).toHaveLength(1);
    for (const f of theirs[0]!.split('=')[1]!.split(',')) expect(ours).toContain(f);
    expect(ours).toEqual(expect.arrayContaining(['PaintHolding', 'WebUIOmniboxPopup', 'WebUIOmniboxAimPopup']));
  }, 60_000);

  it('does not keep the context of a failed read', async () => {
    const opened: string[] = [];
    const open = (key: string) => async (newContext: Parameters<Parameters<BrowserPool['withWarmContext']>[1]>[0]) => {
      opened.push(key);
      const ctx = await newContext({});
      return { ctx, page: await ctx.newPage(), state: key, dispose: async () => {}, reusable: true };
    };
    await pool.withWarmContext('k1', open('k1'), async () => {});
    await pool.withWarmContext('k1', open('k1'), async (w) => void (w.reusable = false));
    await pool.withWarmContext('k1', open('k1'), async () => {});
    await pool.withWarmContext('k2', open('k2'), async () => {});
    expect(opened).toEqual(['k1', 'k1', 'k2']);
    const r = await renderPage(pool, `${shop.origin}/gone`, extract());
    expect(r.fetch.status).not.toBe('ok');
  }, 60_000);
});
