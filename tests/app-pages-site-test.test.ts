/**
 * "Test on a URL" reads the page the way a check does: through the guarded fetch, with the
 * site's headers, and reports a blocked page as blocked (no price, no guess). A real
 * storefront on 127.0.0.1; no database needed (the operation writes nothing).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSitePage } from '../src/check/test-site-page.js';
import { loadSiteFile, type LoadedSite } from '../src/config/load-sites.js';
import { startServer, type TestServer } from './support/server.js';
import { SAVED_PAGE } from './support/seed-pages.js';
import { tmpDir } from './support/tmp.js';

describe('site test on a URL', () => {
  let shop: TestServer;
  let site: LoadedSite;
  const seen: string[] = [];
  const ctx = { fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000, respectRobots: false } };

  beforeAll(async () => {
    shop = await startServer({
      '/p/hp-1': (req, res) => {
        seen.push(String(req.headers['x-shop-key']));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SAVED_PAGE);
      },
      '/p/walled': { status: 403, body: '<html><title>Attention Required! | Cloudflare</title></html>' },
      '/robots.txt': { body: '' },
    });
    const dir = tmpDir({
      'shop.yaml': `reseller: Sound Depot\ndomain: "${shop.host}"\ncurrency: USD\nrespect_robots: false\nheaders: { X-Shop-Key: k-123 }\nlistings:\n  - { sku: HP-1, url: "${shop.origin}/p/hp-1" }\n`,
    });
    site = loadSiteFile(path.join(dir, 'shop.yaml')).site!;
    expect(site).toBeDefined();
  });
  afterAll(() => shop?.close());

  it('fetches with the site config and explains the choice', async () => {
    const t = await testSitePage(ctx, { site, url: `${shop.origin}/p/hp-1` });
    expect(t).toMatchObject({
      input: 'url',
      status: 'ok',
      httpStatus: 200,
      primary: { amount: '129.99', source: 'json-ld' },
    });
    expect(t.why[0]).toMatch(/JSON-LD/);
    expect(seen).toEqual(['k-123']);
  });

  it('reports a blocked page without extracting anything', async () => {
    const t = await testSitePage(ctx, { site, url: `${shop.origin}/p/walled` });
    expect(t.status).toBe('blocked');
    expect(t.primary).toBeNull();
    expect(t.httpStatus).toBe(403);
  });

  it('refuses a URL off the site domain: the site headers are meant for it alone', async () => {
    await expect(testSitePage(ctx, { site, url: 'http://localhost/p/hp-1' })).rejects.toThrow(
      /site's domain 127\.0\.0\.1/,
    );
    expect(seen).toHaveLength(1);
  });
});
