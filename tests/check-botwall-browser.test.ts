/**
 * A bot wall beats markup in the browser read too: a captcha page that carries product
 * JSON-LD at $10 (here written into the page by script, as challenge pages do) is `blocked`
 * and opens no case. Launches Chromium: run it under the heavy lock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const LD = JSON.stringify({
  '@context': 'https://schema.org',
  '@type': 'Product',
  name: 'Widget',
  offers: { '@type': 'Offer', price: '10.00', priceCurrency: 'USD', availability: 'https://schema.org/InStock' },
});
const CAPTCHA = `<!doctype html><html><head><title>One more step</title></head>
<body><h1>Please verify you are human</h1><div class="h-captcha" data-sitekey="k"></div>
<script>const s = document.createElement('script'); s.type = 'application/ld+json'; s.textContent = ${JSON.stringify(LD)}; document.head.appendChild(s);</script>
</body></html>`;

describe('bot wall with product markup, browser read', () => {
  let h: DbHandle;
  let shop: TestServer;
  let pool: BrowserPool;

  beforeAll(async () => {
    h = await openTestDb('postgres');
    await seedCatalog(h, ['CAPB']);
    shop = await startServer({ '/p/capb': { body: CAPTCHA } });
    pool = new BrowserPool({ restartAfter: 10 });
  });
  afterAll(async () => {
    await pool?.close();
    await shop?.close();
    await h?.close();
  });

  it('is blocked and opens no case', async () => {
    const dir = tmpDir({
      'capb.yaml':
        siteYaml({ host: shop.host, origin: shop.origin, recheckMs: 0, paths: [['CAPB', '/p/capb']] }) +
        'render: browser\n',
    });
    const summary = await crawlNow(
      {
        db: h.db,
        policy: { ...loadPolicy({}), resolveAfter: 2 },
        browser: pool,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 15_000 },
      },
      loadSites(dir).sites,
    );
    expect(summary.failures).toEqual([]);
    const r = summary.results[0]!;
    expect(r.draft.status).toBe('blocked');
    expect(r.draft.reason).toMatch(/bot wall \(bot check/);
    expect(r.outcome.action).toBe('none');
    expect(await h.db.selectFrom('cases').select('id').execute()).toEqual([]);
  }, 120_000);
});
