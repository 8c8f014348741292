/**
 * The Cases pages and /api/v1 cases routes through the real server, real sessions (cookie +
 * CSRF) and API tokens: roles enforced (401/403), conflicts answered 409, forms redirect
 * with a flash and record the actor, a page shows crawled text escaped, the CSV says what
 * the JSON list says, and a read's screenshot is served to signed-in users only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { type Browser, call, startTestApp, type TestApp } from './support/app-server.js';
import { BACKENDS } from './support/db.js';
import { seedCase, seedCatalog, XSS } from './support/seed-cases.js';
import { seedEvidence } from './support/seed-evidence.js';
import { tmpDir } from './support/tmp.js';

/** RFC 4180 rows (quoted cells with "" and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe.each(BACKENDS)('cases pages and API (%s)', { timeout: 120_000 }, (backend) => {
  let app: TestApp;
  let L: number[];
  let compliance: Browser;
  let viewer: Browser;
  let complianceToken: string;
  let viewerToken: string;
  const ids: number[] = [];
  const api = (path: string, token: string, o: { json?: unknown; method?: string } = {}) =>
    call(app.url, path, { ...o, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    app = await startTestApp(backend);
    app.ctx.evidence = new LocalEvidenceStore(tmpDir({}));
    ({ listings: L } = await seedCatalog(app.h.db));
    const c = await app.addUser('compliance', 'lena@brand.test');
    const v = await app.addUser('viewer', 'vic@brand.test');
    compliance = await app.signIn(c.email, c.password);
    viewer = await app.signIn(v.email, v.password);
    complianceToken = await app.apiToken(c.email);
    viewerToken = await app.apiToken(v.email);
    ids.push(
      await seedCase(app.h.db, { listing: L[0]!, lowestMinor: 7000, firstSeen: '2026-11-01', lastSeen: '2026-11-03' }),
      await seedCase(app.h.db, {
        listing: L[2]!,
        lowestMinor: 9000,
        firstSeen: '2026-11-02',
        lastSeen: '2026-11-04',
        seller: `=HYPERLINK("x") ${XSS}`,
        pageName: XSS,
      }),
      await seedCase(app.h.db, { listing: L[3]!, status: 'dismissed', lowestMinor: 8000, firstSeen: '2026-10-01' }),
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lists cases for every role, with the bulk form only for those who may act', async () => {
    const anon = await call(app.url, '/cases');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fcases');
    const v = await call(app.url, '/cases?status=open&sort=percent_below', { as: viewer });
    expect(v.status).toBe(200);
    expect(v.body).toContain('1–2 of 2');
    expect(v.body).not.toContain('id="bulk-form"');
    expect(v.body).toContain('href="/api/v1/cases.csv?status=open&amp;sort=percent_below"');
    const c = await call(app.url, '/cases', { as: compliance });
    expect(c.body).toContain('id="bulk-form"');
    expect(c.body).toMatch(/<option value="approve">Approve next notice<\/option>/);
    // Crawled text is escaped wherever it shows.
    expect(c.body).not.toContain('<script>alert');
    expect(c.body).toContain(
      'Tube Amp &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;',
    );
    const bad = await call(app.url, '/cases?status=closed', { as: viewer });
    expect(bad.status).toBe(400);
  });

  it('shows a case with its rule, chart, evidence and timeline, crawled text escaped', async () => {
    const obs = await app.h.db
      .selectFrom('case_events')
      .select('observation_id')
      .where('case_id', '=', ids[1]!)
      .executeTakeFirstOrThrow();
    const shot = await seedEvidence(app.h.db, app.ctx.evidence!, {
      caseId: ids[1]!,
      observationId: obs.observation_id!,
    });
    const page = await call(app.url, `/cases/${ids[1]}`, { as: viewer });
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/<script>alert|<img src=x/);
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page.body).toContain('data-testid="price-chart"');
    expect(page.body).toContain(`href="/observations/${obs.observation_id}/screenshot"`);
    expect(page.body).toMatch(/id="msrp">\s*MSRP: USD 129\.00/);
    expect(page.body).toContain('data-verified="yes"');
    expect(page.body).toContain(shot.sha256);
    expect(page.body).not.toContain('id="dismiss-form"'); // a viewer has no action forms
    const img = await call(app.url, `/observations/${obs.observation_id}/screenshot`, { as: viewer });
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect((await call(app.url, `/observations/${obs.observation_id}/screenshot`)).status).toBe(303);
    const zip = await api(`/api/v1/cases/${ids[1]}/evidence.zip`, complianceToken);
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect((await api(`/api/v1/cases/${ids[1]}/evidence.zip`, viewerToken)).status).toBe(403);
    expect((await call(app.url, '/cases/99999', { as: viewer })).status).toBe(404);
  });

  it('API: 401 without a token, 403 for a viewer, 409 on a conflicting action, actor recorded', async () => {
    const none = await call(app.url, `/api/v1/cases/${ids[0]}/comment`, { json: { text: 'x' } });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, code: 'unauthorized' });
    const forbidden = await api(`/api/v1/cases/${ids[0]}/comment`, viewerToken, { json: { text: 'hi' } });
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body).code).toBe('forbidden');
    const ok = await api(`/api/v1/cases/${ids[0]}/comment`, complianceToken, { json: { text: 'looking into it' } });
    expect(ok.status).toBe(200);
    const conflict = await api(`/api/v1/cases/${ids[2]}/dismiss`, complianceToken, { json: { note: 'again please' } });
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body)).toMatchObject({ ok: false, code: 'conflict' });
    const invalid = await api(`/api/v1/cases/${ids[0]}/dismiss`, complianceToken, { json: { note: '' } });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error).toMatch(/body\.note/);
    const detail = JSON.parse((await api(`/api/v1/cases/${ids[0]}`, viewerToken)).body);
    expect(detail.comments).toMatchObject([{ who: 'lena@brand.test', role: 'compliance', text: 'looking into it' }]);
    const reads = JSON.parse((await api(`/api/v1/cases/${ids[0]}/observations`, viewerToken)).body);
    expect(reads.items).toHaveLength(1);
    const byListing = JSON.parse((await api(`/api/v1/observations?listing=${L[0]}`, viewerToken)).body);
    expect(byListing.items.map((o: { id: number }) => o.id)).toEqual(reads.items.map((o: { id: number }) => o.id));
  });

  it('each role: ops reads and exports evidence but may not act; admin may do everything', async () => {
    const ops = await app.addUser('ops');
    const admin = await app.addUser('admin');
    const opsToken = await app.apiToken(ops.email);
    const adminToken = await app.apiToken(admin.email);
    const opsBrowser = await app.signIn(ops.email, ops.password);
    expect((await call(app.url, `/cases/${ids[0]}`, { as: opsBrowser })).body).not.toContain('id="comment-form"');
    const f = await call(app.url, `/cases/${ids[0]}/comment`, {
      as: opsBrowser,
      form: { _csrf: opsBrowser.csrf, text: 'x' },
    });
    expect(f.status).toBe(403);
    for (const [path, body] of [
      [`/api/v1/cases/${ids[0]}/assign`, { assignee: 'a@b.test' }],
      [`/api/v1/cases/${ids[0]}/misread`, {}],
      [`/api/v1/cases/${ids[0]}/approve-notice`, {}],
      ['/api/v1/cases/bulk', { action: 'dismiss', case_ids: [ids[0]], note: 'not ours' }],
    ] as const)
      expect((await api(path, opsToken, { json: body })).status, path).toBe(403);
    expect((await api(`/api/v1/cases/${ids[1]}/evidence.zip`, opsToken)).status).toBe(200);
    expect((await api(`/api/v1/cases/${ids[0]}/evidence.zip`, opsToken)).status).toBe(404); // no evidence captured
    const bulk = await api('/api/v1/cases/bulk', adminToken, {
      json: { action: 'assign', case_ids: [ids[0], ids[2]], assignee: 'ana@brand.test' },
    });
    expect(bulk.status).toBe(200);
    expect(JSON.parse(bulk.body).results).toMatchObject([
      { caseId: ids[0], ok: true },
      { caseId: ids[2], ok: false, code: 'conflict' },
    ]);
    await api(`/api/v1/cases/${ids[0]}/assign`, adminToken, { json: { assignee: null } });
  });

  it('the CSV says what the JSON list says, formula-safe', async () => {
    const json = JSON.parse((await api('/api/v1/cases?limit=1000', viewerToken)).body);
    const page1 = JSON.parse((await api('/api/v1/cases?limit=2', viewerToken)).body);
    const page2 = JSON.parse(
      (await api(`/api/v1/cases?limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`, viewerToken)).body,
    );
    expect([...page1.items, ...page2.items]).toEqual(json.items);
    const csv = await api('/api/v1/cases.csv', viewerToken);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [head, ...rows] = parseCsv(csv.body);
    expect(rows).toHaveLength(json.items.length);
    const col = (name: string) => head!.indexOf(name);
    rows.forEach((r, i) => {
      const item = json.items[i];
      expect(Number(r[col('id')])).toBe(item.id);
      expect(r[col('status')]).toBe(item.status);
      expect(r[col('product')]).toBe(item.product);
      expect(Number(r[col('lowest_minor')])).toBe(item.lowestMinor);
      expect(r[col('last_seen_at')]).toBe(item.lastSeenAt);
      expect(r[col('seller')]).toBe(item.seller?.startsWith('=') ? `'${item.seller}` : (item.seller ?? ''));
    });
    const filtered = parseCsv((await api('/api/v1/cases.csv?status=dismissed', viewerToken)).body);
    expect(filtered.slice(1).map((r) => Number(r[0]))).toEqual([ids[2]]);
  });

  it('forms: dismiss needs the CSRF token, redirects with a flash, and the timeline names who did it', async () => {
    const id = ids[0]!;
    const noToken = await call(app.url, `/cases/${id}/dismiss`, { as: compliance, form: { note: 'not ours' } });
    expect(noToken.status).toBe(403);
    const byViewer = await call(app.url, `/cases/${id}/dismiss`, {
      as: viewer,
      form: { _csrf: viewer.csrf, note: 'nope' },
    });
    expect(byViewer.status).toBe(403);
    const short = await call(app.url, `/cases/${id}/dismiss`, {
      as: compliance,
      form: { _csrf: compliance.csrf, note: 'x' },
    });
    expect(short.status).toBe(400);
    expect(short.body).toContain('at least 3 characters');
    const r = await call(app.url, `/cases/${id}/dismiss`, {
      as: compliance,
      form: { _csrf: compliance.csrf, note: 'authorized clearance <sale>' },
    });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/cases/${id}?done=dismissed`);
    const page = await call(app.url, r.headers.location!, { as: compliance });
    expect(page.body).toContain('Case dismissed.');
    expect(page.body).toContain('dismissed: authorized clearance &lt;sale&gt;');
    expect(page.body).toMatch(/lena@brand\.test <span class="muted">\(compliance\)<\/span>/);
    expect(page.body).toContain('id="reopen-form"');
    const again = await call(app.url, `/cases/${id}/dismiss`, {
      as: compliance,
      form: { _csrf: compliance.csrf, note: 'again' },
    });
    expect(again.status).toBe(409);
    expect(again.body).toContain(`case #${id} is already dismissed`);
    const reopened = await call(app.url, `/cases/${id}/reopen`, {
      as: compliance,
      form: { _csrf: compliance.csrf, note: 'my mistake' },
    });
    expect(reopened.headers.location).toBe(`/cases/${id}?done=reopened`);
  });

  it('bulk form: per-case results in the flash, back on the same filtered list', async () => {
    const r = await call(app.url, '/cases/bulk', {
      as: compliance,
      form: {
        _csrf: compliance.csrf,
        action: 'assign',
        assignee: 'ana@brand.test',
        back: '/cases?status=open',
        // urlencoded repeats: URLSearchParams from a record cannot, so the ids go in one by one below
      },
      headers: {},
    });
    expect(r.status).toBe(400); // no case chosen
    const body = new URLSearchParams([
      ['_csrf', compliance.csrf],
      ['action', 'assign'],
      ['assignee', 'ana@brand.test'],
      ['back', '/cases?status=open'],
      ['case_id', String(ids[0])],
      ['case_id', String(ids[2])],
    ]);
    const res = await fetch(new URL('/cases/bulk', app.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: compliance.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: app.url,
        'sec-fetch-site': 'same-origin',
      },
      body,
    });
    expect(res.status).toBe(303);
    const loc = res.headers.get('location')!;
    expect(loc).toBe(`/cases?status=open&bulk=assign&ok=1&failed=${ids[2]}%3Aconflict`);
    const page = await call(app.url, loc, { as: compliance });
    expect(page.body).toContain(`1 case(s) assigned. Not done: #${ids[2]} (conflict).`);
    expect(page.body).toMatch(/ana@brand\.test/);
  });

  it('previews the exact notice before approving it', async () => {
    const id = ids[1]!;
    const preview = await call(app.url, `/cases/${id}/notice-preview`, { as: compliance });
    expect(preview.status).toBe(200);
    expect(preview.body).toContain('id="preview-to">legal@acme.test');
    expect(preview.body).toMatch(/id="preview-subject">Minimum advertised price notice for Tube Amp &lt;script/);
    expect(preview.body).toContain('quote reference MAP-');
    expect((await call(app.url, `/cases/${id}/notice-preview`, { as: viewer })).status).toBe(403);
    const r = await call(app.url, `/cases/${id}/approve-notice`, { as: compliance, form: { _csrf: compliance.csrf } });
    expect(r.headers.location).toBe(`/cases/${id}?done=approved`);
    const again = await api(`/api/v1/cases/${id}/approve-notice`, complianceToken, { json: {} });
    expect(again.status).toBe(409);
  });
});
