/**
 * The review app's /discovered page and /api/v1/discovered: pages real discovery found on a
 * local storefront (tests/support/discovery-store.ts) whose match waits for a person, shown
 * in real Chromium against the real server on Postgres. Accept makes the listing with the
 * signed-in user recorded, reject hides the page, a viewer or compliance user cannot act,
 * a form without the session's CSRF token is refused, and a crawled title carrying markup
 * shows as text. Also renders docs/review-discovered.png for the README.
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReviewItems } from '../src/queries/list-discovered.js';
import { type Browser, call, startTestApp, type TestApp } from './support/app-server.js';
import { ROOT } from './support/cli.js';
import { type DiscoveryStore, startDiscoveryStore } from './support/discovery-store.js';
import { setUpDiscoveredSite } from './support/discovered-site.js';
import { launchChromium } from './support/review-app.js';

const XSS_TITLE = 'Northwind SPK-107 Bookshelf Speakers <script>window.__xss=1</script>';
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('review app: discovered pages waiting for review (postgres)', { timeout: 180_000 }, () => {
  let app: TestApp;
  let store: DiscoveryStore;
  let chromium: Chromium;
  const users = {} as Record<'ops' | 'viewer' | 'compliance', { email: string; password: string }>;
  const browsers = {} as Record<'ops' | 'viewer' | 'compliance', Browser>;
  const tokens = {} as Record<'ops' | 'viewer', string>;

  beforeAll(async () => {
    app = await startTestApp('postgres');
    store = await startDiscoveryStore();
    // A title-only page whose title carries markup (escaped in the storefront's HTML, so the
    // page's text really is "<script>…"), listed by a sitemap of its own.
    const o = store.server.origin;
    store.server.routes.set('/item/xss', {
      body: `<!doctype html><html><head><meta charset="utf-8"><title>x</title></head><body><h1>${XSS_TITLE.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</h1><p class="price">$99.00</p></body></html>`,
    });
    store.server.routes.set('/extra-sitemap.xml', {
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${o}/item/xss</loc></url></urlset>`,
    });
    await (await setUpDiscoveredSite(app.h.db, store)).run();
    for (const role of ['ops', 'viewer', 'compliance'] as const) {
      users[role] = await app.addUser(role);
      browsers[role] = await app.signIn(users[role].email, users[role].password);
    }
    tokens.ops = await app.apiToken(users.ops.email);
    tokens.viewer = await app.apiToken(users.viewer.email);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await store?.server.close();
    await app?.close();
  });

  /** A Chromium page signed in through the login form. */
  async function pageAs(role: 'ops' | 'viewer' | 'compliance') {
    const context = await chromium.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/login`);
    await page.fill('input[name=email]', users[role].email);
    await page.fill('input[name=password]', users[role].password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
    return { context, page };
  }

  it('lists the candidates with the page, the proposed product, how it matched and why; linked from the nav', async () => {
    const waiting = await listReviewItems(app.h.db);
    expect(waiting.length).toBeGreaterThanOrEqual(6);
    expect(new Set(waiting.map((w) => w.method))).toEqual(new Set(['gtin', 'mpn_brand', 'title']));
    const { context, page } = await pageAs('ops');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${app.url}/dashboard`);
    await Promise.all([page.waitForURL(/\/discovered$/), page.click('header.top nav a[href="/discovered"]')]);
    const rows = page.getByTestId('discovered-row');
    expect(await rows.count()).toBe(waiting.length);
    // The contradiction: another brand on the OEM's GTIN, with the reason.
    const acme = waiting.find((w) => w.url.endsWith('/p/acme-headphones'))!;
    const acmeRow = page.locator(`tr[data-id="${acme.id}"]`);
    await expect.poll(() => acmeRow.textContent()).toContain('Acme Studio Headphones');
    const acmeText = (await acmeRow.textContent())!;
    expect(acmeText).toContain(acme.sku!);
    expect(acmeText).toContain('GTIN');
    expect(acmeText).toContain(acme.confidence!.toFixed(2));
    expect(acmeText).toMatch(/page brand "Acme" is not the catalog's "Northwind"/);
    expect(await acmeRow.locator('a.url').getAttribute('href')).toBe(acme.url);
    expect(await acmeRow.locator('a.url').getAttribute('rel')).toContain('noreferrer');

    // The crawled title with markup is text: no script ran, no element was made from it.
    const xss = waiting.find((w) => w.url.endsWith('/item/xss'))!;
    expect(xss).toMatchObject({ method: 'title', pageName: XSS_TITLE });
    const xssRow = page.locator(`tr[data-id="${xss.id}"]`);
    expect(await xssRow.getByTestId('page-title').textContent()).toBe(XSS_TITLE);
    expect(await xssRow.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await xssRow.textContent()).toMatch(/title only \(similarity/);

    // The README's picture of the page (docs/review-discovered.png), every candidate on it.
    await page.screenshot({ path: path.join(ROOT, 'docs', 'review-discovered.png'), fullPage: true });
    await context.close();
  });

  it('accept makes the listing, with the signed-in user recorded as the actor; reject hides the page', async () => {
    const waiting = await listReviewItems(app.h.db);
    const near = waiting.find((w) => w.url.endsWith('/item/23'))!;
    const acme = waiting.find((w) => w.url.endsWith('/p/acme-headphones'))!;
    const { context, page } = await pageAs('ops');
    await page.goto(`${app.url}/discovered`);
    await Promise.all([
      page.waitForURL(/done=accepted/),
      page.getByRole('button', { name: `Accept page ${near.id}`, exact: true }).click(),
    ]);
    const listed = await app.h.db
      .selectFrom('discovered_pages as d')
      .innerJoin('listings as l', 'l.id', 'd.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .select(['d.state', 'd.reviewed_by', 'd.change', 'l.url', 'l.active', 'l.discovered', 'p.sku', 'l.id'])
      .where('d.id', '=', near.id)
      .executeTakeFirstOrThrow();
    expect(listed).toMatchObject({
      state: 'matched',
      reviewed_by: `${users.ops.email} (ops)`, // as `mapwatch listings review` records it
      change: 'new',
      url: near.url,
      active: true,
      discovered: true,
      sku: near.sku,
    });
    expect(await page.locator('.flash').textContent()).toBe(`Page ${near.id} accepted: it is listing ${listed.id}.`);
    expect(await page.locator(`#discovered-table tr[data-id="${near.id}"]`).count()).toBe(0);
    expect(await page.locator(`#reviewed-table tr[data-id="${near.id}"]`).textContent()).toContain(users.ops.email);

    await Promise.all([
      page.waitForURL(/done=rejected/),
      page.getByRole('button', { name: `Reject page ${acme.id}`, exact: true }).click(),
    ]);
    expect(await page.locator(`#discovered-table tr[data-id="${acme.id}"]`).count()).toBe(0);
    const rejected = await app.h.db
      .selectFrom('discovered_pages')
      .select(['state', 'reviewed_by', 'listing_id'])
      .where('id', '=', acme.id)
      .executeTakeFirstOrThrow();
    expect(rejected).toEqual({ state: 'rejected', reviewed_by: `${users.ops.email} (ops)`, listing_id: null });
    await context.close();

    // Deciding twice is a conflict, not a second listing.
    const again = await call(app.url, `/discovered/${near.id}/accept`, {
      as: browsers.ops,
      form: { _csrf: browsers.ops.csrf },
    });
    expect(again.status).toBe(409);
  });

  it('a viewer sees no buttons and compliance cannot act either: the server refuses with 403', async () => {
    const target = (await listReviewItems(app.h.db))[0]!;
    const { context, page } = await pageAs('viewer');
    await page.goto(`${app.url}/discovered`);
    expect(await page.getByTestId('discovered-row').count()).toBeGreaterThan(0);
    expect(await page.locator('#discovered-table button').count()).toBe(0);
    // Sent anyway, from the page with its session and token: the server decides.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const r = await page.evaluate(
      async ({ to, csrf }) => (await fetch(to, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) })).status,
      { to: `/discovered/${target.id}/accept`, csrf },
    );
    expect(r).toBe(403);
    await context.close();
    for (const role of ['viewer', 'compliance'] as const) {
      const f = await call(app.url, `/discovered/${target.id}/reject`, {
        as: browsers[role],
        form: { _csrf: browsers[role].csrf },
      });
      expect(f.status, role).toBe(403);
    }
    const still = await app.h.db
      .selectFrom('discovered_pages')
      .select(['state', 'reviewed_by'])
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow();
    expect(still).toEqual({ state: 'review', reviewed_by: null });
  });

  it('refuses a form without the session’s CSRF token', async () => {
    const target = (await listReviewItems(app.h.db))[0]!;
    for (const form of [{}, { _csrf: 'not-the-token' }] as Record<string, string>[]) {
      const r = await call(app.url, `/discovered/${target.id}/reject`, { as: browsers.ops, form });
      expect(r.status).toBe(403);
    }
    expect(
      (
        await app.h.db
          .selectFrom('discovered_pages')
          .select('state')
          .where('id', '=', target.id)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('review');
  });

  it('/api/v1/discovered lists, decides (ops only) and downloads as CSV; the OpenAPI document has them', async () => {
    const list = await call(app.url, '/api/v1/discovered?limit=2', bearer(tokens.viewer));
    expect(list.status).toBe(200);
    const page1 = JSON.parse(list.body) as { items: { id: number; pageName: string }[]; nextCursor: string | null };
    expect(page1.items).toHaveLength(2);
    const page2 = JSON.parse(
      (await call(app.url, `/api/v1/discovered?limit=500&cursor=${page1.nextCursor}`, bearer(tokens.viewer))).body,
    ) as { items: { id: number }[] };
    const all = await listReviewItems(app.h.db);
    expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual(all.map((i) => i.id));

    const target = all.find((w) => w.method === 'title' && !w.url.endsWith('/item/xss'))!;
    const denied = await call(app.url, `/api/v1/discovered/${target.id}/review`, {
      ...bearer(tokens.viewer),
      json: { decision: 'accept' },
    });
    expect(denied.status).toBe(403);
    const bad = await call(app.url, `/api/v1/discovered/${target.id}/review`, {
      ...bearer(tokens.ops),
      json: { decision: 'maybe' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/body\.decision/);
    const ok = await call(app.url, `/api/v1/discovered/${target.id}/review`, {
      ...bearer(tokens.ops),
      json: { decision: 'accept' },
    });
    expect(ok.status, ok.body).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, pageId: target.id, state: 'matched', sku: target.sku });
    const who = await app.h.db
      .selectFrom('discovered_pages')
      .select('reviewed_by')
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow();
    expect(who.reviewed_by).toBe(`${users.ops.email} (ops)`);

    const csv = await call(app.url, '/api/v1/discovered.csv', bearer(tokens.viewer));
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.id))).toEqual((await listReviewItems(app.h.db)).map((i) => i.id));
    expect(rows.find((r) => r.url!.endsWith('/item/xss'))!.page_name).toBe(XSS_TITLE);

    const doc = JSON.parse((await call(app.url, '/api/v1/openapi.json')).body);
    expect(doc.paths['/discovered'].get).toBeDefined();
    expect(doc.paths['/discovered/{id}/review'].post.requestBody).toBeDefined();
    expect(JSON.stringify(doc.paths['/discovered/{id}/review'].post.requestBody)).toContain('"reject"');
  });
});
