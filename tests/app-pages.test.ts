/**
 * The Findings, Resellers, Sites and Outbox pages and their /api/v1 routes, CSV and the
 * OpenAPI document, against the real HTTP server, real sessions and API tokens, on a
 * Postgres schema and on embedded PGlite, with a seeded data set (support/seed-pages.ts).
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../src/http/api/api-route.js';
import { openApiPath } from '../src/http/api/openapi.js';
import { getReseller } from '../src/queries/get-reseller.js';
import { getSite } from '../src/queries/get-site.js';
import { listFindingGroups } from '../src/queries/list-finding-groups.js';
import { listOutbox, listOutboxPage } from '../src/queries/list-outbox.js';
import { listResellers } from '../src/queries/list-resellers.js';
import { listSites } from '../src/queries/list-sites.js';
import { BACKENDS } from './support/db.js';
import { type Browser, call, startTestApp, type TestApp } from './support/app-server.js';
import { EVIL_SELLER, type PagesSeed, removeSeed, SAVED_PAGE, seedPages } from './support/seed-pages.js';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe.each(BACKENDS)('review app: findings, resellers, sites, outbox (%s)', { timeout: 120_000 }, (backend) => {
  let app: TestApp;
  let seed: PagesSeed;
  let viewer: Browser;
  let ops: Browser;
  let opsEmail: string;
  let viewerToken: string;
  let opsToken: string;

  beforeAll(async () => {
    app = await startTestApp(backend);
    seed = await seedPages(app.h.db);
    const v = await app.addUser('viewer');
    const o = await app.addUser('ops');
    opsEmail = o.email;
    viewer = await app.signIn(v.email, v.password);
    ops = await app.signIn(o.email, o.password);
    viewerToken = await app.apiToken(v.email);
    opsToken = await app.apiToken(o.email);
  });
  afterAll(async () => {
    await app?.close();
    if (seed) removeSeed(seed);
  });

  const api = async (path: string, token = viewerToken) => {
    const r = await call(app.url, path, bearer(token));
    expect(r.status, `${path}: ${r.body.slice(0, 300)}`).toBe(200);
    return JSON.parse(r.body) as { items: Record<string, unknown>[]; nextCursor: string | null };
  };
  const csv = async (path: string) => {
    const r = await call(app.url, path, bearer(viewerToken));
    expect(r.status, r.body.slice(0, 300)).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    return parse(r.body, { columns: true }) as Record<string, string>[];
  };

  it('groups findings by seller in SQL, across sites, with counts, lowest price and the latest read', async () => {
    const all = await listFindingGroups(app.h.db, { limit: 10 });
    expect(all.items.map((g) => [g.kind, g.seller])).toEqual([
      ['unauthorized_seller', EVIL_SELLER],
      ['unauthorized_seller', 'Fair Trader'],
      ['map_evasion', 'Sound Depot'],
    ]);
    const evil = all.items[0]!;
    expect(evil).toMatchObject({
      listings: 2,
      reads: 3,
      belowMapListings: 2,
      lowestAmount: '80.00',
      currency: 'USD',
      sites: ['broken', 'market'],
      resellers: ['MegaMarket'],
      latest: { site: 'market', sku: 'HP-1', url: 'https://mega.example/hp-1', evidenceId: null },
    });
    expect(all.items[2]).toMatchObject({ listings: 1, reads: 1, lowestAmount: '89.00', sites: ['depot'] });

    // Cursor pages walk the same rows without repeats.
    const first = await listFindingGroups(app.h.db, { limit: 2 });
    const second = await listFindingGroups(app.h.db, { limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((g) => g.seller)).toEqual(all.items.map((g) => g.seller));
    expect(second.nextCursor).toBeNull();
    // Filters in SQL: kind, seller text (a LIKE wildcard is literal), site, since.
    expect((await listFindingGroups(app.h.db, { limit: 10, kind: 'map_evasion' })).items).toHaveLength(1);
    expect((await listFindingGroups(app.h.db, { limit: 10, q: 'fair' })).items.map((g) => g.seller)).toEqual([
      'Fair Trader',
    ]);
    expect((await listFindingGroups(app.h.db, { limit: 10, q: '%' })).items).toHaveLength(0);
    expect((await listFindingGroups(app.h.db, { limit: 10, site: 'broken' })).items[0]).toMatchObject({
      reads: 1,
      lowestAmount: '85.50',
    });
    expect((await listFindingGroups(app.h.db, { limit: 10, since: new Date(Date.now() + 1000) })).items).toHaveLength(
      0,
    );
  });

  it('summarises resellers: cases, notice level, 30-day compliance, last violation', async () => {
    const { items } = await listResellers(app.h.db, { limit: 10 });
    expect(items.map((r) => r.name)).toEqual(['MegaMarket', 'Sound Depot']);
    const depot = items[1]!;
    expect(depot).toMatchObject({
      tier: 'gold',
      authorized: true,
      sites: 1,
      openCases: 1,
      closedCases: 1,
      noticeLevel: 1,
      comparedReads: 4,
      compliantReads: 3,
      complianceRate: 0.75,
    });
    expect(Date.now() - depot.lastViolationAt!.getTime()).toBeGreaterThan(1.9 * 86_400_000);
    expect(items[0]).toMatchObject({
      authorized: false,
      sites: 2,
      openCases: 0,
      noticeLevel: 0,
      comparedReads: 2,
      complianceRate: 1,
    });
    expect((await listResellers(app.h.db, { limit: 10, authorized: false, region: 'EU' })).items).toHaveLength(1);
    const p1 = await listResellers(app.h.db, { limit: 1 });
    expect((await listResellers(app.h.db, { limit: 1, cursor: p1.nextCursor! })).items[0]!.name).toBe('Sound Depot');

    const d = await getReseller(app.h.db, seed.resellers.depot);
    expect(d.cases.map((c) => c.status)).toEqual(['open', 'dismissed']);
    expect(d.siteList).toEqual([{ name: 'depot', domain: 'shop.depot.example', listings: 1, state: 'ok' }]);
    expect(d.notices).toMatchObject([{ step: 1, status: 'sent', caseId: seed.openCase }]);
    await expect(getReseller(app.h.db, 999_999)).rejects.toThrow(/no reseller 999999/);
  });

  it('lists sites with health, and one site with its reads and the `sites check` problems', async () => {
    const { items } = await listSites(app.h.db, { limit: 10 });
    expect(items.map((s) => [s.name, s.health.state])).toEqual([
      ['broken', 'suppressed'],
      ['depot', 'ok'],
      ['market', 'degraded'],
    ]);
    expect(items[2]!.health).toMatchObject({ reads: 3, blockedReads: 1, misreads: 0 });
    expect(items[1]!.health.misreads).toBe(1);
    expect((await listSites(app.h.db, { limit: 10, q: 'MEGA.ex' })).items.map((s) => s.name)).toEqual(['market']);

    const depot = await getSite(app.h.db, 'depot');
    expect(depot.configProblems).toEqual([]);
    expect(depot.configChangedSinceSync).toBe(false);
    expect(depot.reads).toHaveLength(5);
    const market = await getSite(app.h.db, 'market');
    expect(market.configProblems.map((p) => p.message)).toEqual([expect.stringMatching(/unknown SKU "NO-SUCH-SKU"/)]);
    expect(market.configChangedSinceSync).toBe(true);
    const broken = await getSite(app.h.db, 'broken');
    expect(broken.configProblems.map((p) => p.field)).toContain('render');
    await expect(getSite(app.h.db, 'nope')).rejects.toThrow(/no site "nope"/);
  });

  it('pages the outbox by cursor and filters by status; the CLI list still works', async () => {
    const failed = await listOutboxPage(app.h.db, { status: ['failed', 'unconfirmed'], limit: 1 });
    expect(failed.items[0]).toMatchObject({ id: seed.outbox.unconfirmed, retryable: true });
    const next = await listOutboxPage(app.h.db, {
      status: ['failed', 'unconfirmed'],
      limit: 1,
      cursor: failed.nextCursor!,
    });
    expect(next.items.map((m) => m.id)).toEqual([seed.outbox.failedWithCase]);
    expect(next.nextCursor).toBeNull();
    expect((await listOutbox(app.h.db, { failed: true })).map((m) => m.id).sort()).toEqual(
      [seed.outbox.failedWithCase, seed.outbox.unconfirmed].sort(),
    );
  });

  it('serves the lists as JSON and the same rows as CSV', async () => {
    const findings = await api('/api/v1/findings?limit=2');
    expect(findings.items).toHaveLength(2);
    const rest = await api(`/api/v1/findings?limit=2&cursor=${findings.nextCursor}`);
    const json = [...findings.items, ...rest.items];
    const rows = await csv('/api/v1/findings.csv');
    expect(rows.map((r) => [r.kind, r.seller, r.listings, r.reads, r.lowest_amount])).toEqual(
      json.map((f) => [f.kind, f.seller, String(f.listings), String(f.reads), f.lowestAmount]),
    );

    const resellers = await api('/api/v1/resellers');
    const rcsv = await csv('/api/v1/resellers.csv');
    expect(rcsv.map((r) => [r.name, r.open_cases, r.notice_level, r.compliance_rate_30d])).toEqual(
      resellers.items.map((r) => [r.name, String(r.openCases), String(r.noticeLevel), String(r.complianceRate)]),
    );
    const sites = await api('/api/v1/sites?state=degraded');
    const scsv = await csv('/api/v1/sites.csv?state=degraded');
    expect(scsv.map((r) => [r.name, r.misreads])).toEqual(
      sites.items.map((s) => [s.name, String((s.health as { misreads: number }).misreads)]),
    );
    expect(sites.items.map((s) => s.name)).toEqual(['market']);
    expect(sites.items[0]).not.toHaveProperty('configPath');
    expect((await api('/api/v1/sites?suppressed=true')).items.map((s) => s.name)).toEqual(['broken']);
    const outbox = await api('/api/v1/outbox?status=failed&status=unconfirmed');
    const ocsv = await csv('/api/v1/outbox.csv?status=failed&status=unconfirmed');
    expect(ocsv.map((r) => [r.id, r.status, r.last_error])).toEqual(
      outbox.items.map((m) => [String(m.id), m.status, m.lastError]),
    );

    const one = (await call(app.url, `/api/v1/resellers/${seed.resellers.depot}`, bearer(viewerToken))).body;
    expect(JSON.parse(one)).toMatchObject({ name: 'Sound Depot', noticeLevel: 1 });
    const site = JSON.parse((await call(app.url, '/api/v1/sites/market', bearer(viewerToken))).body);
    expect(site.configProblems[0].message).toMatch(/unknown SKU/);
    const bad = await call(app.url, '/api/v1/findings?kind=nope&limit=0', bearer(viewerToken));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({
      ok: false,
      code: 'invalid_input',
      error: expect.stringMatching(/query\.kind/),
    });
    expect((await call(app.url, '/api/v1/findings?cursor=garbage', bearer(viewerToken))).status).toBe(400);
    expect((await call(app.url, '/api/v1/resellers/999999', bearer(viewerToken))).status).toBe(404);
    expect((await call(app.url, '/api/v1/findings')).status).toBe(401);
  });

  it('shows a seller name with an XSS payload as text, on the page and in the CSV', async () => {
    const page = await call(app.url, '/findings', { as: viewer });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;Cheap&amp;Co');
    expect(page.body).toContain('href="/api/v1/findings.csv"');
    const sitePage = await call(app.url, '/sites/market', { as: viewer });
    expect(sitePage.body).toContain('HTTP 403 (captcha &lt;b&gt;wall&lt;/b&gt;)');
    const outbox = await call(app.url, '/outbox', { as: viewer });
    expect(outbox.body).toContain('550 mailbox &lt;unavailable&gt;');
  });

  it('renders the resellers, sites and outbox pages for their roles', async () => {
    const list = await call(app.url, '/resellers?authorized=false', { as: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toContain('MegaMarket');
    expect(list.body).not.toContain('>Sound Depot<');
    expect(list.body).toContain('href="/api/v1/resellers.csv?authorized=false"');
    const one = await call(app.url, `/resellers/${seed.resellers.depot}`, { as: viewer });
    expect(one.body).toMatch(/step 1/);
    expect(one.body).toContain(`href="/cases/${seed.openCase}"`);
    expect((await call(app.url, '/resellers/abc', { as: viewer })).status).toBe(400);

    const sites = await call(app.url, '/sites', { as: viewer });
    expect(sites.body).toContain('id="sites-table"');
    const forViewer = await call(app.url, '/sites/broken', { as: viewer });
    expect(forViewer.body).toContain('id="config-problems"');
    expect(forViewer.body).not.toContain('id="site-test-form"');
    expect((await call(app.url, '/sites/depot', { as: ops })).body).toContain('id="site-test-form"');

    expect((await call(app.url, '/outbox', { as: viewer })).body).not.toContain('>Retry<');
    expect((await call(app.url, '/outbox', { as: ops })).body).toContain('aria-label="Retry message');
  });

  it('retries a failed message as the signed-in user; a second retry, or one of a sent message, is a 409', async () => {
    const id = seed.outbox.failedWithCase;
    const forbidden = await call(app.url, `/outbox/${id}/retry`, { as: viewer, form: { _csrf: viewer.csrf } });
    expect(forbidden.status).toBe(403);
    const noCsrf = await call(app.url, `/outbox/${id}/retry`, { as: ops, form: {} });
    expect(noCsrf.status).toBe(403);

    const r = await call(app.url, `/outbox/${id}/retry`, { as: ops, form: { _csrf: ops.csrf } });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/outbox?done=retried&id=${id}`);
    const row = await app.h.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', retried_by: opsEmail, retried_role: 'ops' });
    const note = await app.h.db
      .selectFrom('case_events')
      .select('detail')
      .where('case_id', '=', seed.openCase)
      .where('kind', '=', 'note')
      .executeTakeFirstOrThrow();
    expect(typeof note.detail === 'string' ? JSON.parse(note.detail) : note.detail).toMatchObject({
      outbox: 'retried',
      by: opsEmail,
      role: 'ops',
    });
    expect((await call(app.url, r.headers.location!, { as: ops })).body).toContain(`Message ${id} is queued again.`);

    const again = await call(app.url, `/api/v1/outbox/${id}/retry`, { ...bearer(opsToken), method: 'POST' });
    expect(again.status).toBe(409);
    const sent = await call(app.url, `/api/v1/outbox/${seed.outbox.sent}/retry`, {
      ...bearer(opsToken),
      method: 'POST',
    });
    expect(sent.status).toBe(409);
    expect(JSON.parse(sent.body)).toMatchObject({ code: 'conflict', error: expect.stringMatching(/is sent/) });
    expect(
      (
        await call(app.url, `/api/v1/outbox/${seed.outbox.unconfirmed}/retry`, {
          ...bearer(viewerToken),
          method: 'POST',
        })
      ).status,
    ).toBe(403);
    const ok = await call(app.url, `/api/v1/outbox/${seed.outbox.unconfirmed}/retry`, {
      ...bearer(opsToken),
      method: 'POST',
    });
    expect(JSON.parse(ok.body)).toEqual({ ok: true, id: seed.outbox.unconfirmed, status: 'pending' });
  });

  it('tests the site config on a saved page: the offers, the one chosen and why', async () => {
    const page = await call(app.url, '/sites/depot/test', {
      as: ops,
      form: { _csrf: ops.csrf, url: '', html: SAVED_PAGE },
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="site-test-result"');
    expect(page.body).toMatch(/Chosen: <strong>USD 129\.99<\/strong> from\s+<code>json-ld<\/code>/);
    expect(page.body).toContain('structured data (JSON-LD)');

    const viaApi = await call(app.url, '/api/v1/sites/depot/test', { ...bearer(opsToken), json: { html: SAVED_PAGE } });
    expect(viaApi.status).toBe(200);
    const t = JSON.parse(viaApi.body);
    expect(t).toMatchObject({
      input: 'html',
      status: 'ok',
      primary: { amount: '129.99', currency: 'USD', source: 'json-ld' },
    });
    expect(t.why[0]).toMatch(/JSON-LD/);
    // A page bigger than the app's default 100 kB form limit still goes through.
    const big = SAVED_PAGE.replace('</body>', `<p>${'x'.repeat(300_000)}</p></body>`);
    const bigPage = await call(app.url, '/sites/depot/test', { as: ops, form: { _csrf: ops.csrf, html: big } });
    expect(bigPage.status).toBe(200);

    const offDomain = await call(app.url, '/api/v1/sites/depot/test', {
      ...bearer(opsToken),
      json: { url: 'http://127.0.0.1/' },
    });
    expect(offDomain.status).toBe(400);
    expect(JSON.parse(offDomain.body).error).toMatch(/site's domain shop\.depot\.example/);
    const offForm = await call(app.url, '/sites/depot/test', {
      as: ops,
      form: { _csrf: ops.csrf, url: 'https://evil.example/' },
    });
    expect(offForm.status).toBe(400);
    expect(offForm.body).toContain('id="site-test-error"');
    expect((await call(app.url, '/api/v1/sites/depot/test', { ...bearer(opsToken), json: {} })).status).toBe(400);
    expect(
      (await call(app.url, '/api/v1/sites/broken/test', { ...bearer(opsToken), json: { html: SAVED_PAGE } })).status,
    ).toBe(409);
    expect(
      (await call(app.url, '/api/v1/sites/depot/test', { ...bearer(viewerToken), json: { html: SAVED_PAGE } })).status,
    ).toBe(403);
  });

  it('publishes an OpenAPI 3.1 document of every registered route, without sign-in', async () => {
    const r = await call(app.url, '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    const doc = JSON.parse(r.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error.properties.code.enum).toContain('conflict');
    const ids: string[] = [];
    for (const spec of new Map(API_ROUTES.map((s) => [`${s.method} ${s.path}`, s])).values()) {
      const { path, names } = openApiPath(spec.path);
      const op = doc.paths[path]?.[spec.method];
      expect(op, `${spec.method} ${spec.path}`).toBeDefined();
      ids.push(op.operationId);
      for (const n of names)
        expect(op.parameters).toContainEqual(expect.objectContaining({ name: n, in: 'path', required: true }));
      expect(op.responses['200']).toBeDefined();
      expect(op.responses['403']).toEqual({ $ref: '#/components/responses/Error403' });
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of Object.keys(doc.paths)) expect(p).not.toMatch(/:/);
    const findings = doc.paths['/findings'].get;
    expect(findings.parameters).toContainEqual(
      expect.objectContaining({ name: 'limit', in: 'query', required: false }),
    );
    expect(
      doc.paths['/sites/{name}/test'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('html');
    expect(doc.paths['/findings.csv'].get.responses['200'].content).toHaveProperty('text/csv');
  });
});
