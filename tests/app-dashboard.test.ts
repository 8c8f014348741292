/**
 * The KPI dashboard and /api/v1/kpis on the real server: a viewer sees the trend, the bars
 * (each a drill-down link to the cases) and the table; the API answers with a token, refuses
 * without one, names a bad date, and its CSV carries the same numbers as its JSON.
 * A reseller name carrying markup shows as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/db.js';
import { call, startTestApp, type Browser, type TestApp } from './support/app-server.js';

const EVIL = '<img src=x onerror=alert(1)>Evil Deals';

describe.each(BACKENDS)('KPI dashboard and API (%s)', (backend) => {
  let app: TestApp;
  let viewer: Browser;
  let token: string;
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
  });
  afterAll(() => app?.close());

  it('shows headline KPIs, the daily trend, bars that drill down to the cases, and the table', async () => {
    const r = await call(app.url, '/dashboard', { as: viewer });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<h2>Compliance by day</h2>');
    expect(r.body).toMatch(/<svg class="chart"[^>]*aria-label="Compliance rate by day"/);
    expect(r.body).toContain('href="/cases?reseller=Good%20Audio"');
    // 4 of 5 reads compliant overall; Evil Deals 50 %.
    expect(r.body).toMatch(/Compliance<\/div>\s*<div class="kpi-value">80\.0%/);
    expect(r.body).toContain('50.0%');
    expect(r.body).not.toContain('<img src=x');
    expect(r.body).toContain('&lt;img src=x onerror=alert(1)&gt;Evil Deals');
    const byTier = await call(app.url, '/dashboard?by=tier', { as: viewer });
    expect(byTier.body).toContain('href="/cases?tier=gold"');
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
});
