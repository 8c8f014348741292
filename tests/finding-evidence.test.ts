/**
 * Unauthorized-seller findings carry evidence (issue 16). A marketplace listing with several
 * sellers, one unauthorized and below MAP while the buy box is compliant, opens no case; its
 * read is still kept as evidence (HTML + WARC, chained like case evidence, with no case), once
 * per listing, seller and reporting day. A listing whose buy box is below MAP too opens a case,
 * and both kinds of evidence verify in the one chain. The app, the API, `mapwatch findings` and
 * the digest name the evidence hash; a role that may not see evidence gets the hash and no file;
 * a stored file altered afterwards fails verification and is never served.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlNow } from '../src/check/crawl-now.js';
import { evidenceDay } from '../src/check/record-finding-evidence.js';
import { formatFindings } from '../src/cli/commands/findings.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { AppContext } from '../src/context.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { manifestSchema } from '../src/evidence/manifest.js';
import { verifyChain } from '../src/evidence/verify-chain.js';
import { fetchPage } from '../src/fetch/fetch-page.js';
import { buildDigest } from '../src/notify/build-digest.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { listFindingGroups } from '../src/queries/list-finding-groups.js';
import { listFindings, type UnauthorizedSellerFinding } from '../src/queries/list-findings.js';
import { call, startTestApp, type TestApp } from './support/app-server.js';
import { BACKENDS } from './support/db.js';
import { seedCatalog } from './support/queue.js';
import { startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');
const ld = (o: object) => `<script type="application/ld+json">${JSON.stringify(o)}</script>`;
/** A marketplace page: the buy box (the reseller's own offer) and other sellers' offers. */
const listing = (name: string, buyBox: string, offers: [string, string][]) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>${ld({
    '@context': 'https://schema.org',
    '@type': 'Product',
    name,
    offers: offers.map(([seller, price]) => ({
      '@type': 'Offer',
      price,
      priceCurrency: 'USD',
      itemCondition: 'https://schema.org/NewCondition',
      seller: { '@type': 'Organization', name: seller },
    })),
  })}</head><body><h1>${name}</h1><div id="buybox"><span class="price">$${buyBox}</span> Sold by Northwind Official</div></body></html>`;

describe.each(BACKENDS)('unauthorized-seller findings carry evidence on %s', { timeout: 120_000 }, (backend) => {
  let app: TestApp;
  let srv: TestServer;
  let storeDir: string;
  let store: LocalEvidenceStore;
  let clock = new Date('2026-03-10T10:00:00Z');
  let crawl: () => Promise<unknown>;
  const cfg = notifySchema.parse({
    recipients: [{ email: 'anna@brand.example', time_zone: 'UTC', digest_at: '08:00', alerts: false }],
  });
  const listingId = async (sku: string) =>
    (
      await app.h.db
        .selectFrom('listings as l')
        .innerJoin('products as p', 'p.id', 'l.product_id')
        .select('l.id')
        .where('p.sku', '=', sku)
        .executeTakeFirstOrThrow()
    ).id;
  const evidenceOf = async (sku: string) =>
    app.h.db
      .selectFrom('evidence as e')
      .innerJoin('observations as o', 'o.id', 'e.observation_id')
      .select(['e.id', 'e.case_id', 'e.manifest', 'e.manifest_sha256', 'o.content_sha256'])
      .where('o.listing_id', '=', await listingId(sku))
      .orderBy('e.id')
      .execute();
  const findingsOf = async (sku: string) =>
    app.h.db
      .selectFrom('findings')
      .select(['id', 'evidence_id', 'detail', 'observation_id'])
      .where('listing_id', '=', await listingId(sku))
      .where('kind', '=', 'unauthorized_seller')
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    app = await startTestApp(backend);
    await seedCatalog(app.h, ['HP-1', 'HP-2'], '100.00');
    srv = await startServer({
      // The buy box (120.00) is compliant; Cheap Deals sells below MAP, Northwind Outlet is authorized.
      '/dp/HP-1': {
        body: listing('Northwind HP-1', '120.00', [
          ['Northwind Official', '120.00'],
          ['Northwind Outlet', '110.00'],
          ['Cheap Deals', '80.00'],
        ]),
      },
      // The buy box itself is below MAP: a case, and Cheap Deals again.
      '/dp/HP-2': {
        body: listing('Northwind HP-2', '85.00', [
          ['Northwind Official', '85.00'],
          ['Cheap Deals', '79.00'],
        ]),
      },
    });
    storeDir = tmpDir();
    store = new LocalEvidenceStore(storeDir);
    // The app serves evidence files from this store.
    (app.ctx as AppContext).evidence = store;
    const crawlers = tmpDir({
      'market.yaml': `reseller: Test Shop
domain: "${srv.host}"
currency: USD
respect_robots: false
rate_limit: { concurrency: 1, delay_ms: 0 }
authorized_sellers: ["Northwind Official", "Northwind Outlet"]
selectors:
  price: "#buybox .price"
listings:
  - { sku: HP-1, url: "${srv.origin}/dp/HP-1" }
  - { sku: HP-2, url: "${srv.origin}/dp/HP-2" }
`,
    });
    crawl = () =>
      crawlNow(
        {
          db: app.h.db,
          policy: loadPolicy({}),
          evidence: store,
          recheckDelayMs: 0,
          // Static reads at the test's clock: the reporting day is the read's.
          fetcher: async (url, fo) => ({ ...(await fetchPage(url, fo)), fetchedAt: new Date(clock) }),
          fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
        },
        loadSites(crawlers).sites,
      );
    await crawl();
  });
  afterAll(async () => {
    await srv?.close();
    await app?.close();
  });

  it('keeps the read that found the seller as chained evidence, with no case, its page hash matching', async () => {
    const [ev, ...more] = await evidenceOf('HP-1');
    expect(more).toEqual([]);
    expect(ev!.case_id).toBeNull();
    const m = manifestSchema.parse(ev!.manifest);
    expect(m.case_id).toBeNull();
    expect(m.files.map((f) => f.role).sort()).toEqual(['dom_html', 'warc']); // static read: no screenshot
    const html = m.files.find((f) => f.role === 'dom_html')!;
    expect(html.sha256).toBe(ev!.content_sha256);
    expect(sha(fs.readFileSync(path.join(storeDir, html.key)))).toBe(ev!.content_sha256);
    const [f] = await findingsOf('HP-1');
    expect(f!.evidence_id).toBe(ev!.id);
    const cheap = (f!.detail as { sellers: { seller: string; evidence_id?: number }[] }).sellers;
    expect(cheap.map((s) => [s.seller, s.evidence_id])).toEqual([['Cheap Deals', ev!.id]]);
    expect(
      await app.h.db
        .selectFrom('cases')
        .select('id')
        .where('listing_id', '=', await listingId('HP-1'))
        .execute(),
    ).toEqual([]);
  });

  it('chains finding and case evidence in one chain that verifies', async () => {
    const hp2 = await evidenceOf('HP-2');
    // The first read (awaiting its re-check) is the finding's evidence; the confirming read opened the case.
    expect(hp2.map((e) => e.case_id === null)).toEqual([true, false]);
    const findings = await findingsOf('HP-2');
    expect(findings.map((f) => f.evidence_id)).toEqual(hp2.map((e) => e.id));
    const report = await verifyChain(app.h.db, store);
    expect(report.problems).toEqual([]);
    expect(report.rows).toBe(3);
  });

  it('captures once per listing, seller and day: not again the same day, again the next', async () => {
    const first = (await evidenceOf('HP-1'))[0]!;
    clock = new Date('2026-03-10T10:15:00Z');
    await crawl();
    expect((await evidenceOf('HP-1')).map((e) => e.id)).toEqual([first.id]);
    const sameDay = (await findingsOf('HP-1')).at(-1)!;
    expect(sameDay.evidence_id).toBe(first.id); // the later read links the day's capture

    clock = new Date('2026-03-11T00:05:00Z');
    await crawl();
    const evs = await evidenceOf('HP-1');
    expect(evs).toHaveLength(2);
    expect(evs[1]!.case_id).toBeNull();
    expect((await findingsOf('HP-1')).at(-1)!.evidence_id).toBe(evs[1]!.id);
    expect((await verifyChain(app.h.db, store)).problems).toEqual([]);
    // In a reporting zone behind UTC that read was still the 10th.
    expect(evidenceDay(clock, 'America/New_York')).toBe('2026-03-10');
    expect(evidenceDay(clock, 'UTC')).toBe('2026-03-11');
  });

  it('names the evidence in `mapwatch findings`, the Findings groups and the digest', async () => {
    const latest = (await evidenceOf('HP-1')).at(-1)!;
    const rows = (await listFindings(app.h.db, { kind: 'unauthorized_seller' })) as UnauthorizedSellerFinding[];
    const hp1 = rows.find((r) => r.sku === 'HP-1')!;
    expect(hp1).toMatchObject({ seller: 'Cheap Deals', reads: 3, belowMap: true });
    expect(hp1.evidence).toMatchObject({
      id: latest.id,
      manifestSha256: latest.manifest_sha256,
      pageSha256: latest.content_sha256,
      caseId: null,
      screenshot: false,
      warc: true,
    });
    expect(formatFindings(rows)).toContain(`#${latest.id} ${latest.manifest_sha256}`);
    const { items } = await listFindingGroups(app.h.db, { limit: 10, kind: 'unauthorized_seller' });
    expect(items.map((g) => [g.seller, g.listings])).toEqual([['Cheap Deals', 2]]);
    expect(items[0]!.evidence?.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    const d = await buildDigest(app.h.db, cfg.recipients[0]!, cfg, new Date('2026-03-11T01:00:00Z'));
    expect(d.text).toContain(
      `evidence #${latest.id} (page stored 2026-03-11 00:05 UTC), manifest sha256 ${latest.manifest_sha256}`,
    );
    expect(d.html).toContain(latest.manifest_sha256);
  });

  it('shows the reference in the app and the API; files only to roles that may see evidence', async () => {
    const compliance = await app.addUser('compliance');
    const viewer = await app.addUser('viewer');
    const asCompliance = await app.signIn(compliance.email, compliance.password);
    const asViewer = await app.signIn(viewer.email, viewer.password);
    const { items } = await listFindingGroups(app.h.db, { limit: 10, kind: 'unauthorized_seller' });
    const e = items[0]!.evidence!;

    const page = await call(app.url, '/findings', { as: asCompliance });
    expect(page.status).toBe(200);
    expect(page.body).toContain(e.manifestSha256);
    expect(page.body).toContain(`href="/evidence/${e.id}/page.html"`);
    const file = await call(app.url, `/evidence/${e.id}/page.html`, { as: asCompliance });
    expect(file.status).toBe(200);
    expect(sha(file.body)).toBe(e.pageSha256);
    expect(file.headers['content-disposition']).toMatch(/^attachment;/);
    expect(file.headers['content-security-policy']).toContain('sandbox');

    const viewed = await call(app.url, '/findings', { as: asViewer });
    expect(viewed.body).toContain(e.manifestSha256);
    expect(viewed.body).not.toContain(`/evidence/${e.id}/page.html`);
    expect((await call(app.url, `/evidence/${e.id}/page.html`, { as: asViewer })).status).toBe(403);

    const token = await app.apiToken(viewer.email);
    const api = await call(app.url, '/api/v1/findings?kind=unauthorized_seller', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.status).toBe(200);
    const body = JSON.parse(api.body) as { items: { evidence: { id: number; manifestSha256: string } | null }[] };
    expect(body.items[0]!.evidence).toMatchObject({ id: e.id, manifestSha256: e.manifestSha256 });
  });

  it('fails verification, and serves nothing, once a stored page is altered', async () => {
    const latest = (await evidenceOf('HP-1')).at(-1)!;
    const html = manifestSchema.parse(latest.manifest).files.find((f) => f.role === 'dom_html')!;
    const file = path.join(storeDir, html.key);
    const original = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.from(original.toString().replace('$120.00', '$129.00')));
    try {
      const report = await verifyChain(app.h.db, store);
      // The store is content-addressed: both days' captures of the unchanged page name this one file.
      const naming = (await evidenceOf('HP-1')).map((e) => e.id);
      expect(naming).toHaveLength(2);
      expect(report.problems).toEqual(
        naming.map((id) =>
          expect.stringMatching(
            new RegExp(
              `^evidence row ${id} \\(finding evidence, observation \\d+\\): dom_html file ${html.key} was altered`,
            ),
          ),
        ),
      );
      const u = await app.addUser('admin');
      const r = await call(app.url, `/evidence/${latest.id}/page.html`, { as: await app.signIn(u.email, u.password) });
      expect(r.status).toBe(404);
    } finally {
      fs.writeFileSync(file, original);
    }
    expect((await verifyChain(app.h.db, store)).problems).toEqual([]);
  });
});
