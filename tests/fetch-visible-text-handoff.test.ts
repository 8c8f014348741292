/**
 * The page's visible text is computed once, by the fetch (FetchResult.visibleText), and the
 * MAP-evasion check of the static read uses that copy instead of a second pass over the page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedSite } from '../src/config/load-sites.js';
import { siteConfigSchema } from '../src/config/site-config.schema.js';
import { readForCheck } from '../src/check/read-for-check.js';
import { visibleText } from '../src/fetch/bot-wall.js';
import { InProcessDomainGate } from '../src/fetch/domain-gate.js';
import { type FetchResult, fetchPage, type Fetcher } from '../src/fetch/fetch-page.js';
import { RobotsCache } from '../src/fetch/robots.js';

const PAGE = `<!doctype html><html><head><title>Acme Drill</title>
<script type="application/ld+json">{"@type":"Product","name":"Acme Drill","offers":{"@type":"Offer","price":"199.00","priceCurrency":"USD"}}</script>
</head><body><h1>Acme Drill</h1><p>Price: <b>$199.00</b></p><style>p{}</style><p>Drills&nbsp;holes.</p></body></html>`;
const WALL = '<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>';

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/robots.txt') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/wall' ? WALL : PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fetchOptions = () => ({
  allowPrivate: ['127.0.0.1'],
  gate: new InProcessDomainGate({ defaults: { concurrency: 4, delayMs: 0 } }),
  robots: new RobotsCache(),
  timeoutMs: 5000,
});

describe('visible text handed from the fetch to the evasion check', () => {
  it('fetchPage returns the visible text of the page it read, and none for a wall', async () => {
    const ok = await fetchPage(`${base}/p`, fetchOptions());
    expect(ok.status).toBe('ok');
    expect(ok.visibleText).toBe(visibleText(ok.body!));
    expect(ok.visibleText).toContain('Price: $199.00 Drills holes.');
    const wall = await fetchPage(`${base}/wall`, fetchOptions());
    expect(wall).toMatchObject({ status: 'blocked' });
    expect(wall.visibleText).toBeUndefined();
    const data = await fetchPage(`${base}/p`, { ...fetchOptions(), document: 'data' });
    expect(data.visibleText).toBeUndefined();
  });

  const site: LoadedSite = {
    name: 's',
    file: 's.yaml',
    config: siteConfigSchema.parse({ reseller: 'Acme', domain: 'shop.example', currency: 'USD', listings: [] }),
    listings: [],
    hash: 'h',
  };
  const read = (result: Partial<FetchResult>) => {
    const fetcher: Fetcher = async (url) => ({
      status: 'ok',
      retryable: false,
      requestedUrl: url,
      finalUrl: url,
      httpStatus: 200,
      body: PAGE,
      fetchedAt: new Date(),
      elapsedMs: 1,
      ...result,
    });
    const ctx = { fetchOptions: {}, fetcher };
    return readForCheck(ctx, { site, listing: { url: 'https://shop.example/p' }, gtin: null, capture: false });
  };

  it("looks for the phrases in the fetch's visible text when it has one", async () => {
    // The text stands in for the page's (a fetcher that computed it): the check reads it, not the body.
    const r = await read({ visibleText: 'Acme Drill Add to cart to see price' });
    expect(r.draft.status).toBe('ok');
    expect(r.findings).toEqual([
      { kind: 'map_evasion', detail: { phrases: ['add to cart to see price'], revealed_by_steps: false } },
    ]);
  });

  it('computes the visible text itself when the fetch gave none', async () => {
    const hidden = PAGE.replace('Drills&nbsp;holes.', 'See price <i>in</i> cart');
    const r = await read({ body: hidden });
    expect(r.findings).toEqual([
      { kind: 'map_evasion', detail: { phrases: ['see price in cart'], revealed_by_steps: false } },
    ]);
    expect((await read({})).findings).toEqual([]);
  });
});
