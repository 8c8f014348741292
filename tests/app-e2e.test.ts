/**
 * The review app end to end, in real Chromium, against the server `mapwatch serve` runs
 * (startHttpServer over the app from the composition root), on a seeded database, on
 * Postgres and on the embedded database: signing in and out, CSRF, what each role may do
 * (checked by posting to the server, not by looking for hidden buttons), a dismissal that
 * holds through a re-crawl of a real storefront, the price chart and its screenshots, CSV
 * against the API's JSON, and script payloads from catalogs and crawled pages shown as text.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import type { UserRole } from '../src/http/auth/permissions.js';
import { BACKENDS } from './support/db.js';
import {
  api,
  csrfOf,
  EMAIL,
  launchChromium,
  postFromPage,
  type ReviewApp,
  signIn,
  startReviewApp,
} from './support/review-app.js';
import { HOSTILE } from './support/seed-app.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(BACKENDS)('the review app on %s', (backend) => {
  let ra: ReviewApp;
  let shop: TestServer;
  let crawlers: string;
  const contexts = new Map<UserRole, BrowserContext>();
  /** One signed-in page per role, reused across tests (a context per role keeps cookies apart). */
  const pages = new Map<UserRole, Page>();
  const as = async (role: UserRole): Promise<Page> => {
    let page = pages.get(role);
    if (!page) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.set(role, ctx);
      page = await signIn(ctx, ra.url, role);
      pages.set(role, page);
    }
    return page;
  };
  const caseStatus = async (id: number) =>
    (await ra.h.db.selectFrom('cases').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const openCaseIds = async (n: number, offset = 0) =>
    (
      await ra.h.db
        .selectFrom('cases')
        .select('id')
        .where('status', '=', 'open')
        .orderBy('id', 'desc')
        .limit(n)
        .offset(offset)
        .execute()
    ).map((r) => r.id);
  const crawl = () =>
    crawlNow(
      {
        ...ra.app.ctx,
        fetchOptions: { ...ra.app.ctx.fetchOptions, allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
      },
      loadSites(crawlers).sites,
      { concurrency: 1 },
    );

  beforeAll(async () => {
    ra = await startReviewApp(backend);
    // A real storefront whose listing the check pipeline crawls into the same database.
    shop = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/alpha': { body: productPage({ name: 'Alpha Reference Headphones', price: '79.00' }) },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name,brand\nE2E-ALPHA,Alpha Reference Headphones,Northwind\n',
      'resellers.csv': 'name,tier,region\nE2E Shop,gold,US\n',
      'map.csv': 'sku,currency,map,effective_from\nE2E-ALPHA,USD,100.00,2020-01-01\n',
    });
    await importProducts(ra.h.db, path.join(catalog, 'products.csv'));
    await importResellers(ra.h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(ra.h.db, path.join(catalog, 'map.csv'));
    crawlers = tmpDir({
      'e2e-shop.yaml': `reseller: E2E Shop
domain: "${shop.host}"
currency: USD
rate_limit: { concurrency: 1, delay_ms: 0 }
recheck: { delay_ms: 10 }
listings:
  - { sku: E2E-ALPHA, url: "${shop.origin}/p/alpha" }
`,
    });
  });
  afterAll(async () => {
    for (const c of contexts.values()) await c.close().catch(() => {});
    await shop?.close();
    await ra?.close();
  });

  it('signs in through the form, shows who is signed in, and signs out', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      // Not signed in: every page leads to the login form, and back after it.
      await page.goto(`${ra.url}/cases?status=open`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('input[name=email]', EMAIL.viewer);
      await page.fill('input[name=password]', 'not the password');
      await page.click('button[type=submit]');
      await expect(page.locator('[role=alert]').textContent()).resolves.toMatch(/wrong/i);

      await page.fill('input[name=email]', EMAIL.viewer);
      await page.fill('input[name=password]', 'correct-horse-battery');
      await Promise.all([page.waitForURL(/\/cases/), page.click('button[type=submit]')]);
      expect(page.url()).toContain('status=open');
      await expect(page.locator('header .who').textContent()).resolves.toContain(EMAIL.viewer);

      await Promise.all([page.waitForURL(/\/login/), page.click('form.signout button')]);
      await page.goto(`${ra.url}/cases`);
      expect(new URL(page.url()).pathname).toBe('/login');
      // The old session cookie is dead on the server too, not only forgotten by the browser.
      const r = await page.evaluate(async () => (await fetch('/api/v1/cases')).status);
      expect(r).toBe(401);
    } finally {
      await ctx.close();
    }
  });

  it('refuses a form posted from another site, and a form without the CSRF token', async () => {
    const [id] = await openCaseIds(1);
    expect(id).toBeDefined();
    const page = await as('compliance');
    await page.goto(`${ra.url}/cases/${id}`);
    const token = await csrfOf(page);

    // Without the token, and with a wrong one, from our own origin: refused.
    expect((await postFromPage(page, `/cases/${id}/dismiss`, { note: 'forged dismissal' })).status).toBe(403);
    expect(
      (await postFromPage(page, `/cases/${id}/dismiss`, { note: 'forged dismissal', _csrf: token.slice(0, -2) + 'xx' }))
        .status,
    ).toBe(403);

    // A page on another origin (localhost is another site than 127.0.0.1) auto-submits a
    // form to the app, even with a valid token: the cross-site POST is refused.
    const target = `${ra.url.replace('localhost', '127.0.0.1')}/cases/${id}/dismiss`;
    const evil = await startServer({
      '/': {
        body: `<!doctype html><form id="f" method="post" action="${target}">
          <input name="note" value="forged dismissal"><input name="_csrf" value="${token}"></form>
          <script>document.getElementById('f').submit()</script>`,
      },
    });
    try {
      const forged = await page.context().newPage();
      const answer = forged.waitForResponse((r) => r.url() === target);
      await forged.goto(`http://localhost:${new URL(evil.origin).port}/`);
      expect((await answer).status()).toBe(403);
      await forged.close();
    } finally {
      await evil.close();
    }
    expect(await caseStatus(id!)).toBe('open');
  });

  it.each<[UserRole, { dismiss: boolean; approve: boolean; queues: boolean; retry: boolean }]>([
    ['viewer', { dismiss: false, approve: false, queues: false, retry: false }],
    ['ops', { dismiss: false, approve: false, queues: true, retry: true }],
    ['compliance', { dismiss: true, approve: true, queues: false, retry: false }],
    ['admin', { dismiss: true, approve: true, queues: true, retry: true }],
  ])('%s: allowed and forbidden actions, enforced by the server', async (role, may) => {
    const offset = ['viewer', 'ops', 'compliance', 'admin'].indexOf(role) * 2;
    const [toDismiss, toApprove] = await openCaseIds(2, 10 + offset);
    expect(toApprove).toBeDefined();
    const page = await as(role);
    await page.goto(`${ra.url}/cases/${toDismiss}`);
    const _csrf = await csrfOf(page);
    // The page offers only what the role may do...
    expect(await page.locator(`form[action$="/cases/${toDismiss}/dismiss"]`).count()).toBe(may.dismiss ? 1 : 0);
    // ...and the server decides regardless of what the page showed.
    const dismissed = await postFromPage(page, `/cases/${toDismiss}/dismiss`, { note: `${role} dismisses`, _csrf });
    expect(dismissed.status).toBe(may.dismiss ? 200 : 403);
    expect(await caseStatus(toDismiss!)).toBe(may.dismiss ? 'dismissed' : 'open');

    const approved = await postFromPage(page, `/cases/${toApprove}/approve-notice`, { _csrf });
    expect(approved.status).toBe(may.approve ? 200 : 403);

    const queues = await page.evaluate(async () => (await fetch('/queues/')).status);
    expect(queues).toBe(may.queues ? 200 : 403);

    // The seed leaves failed messages (one per role that may retry, and more).
    const outboxId = (
      await ra.h.db.selectFrom('outbox').select('id').where('status', '=', 'failed').orderBy('id').executeTakeFirst()
    )?.id;
    expect(outboxId).toBeDefined();
    const retried = await postFromPage(page, `/outbox/${outboxId}/retry`, { _csrf });
    expect(retried.status).toBe(may.retry ? 200 : 403);

    // The API with the same role's token says the same.
    const viaApi = await api(ra.url, `/api/v1/cases/${toApprove}/dismiss`, {
      token: ra.tokens[role],
      method: 'POST',
      body: { note: `${role} via the API` },
    });
    expect(viaApi.status).toBe(may.dismiss ? 200 : 403);
  });

  it('a case dismissed in the UI stays dismissed when the storefront is crawled again', async () => {
    const first = await crawl();
    expect(first.cases.opened).toBe(1);
    const caseId = (
      await ra.h.db
        .selectFrom('cases as c')
        .innerJoin('listings as l', 'l.id', 'c.listing_id')
        .where('l.url', '=', `${shop.origin}/p/alpha`)
        .select('c.id')
        .executeTakeFirstOrThrow()
    ).id;

    const page = await as('compliance');
    await page.goto(`${ra.url}/cases/${caseId}`);
    await expect(page.locator('h1').textContent()).resolves.toContain(`#${caseId}`);
    const form = page.locator(`form[action$="/cases/${caseId}/dismiss"]`);
    await form.locator('[name=note]').fill('authorized clearance sale (e2e)');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    await expect(page.locator('body').textContent()).resolves.toMatch(/dismissed/i);
    expect(await caseStatus(caseId)).toBe('dismissed');
    // The audit timeline names who did it.
    await expect(page.locator('body').textContent()).resolves.toContain(EMAIL.compliance);

    const again = await crawl();
    expect(again.cases).toMatchObject({ opened: 0, dismissed: 1 });
    expect(await caseStatus(caseId)).toBe('dismissed');
    await page.reload();
    await expect(page.locator('body').textContent()).resolves.toContain('authorized clearance sale (e2e)');
  });

  it('draws one chart point per priced read, and a click on a point opens its screenshot', async () => {
    // A seeded case whose every violating read has evidence (the first cases do).
    const c = await ra.h.db
      .selectFrom('cases as c')
      .innerJoin('evidence as e', 'e.case_id', 'c.id')
      .select(['c.id', 'c.listing_id', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['c.id', 'c.listing_id'])
      .having((eb) => eb.fn.countAll(), '>=', 3)
      .orderBy('c.id')
      .executeTakeFirstOrThrow();
    const priced = await ra.h.db
      .selectFrom('observations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('listing_id', '=', c.listing_id)
      .where('status', '=', 'ok')
      .executeTakeFirstOrThrow();
    const page = await as('viewer');
    await page.goto(`${ra.url}/cases/${c.id}`);
    const points = page.locator('#price-chart [data-observation]');
    await points.first().waitFor();
    expect(await points.count()).toBe(Number(priced.n));
    // The points are drawn where the eye sees them, not stacked or off the chart.
    const box = await points.first().boundingBox();
    expect(box && box.width > 0 && box.height > 0).toBe(true);

    const withShot = page.locator('#price-chart a[href*="/screenshot"]');
    expect(await withShot.count()).toBeGreaterThanOrEqual(Number(c.n));
    const opened = page.context().waitForEvent('page');
    await withShot.first().click();
    const tab = await opened;
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toMatch(/^\/observations\/\d+\/screenshot$/);
    // Chromium shows an image document: the screenshot decoded, at its real size.
    expect(await tab.locator('img').evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(640);
    const type = await tab.evaluate(async () => (await fetch(location.href)).headers.get('content-type'));
    expect(type).toMatch(/^image\/png/);
    await tab.close();
  });

  it('cases.csv carries the same cases as the API JSON', async () => {
    const q = 'status=open,notified&sort=percent_below';
    const json = (await api(ra.url, `/api/v1/cases?${q}&limit=1000`, { token: ra.tokens.viewer })).json as {
      items: { id: number; status: string; severity: string; sku: string; mapMinor: number; lowestMinor: number }[];
    };
    const csv = await api(ra.url, `/api/v1/cases.csv?${q}`, { token: ra.tokens.viewer });
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
    const [header, ...lines] = csv.text.trim().split('\r\n');
    const cols = header!.split(',');
    const rows = lines.map((l) => Object.fromEntries(parseCsvLine(l).map((v, i) => [cols[i], v])));
    expect(rows.length).toBe(json.items.length);
    expect(rows.map((r) => Number(r.id))).toEqual(json.items.map((i) => i.id));
    for (const [i, item] of json.items.entries()) {
      expect(rows[i]).toMatchObject({ status: item.status, severity: item.severity, sku: item.sku });
    }
  });

  it('shows script payloads from catalogs and crawled pages as text, and runs none of them', async () => {
    const page = await as('viewer');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const hostile = await ra.h.db
      .selectFrom('cases as c')
      .innerJoin('listings as l', 'l.id', 'c.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .where('p.name', '=', HOSTILE.product)
      .select('c.id')
      .executeTakeFirstOrThrow();
    await page.goto(`${ra.url}/cases/${hostile.id}`);
    const text = await page.locator('main').innerText();
    expect(text).toContain(HOSTILE.product);
    expect(text).toContain(HOSTILE.reseller);
    await page.goto(`${ra.url}/cases?q=${encodeURIComponent('Evil')}`);
    expect(await page.locator('main').innerText()).toContain(HOSTILE.product);
    await page.goto(`${ra.url}/findings`);
    expect(await page.locator('main').innerText()).toContain('Grey Market Inc');
    await page.goto(`${ra.url}/resellers`);
    expect(await page.locator('main').innerText()).toContain(HOSTILE.reseller);
    // No payload became an element.
    for (const url of [`/cases/${hostile.id}`, '/findings', '/resellers']) {
      await page.goto(`${ra.url}${url}`);
      expect(await page.locator('main img[src=x], main img[src=y], main svg[onload], main script').count()).toBe(0);
    }
    expect(dialogs).toEqual([]);
  });

  it('API tokens: 401 without one, 403 for a role without the right, 409 on a conflicting action', async () => {
    const [id] = await openCaseIds(1, 5);
    expect(id).toBeDefined();
    expect((await api(ra.url, '/api/v1/cases')).status).toBe(401);
    expect((await api(ra.url, '/api/v1/cases', { token: 'mwt_not-a-token' })).status).toBe(401);
    const anon = await api(ra.url, `/api/v1/cases/${id}/dismiss`, { method: 'POST', body: { note: 'no token' } });
    expect(anon.status).toBe(401);
    expect(anon.json).toMatchObject({ ok: false, code: 'unauthorized' });

    const viewer = await api(ra.url, `/api/v1/cases/${id}/dismiss`, {
      token: ra.tokens.viewer,
      method: 'POST',
      body: { note: 'viewer tries' },
    });
    expect(viewer.status).toBe(403);
    expect(viewer.json).toMatchObject({ ok: false, code: 'forbidden' });

    const ok = await api(ra.url, `/api/v1/cases/${id}/dismiss`, {
      token: ra.tokens.compliance,
      method: 'POST',
      body: { note: 'agreed bundle price' },
    });
    expect(ok.status, ok.text).toBe(200);
    const again = await api(ra.url, `/api/v1/cases/${id}/dismiss`, {
      token: ra.tokens.compliance,
      method: 'POST',
      body: { note: 'agreed bundle price' },
    });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ ok: false, code: 'conflict' });
    expect(await caseStatus(id!)).toBe('dismissed');
  });
});

/** One CSV record (RFC 4180 quoting), enough for the cells the API writes. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
