/**
 * The KPI dashboard and /api/v1/kpis on the real server: a viewer sees the trend, the bars
 * (each a drill-down link to the cases) and the table; the API answers with a token, refuses
 * without one, names a bad date, and its CSV carries the same numbers as its JSON.
 * A reseller name carrying markup shows as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/db.js';
import { call, startTestApp, type Browser, type TestApp } from './support/app-server.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { AUDIT_SECTIONS } from '../src/http/pages/render-audit.js';
import { pdfPageTexts } from './support/pdf-text.js';

const EVIL = '<img src=x onerror=alert(1)>Evil Deals';

describe.each(BACKENDS)('KPI dashboard and API (%s)', (backend) => {
  let app: TestApp;
  let viewer: Browser;
  let token: string;
  let compliance: Browser;
  let pool: BrowserPool;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    app = await startTestApp(backend);
    const db = app.h.db;
    const p = await db
      .insertInto('products')
      .values({ sku: 'AMP', name: 'Amp' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const listingOf = async (name: string, tier: string) => {
      const r = await db.insertInto('resellers').values({ name, tier }).returning('id').executeTakeFirstOrThrow();
      const s = await db
        .insertInto('sites')
        .values({
          name: name.slice(-10).toLowerCase().replace(/\W/g, ''),
          reseller_id: r.id,
          domain: `${r.id}.example`,
          config_hash: 'x',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (
        await db
          .insertInto('listings')
          .values({ site_id: s.id, product_id: p.id, url: `https://${r.id}.example/amp` })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    };
    const good = await listingOf('Good Audio', 'gold');
    const evil = await listingOf(EVIL, 'bronze');
    const now = Date.now();
    const read = (listing_id: number, verdict: 'compliant' | 'violation', minutesAgo: number) => ({
      listing_id,
      captured_at: new Date(now - minutesAgo * 60_000).toISOString(),
      status: 'ok' as const,
      amount_minor: verdict === 'compliant' ? 10000 : 9000,
      currency: 'USD',
      verdict,
      normalized_minor: verdict === 'compliant' ? 10000 : 9000,
      map_minor: 10000,
    });
    // Good Audio: 3 compliant reads; Evil Deals: 1 compliant, 1 at 10 % below MAP.
    await db
      .insertInto('observations')
      .values([
        read(good, 'compliant', 1),
        read(good, 'compliant', 2),
        read(good, 'compliant', 3),
        read(evil, 'compliant', 4),
        read(evil, 'violation', 5),
      ])
      .execute();
    const v = await app.addUser('viewer');
    viewer = await app.signIn(v.email, v.password);
    token = await app.apiToken(v.email);
    const c = await app.addUser('compliance');
    compliance = await app.signIn(c.email, c.password);
    // The audit download prints with Chromium, as `mapwatch serve` does (launched on first use).
    pool = new BrowserPool();
    app.ctx.browser = pool;
  });
  afterAll(async () => {
    await pool?.close();
    await app?.close();
  });

  it('shows headline KPIs, the daily trend, bars that drill down to the cases, and the table', async () => {
    const r = await call(app.url, '/dashboard', { as: viewer });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<h2>Compliance by day</h2>');
    expect(r.body).toMatch(/<svg class="chart"[^>]*aria-label="Compliance rate by day"/);
    expect(r.body).toContain('href="/cases?reseller=Good%20Audio"');
    // Weekly lines per reseller, the one with violations first; its legend name opens its cases.
    expect(r.body).toContain('<h2>Weekly compliance by reseller</h2>');
    expect(r.body).toMatch(/<svg\s+class="chart"[^>]*aria-label="Weekly compliance rate by reseller"/);
    expect(r.body).toContain(`href="/cases?reseller=${encodeURIComponent(EVIL)}"`);
    // 4 of 5 reads compliant overall; Evil Deals 50 %.
    expect(r.body).toMatch(/Compliance<\/div>\s*<div class="kpi-value">80\.0%/);
    expect(r.body).toContain('50.0%');
    expect(r.body).not.toContain('<img src=x');
    expect(r.body).toContain('&lt;img src=x onerror=alert(1)&gt;Evil Deals');
    const byTier = await call(app.url, '/dashboard?by=tier', { as: viewer });
    expect(byTier.body).toContain('href="/cases?tier=gold"');
    const bySeller = await call(app.url, '/dashboard?by=seller', { as: viewer });
    expect(bySeller.status).toBe(200);
    expect(bySeller.body).toContain('<option value="seller" selected>');
  });

  it('names a bad query parameter', async () => {
    const r = await call(app.url, '/dashboard?from=yesterday', { as: viewer });
    expect(r.status).toBe(400);
    expect(r.body).toContain('query.from: must be a date as YYYY-MM-DD');
  });

  it('/api/v1/kpis: 401 without a token, JSON with one, CSV with the same numbers, 400 on a bad range', async () => {
    const q = `by=reseller&from=${today}&to=${today}`;
    expect((await call(app.url, `/api/v1/kpis?${q}`)).status).toBe(401);
    const auth = { authorization: `Bearer ${token}` };
    const j = await call(app.url, `/api/v1/kpis?${q}`, { headers: auth });
    expect(j.status).toBe(200);
    const body = JSON.parse(j.body) as {
      definitions: Record<string, { description: string }>;
      rows: { key: string; reads: number; kpis: Record<string, number | null> }[];
    };
    expect(body.definitions.compliance_rate!.description).toBe('Share of trustworthy reads at or above MAP.');
    const good = body.rows.find((r) => r.key === 'Good Audio')!;
    expect(good).toMatchObject({ reads: 3, kpis: expect.objectContaining({ compliance_rate: 100 }) });
    // No page here names a marketplace seller: by seller, each reseller sells itself, with the same reads.
    const bySeller = JSON.parse(
      (await call(app.url, `/api/v1/kpis?by=seller&from=${today}&to=${today}`, { headers: auth })).body,
    ) as typeof body;
    expect(bySeller.rows.map((r) => [r.key, r.reads])).toEqual(body.rows.map((r) => [r.key, r.reads]));
    const csv = await call(app.url, `/api/v1/kpis.csv?${q}`, { headers: auth });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    const header = lines[0]!.split(',');
    const evilLine = lines.find((l) => l.includes('Evil Deals'))!;
    const evilJson = body.rows.find((r) => r.key === EVIL)!;
    expect(Number(evilLine.split(',')[header.indexOf('compliance_rate')])).toBe(evilJson.kpis.compliance_rate);
    const bad = await call(app.url, `/api/v1/kpis?by=reseller&from=${today}&to=2000-01-01`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, code: 'invalid_input' });
  });
  it('the channel audit downloads as a PDF from the reseller page, one page per section, for roles that may export', async () => {
    const good = await app.h.db
      .selectFrom('resellers')
      .select('id')
      .where('name', '=', 'Good Audio')
      .executeTakeFirstOrThrow();
    const page = await call(app.url, `/resellers/${good.id}`, { as: compliance });
    expect(page.body).toContain(`action="/resellers/${good.id}/audit.pdf"`);
    // A viewer neither sees the form nor gets the file.
    expect((await call(app.url, `/resellers/${good.id}`, { as: viewer })).body).not.toContain('audit.pdf');
    expect((await call(app.url, `/resellers/${good.id}/audit.pdf`, { as: viewer })).status).toBe(403);

    const res = await fetch(`${app.url}/resellers/${good.id}/audit.pdf?from=${today}&to=${today}`, {
      headers: { cookie: compliance.cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="audit-Good-Audio-${today}-${today}.pdf"`,
    );
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = await pdfPageTexts(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(AUDIT_SECTIONS.length);
    for (const title of AUDIT_SECTIONS) expect(pages.filter((t) => t.includes(title)).length).toBeGreaterThan(0);
    expect(pages.join(' ')).toContain('Good Audio');
    // Good Audio's 3 reads today, all compliant.
    expect(pages[0]).toContain('100.0%');

    const bad = await call(app.url, `/resellers/${good.id}/audit.pdf?from=${today}&to=2000-01-01`, { as: compliance });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('is after to 2000-01-01');
    expect((await call(app.url, '/resellers/999999/audit.pdf', { as: compliance })).status).toBe(404);
  });
});
