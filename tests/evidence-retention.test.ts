/**
 * Retention removes only what it may: the files of a read that changed no case (a
 * re-checked violation held by an earlier dismissal stores its files, but no evidence row
 * names them), once not stored for N days. Case evidence is kept however old (a file the
 * case's read shares with it included), recent files are kept, each removal is recorded in
 * evidence_purges, and `verify --db` still passes and tells a purged chained file apart from
 * a missing one. Run against the S3 store on Postgres and the local store on PGlite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { dismissCase } from '../src/cases/dismiss-case.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadProcessConfig } from '../src/config/process-config.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { type EvidenceStore, LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { purgeEvidence } from '../src/evidence/purge-evidence.js';
import { S3EvidenceStore } from '../src/evidence/s3-evidence-store.js';
import { verifyChain } from '../src/evidence/verify-chain.js';
import { verifyCaseEvidence } from '../src/evidence/verify-case-evidence.js';
import { retentionJob } from '../src/queue/retention-job.js';
import type { Job } from 'bullmq';
import { type Backend, HAS_POSTGRES, openTestDb } from './support/db.js';
import { type S3TestServer, startS3Server } from './support/s3-server.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

type Kind = 's3' | 'local';
const legs: [Backend, Kind][] = HAS_POSTGRES
  ? [
      ['postgres', 's3'],
      ['pglite', 'local'],
    ]
  : [['pglite', 'local']];

const DAY = 86_400_000;

describe.each(legs)('evidence retention on %s with the %s store', (backend, kind) => {
  let h: DbHandle;
  let srv: TestServer;
  let s3: S3TestServer | undefined;
  let store: EvidenceStore;
  /** Moves a stored file's time `days` into the past. */
  let age: (key: string, days: number) => Promise<void>;
  let chained: Set<string>;
  let orphans: string[];

  const listKeys = async () => {
    const keys: string[] = [];
    for await (const e of store.list()) keys.push(e.key);
    return keys.sort();
  };

  beforeAll(async () => {
    h = await openTestDb(backend);
    if (kind === 's3') {
      const server = await startS3Server();
      s3 = server;
      store = new S3EvidenceStore({
        bucket: server.bucket,
        prefix: 'ev/',
        endpoint: server.endpoint,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
      });
      age = async (key, days) => server.age(`ev/${key}`, days);
    } else {
      const local = new LocalEvidenceStore(path.join(tmpDir(), 'evidence'));
      store = local;
      age = async (key, days) => {
        const file = path.join(local.root, key);
        const t = new Date(fs.statSync(file).mtimeMs - days * DAY);
        fs.utimesSync(file, t, t);
      };
    }
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/alpha': { body: productPage({ name: 'Alpha Headphones', price: '89.00' }) },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nALPHA,Alpha Headphones\n',
      'resellers.csv': 'name\nTest Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nALPHA,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    const sites = loadSites(
      tmpDir({
        'test-shop.yaml': `reseller: Test Shop
domain: "${srv.host}"
currency: USD
rate_limit: { concurrency: 1, delay_ms: 0 }
recheck: { delay_ms: 10 }
listings:
  - { sku: ALPHA, url: "${srv.origin}/p/alpha" }
`,
      }),
    ).sites;
    const ctx = {
      db: h.db,
      policy: loadPolicy({}),
      evidence: store,
      fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
    };
    // A violation opens a case: its read is case evidence.
    expect((await crawlNow(ctx, sites)).cases.opened).toBe(1);
    const caseId = (await h.db.selectFrom('cases').select('id').executeTakeFirstOrThrow()).id;
    await dismissCase(h.db, caseId, 'authorized clearance sale', { actor: { who: 'maria', role: 'compliance' } });
    const before = new Set(await listKeys());
    // The same violation again: re-checked, captured, then held by the dismissal. It changed
    // no case, so no evidence row names the files it stored.
    const again = await crawlNow(ctx, sites);
    expect(again.cases.opened).toBe(0);
    const rows = await h.db.selectFrom('evidence').select('storage_keys').execute();
    expect(rows).toHaveLength(1);
    chained = new Set(rows.flatMap((r) => r.storage_keys));
    orphans = (await listKeys()).filter((k) => !before.has(k));
    // The WARC differs (its records carry the time); the page's DOM is the same bytes as the
    // case's, so it is one file, chained.
    expect(orphans.length).toBeGreaterThan(0);
    expect(orphans.some((k) => chained.has(k))).toBe(false);
    expect([...chained].every((k) => before.has(k))).toBe(true);
  });
  afterAll(async () => {
    await srv?.close();
    await s3?.close();
    await h?.close();
  });

  it('removes only unchained files older than N days, records each, and verify still passes', async () => {
    // Everything the two crawls stored is 40 days old; one more unchained file, 10 days.
    for (const k of await listKeys()) await age(k, 40);
    const recent = (await store.put(Buffer.from(`another read's page on ${kind}`))).key;
    await age(recent, 10);
    const all = await listKeys();
    const old = orphans;

    const dry = await purgeEvidence(h.db, { store, olderThanDays: 30, dryRun: true });
    expect(dry).toMatchObject({ scanned: all.length, purged: old.length, keptChained: chained.size, dryRun: true });
    expect(await listKeys()).toEqual(all);

    const r = await purgeEvidence(h.db, { store, olderThanDays: 30 });
    expect(r).toMatchObject({ scanned: all.length, purged: old.length, keptChained: chained.size, keptRestored: 0 });
    expect(await listKeys()).toEqual(all.filter((k) => !old.includes(k)).sort());
    for (const k of chained) expect(await store.get(k)).not.toBeNull();
    const purges = await h.db.selectFrom('evidence_purges').selectAll().orderBy('id').execute();
    expect(purges.map((p) => p.storage_key).sort()).toEqual([...old].sort());
    expect(purges.every((p) => p.store === store.location && p.reason.startsWith('retention'))).toBe(true);
    // The purge record is append-only, like evidence.
    await expect(h.db.deleteFrom('evidence_purges').execute()).rejects.toThrow(/append-only/);

    const v = await verifyChain(h.db, store);
    expect(v.problems).toEqual([]);
    expect(v.files).toBe(chained.size);
    // A second run finds nothing more; the recent orphan goes once it is old enough.
    expect((await purgeEvidence(h.db, { store, olderThanDays: 30 })).purged).toBe(0);
    expect((await purgeEvidence(h.db, { store, olderThanDays: 5 })).purged).toBe(1);
    expect(await store.stat(recent)).toBeNull();
  });

  it('an old file stored again by a read since the scan began is kept', async () => {
    const bytes = Buffer.from(`a read from long ago on ${kind}`);
    const { key } = await store.put(bytes);
    await age(key, 40);
    // What a worker storing the same bytes does meanwhile: the file's time is refreshed.
    await store.put(bytes);
    const r = await purgeEvidence(h.db, { store, olderThanDays: 30 });
    expect(r.purged).toBe(0);
    expect(await store.get(key)).toEqual(bytes);
  });

  it('verify tells a chained file removed on record (purged) apart from one that is missing', async () => {
    const row = await h.db.selectFrom('evidence').select(['id', 'case_id', 'storage_keys']).executeTakeFirstOrThrow();
    const [k1, k2] = row.storage_keys;
    const saved1 = await store.get(k1!);
    const saved2 = await store.get(k2!);
    try {
      // k1 as if a purge had raced a read chaining it; k2 simply gone.
      await h.db
        .insertInto('evidence_purges')
        .values({
          storage_key: k1!,
          sha256: k1!.slice(-64),
          size: saved1!.length,
          stored_at: new Date(Date.now() - 40 * DAY),
          reason: 'retention: test',
          store: store.location,
        })
        .execute();
      await store.delete(k1!);
      await store.delete(k2!);
      const v = await verifyChain(h.db, store);
      expect(v.problems).toEqual([
        expect.stringMatching(
          new RegExp(`file ${k1} was purged by retention on \\d{4}-.*although a chain row names it`),
        ),
        expect.stringMatching(new RegExp(`file ${k2} is missing$`)),
      ]);
      const c = await verifyCaseEvidence(h.db, row.case_id!, store);
      expect(c.evidence[0]!.files.map((f) => f.state).slice(0, 2)).toEqual(
        [k1, k2].map((k) => (k === k1 ? 'purged' : 'missing')),
      );
    } finally {
      await store.put(saved1!);
      await store.put(saved2!);
    }
    expect((await verifyChain(h.db, store)).problems).toEqual([]);
  });

  it('the retention job purges with MAPWATCH_EVIDENCE_RETENTION_DAYS and does nothing at 0', async () => {
    const { key } = await store.put(Buffer.from(`an orphan for the job on ${kind}`));
    await age(key, 8);
    const run = (days: string) =>
      retentionJob.handler(
        {},
        {
          job: {} as Job,
          deps: {
            db: h.db,
            policy: loadPolicy({}),
            fetchOptions: {},
            evidence: store,
            config: loadProcessConfig({ MAPWATCH_EVIDENCE_RETENTION_DAYS: days }),
          },
        },
      );
    expect(await run('0')).toEqual({ skipped: 'MAPWATCH_EVIDENCE_RETENTION_DAYS is 0' });
    expect(await run('30')).toMatchObject({ purged: 0 });
    expect(await run('7')).toMatchObject({ purged: 1 });
    expect(await store.stat(key)).toBeNull();
    expect((await verifyChain(h.db, store)).problems).toEqual([]);
  });
});
