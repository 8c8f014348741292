/**
 * Evidence end to end on real Chromium and a 127.0.0.1 page: a confirmed violation on a
 * static site is captured (screenshots, DOM, WARC, manifest), chained in the database,
 * exported as a bundle that verifies, and any changed byte or deleted row is detected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { sql } from 'kysely';
import { WARCParser } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { LocalEvidenceStore, sha256Hex } from '../src/evidence/evidence-store.js';
import { caseSummaryHtml, latestScreenshot } from '../src/evidence/evidence-queries.js';
import { exportCaseBundle } from '../src/evidence/export-bundle.js';
import { manifestSchema } from '../src/evidence/manifest.js';
import { verifyBundle } from '../src/evidence/verify-bundle.js';
import { verifyChain } from '../src/evidence/verify-chain.js';
import { chainHead, checkPublishedHead } from '../src/evidence/chain-head.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { HAS_POSTGRES, openTestDb } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const EVIL = 'Evil <img src=x onerror=alert(1)> Amp';

// Skipped only when no PostgreSQL server answers (a fresh machine): this file runs on the
// server leg alone, while evidence-forgery and evidence-verify run on both legs. CI sets
// MAPWATCH_REQUIRE_SERVERS=1, so there a missing server fails instead.
describe.skipIf(!HAS_POSTGRES)('evidence bundle (postgres)', () => {
  let h: DbHandle;
  let srv: TestServer;
  let pool: BrowserPool;
  let store: LocalEvidenceStore;
  let crawlers: string;
  let caseId: number;
  const policy = { ...loadPolicy({}), resolveAfter: 2 };
  const crawl = () =>
    crawlNow(
      {
        db: h.db,
        policy,
        browser: pool,
        evidence: store,
        recheckDelayMs: 50,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
      },
      loadSites(crawlers).sites,
    );

  beforeAll(async () => {
    h = await openTestDb('postgres');
    pool = new BrowserPool();
    store = new LocalEvidenceStore(path.join(tmpDir(), 'evidence'));
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/low': {
        body: productPage({ name: EVIL, price: '89.00' }).replace(
          '<body>',
          '<body><div style="height:300px;background:#def">Shop header</div>',
        ),
      },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nEVIL,Evil Amp\n',
      'resellers.csv': 'name\nEvidence Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nEVIL,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    crawlers = tmpDir({
      'ev.yaml': `reseller: Evidence Shop\ndomain: "${srv.host}"\ncurrency: USD\nrate_limit: { concurrency: 2, delay_ms: 0 }\nlistings:\n  - { sku: EVIL, url: "${srv.origin}/p/low" }\n`,
    });
    const first = await crawl();
    expect(first.results[0]!.outcome.action).toBe('opened');
    caseId = (first.results[0]!.outcome as { caseId: number }).caseId;
    const second = await crawl(); // open case, same severity: updated, captured, chained
    expect(second.results[0]!.outcome.action).toBe('updated');
  });
  afterAll(async () => {
    await pool?.close();
    await srv?.close();
    await h?.close();
  });

  it('captures a manifest with every file hashed, a WARC, screenshots and the MAP rule, chained in the database', async () => {
    const rows = await h.db.selectFrom('evidence').selectAll().orderBy('id').execute();
    expect(rows).toHaveLength(2);
    expect(rows[1]!.prev_sha256).toBe(rows[0]!.chain_sha256);
    const m = manifestSchema.parse(rows[0]!.manifest);
    expect(m).toMatchObject({
      case_id: caseId,
      render: 'static',
      http_status: 200,
      server_ip: '127.0.0.1',
      status: 'ok',
      recheck: { agreed: true },
    });
    expect(m.offer).toMatchObject({ raw: '89.00', amount_minor: 8900, currency: 'USD', source: 'json-ld' });
    expect(m.map_rule).toMatchObject({ mapMinor: 10000, currency: 'USD' });
    expect(m.files.map((f) => f.role).sort()).toEqual([
      'dom_html',
      'screenshot_annotated',
      'screenshot_full',
      'screenshot_viewport',
      'warc',
    ]);
    for (const f of m.files) expect(sha256Hex((await store.get(f.key))!)).toBe(f.sha256);
    const warc = (await store.get(m.files.find((f) => f.role === 'warc')!.key))!;
    const types: string[] = [];
    for await (const rec of WARCParser.iterRecords([warc])) types.push(`${rec.warcType} ${rec.warcTargetURI ?? ''}`);
    expect(types).toContain(`response ${srv.origin}/p/low`);
    expect((await verifyChain(h.db, store)).problems).toEqual([]);
  });

  it('gives the latest screenshot and an escaped summary to other stages', async () => {
    const shot = await latestScreenshot(h.db, caseId, store);
    expect(shot?.mime).toBe('image/png');
    expect(shot!.bytes.subarray(1, 4).toString()).toBe('PNG');
    const html = await caseSummaryHtml(h.db, caseId, store);
    expect(html).toContain('Evidence Shop');
    expect(html).toContain('USD 100.00');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('data:image/png;base64,');
  });

  it('exports a bundle that verifies, and names the file when one byte of any file changes', async () => {
    const { zip } = await exportCaseBundle(h.db, store, caseId);
    const out = path.join(tmpDir(), 'case.zip');
    fs.writeFileSync(out, zip);
    expect(verifyBundle(zip).problems).toEqual([]);
    const entries = unzipSync(zip);
    expect(strFromU8(entries['summary.html']!)).toContain('files/');
    for (const name of Object.keys(entries).filter((n) => n !== 'index.json')) {
      const bytes = Uint8Array.from(entries[name]!);
      bytes[Math.floor(bytes.length / 2)]! ^= 1;
      const copy = { ...entries, [name]: bytes };
      const problems = verifyBundle(zipSync(copy)).problems;
      expect(
        problems.some((p) => p.startsWith(`${name}: altered`)),
        `${name}: ${problems.join('; ')}`,
      ).toBe(true);
    }
    const { [Object.keys(entries).find((n) => n.startsWith('manifests/'))!]: _gone, ...missing } = entries;
    expect(verifyBundle(zipSync(missing)).problems.some((p) => /manifests\/evidence-\d+\.json: missing/.test(p))).toBe(
      true,
    );
  });

  it('refuses to edit evidence rows, and detects a deleted row in the chain', async () => {
    await expect(sql`update evidence set manifest_sha256 = ${'0'.repeat(64)}`.execute(h.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from evidence`.execute(h.db)).rejects.toThrow(/append-only/);
    await crawl(); // a third row, so the deleted one is in the middle
    const ids = (await h.db.selectFrom('evidence').select('id').orderBy('id').execute()).map((r) => r.id);
    // A superuser can bypass triggers; the chain still shows it.
    await h.db.connection().execute(async (c) => {
      await sql`set session_replication_role = replica`.execute(c);
      await sql`delete from evidence where id = ${ids[1]!}`.execute(c);
      await sql`set session_replication_role = origin`.execute(c);
    });
    const report = await verifyChain(h.db, store);
    expect(report.problems).toEqual([
      expect.stringMatching(new RegExp(`evidence row ${ids[2]} .*prev_sha256 does not match`)),
    ]);
  });

  it('detects deletion of the newest evidence row against a head published earlier', async () => {
    const head = (await chainHead(h.db))!;
    expect(await checkPublishedHead(h.db, head.chainSha256)).toEqual([]);
    const newest = await h.db
      .selectFrom('evidence')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await h.db.connection().execute(async (c) => {
      await sql`set session_replication_role = replica`.execute(c);
      await sql`delete from evidence where id = ${newest.id}`.execute(c);
      await sql`set session_replication_role = origin`.execute(c);
    });
    // Removing the newest row leaves a chain that links up (here it even removed the row the
    // earlier test broke), so only the head published outside the database reveals the loss.
    expect((await verifyChain(h.db)).problems).toEqual([]);
    expect(await checkPublishedHead(h.db, head.chainSha256)).toEqual([expect.stringMatching(/is not in the chain/)]);
  });
});
