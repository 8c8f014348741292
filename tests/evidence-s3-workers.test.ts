/**
 * Scale-out with a shared evidence bucket: two `mapwatch worker` processes, each with its own
 * empty data directory, store evidence in one S3-compatible bucket (the local test server)
 * while a third process, on a data directory that never saw a crawl, exports a case with
 * `mapwatch evidence export`: the bundle is complete and verifies, during the run and after
 * it, for every case, and `evidence verify --db` from that third process passes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { bundlePathOf } from '../src/evidence/export-bundle.js';
import { manifestSchema } from '../src/evidence/manifest.js';
import { verifyBundleFile } from '../src/evidence/verify-bundle.js';
import { bullSchemaFor, openQueueConnection, type QueueConnection } from '../src/queue/connection.js';
import { crawlSiteData, crawlSiteJob } from '../src/queue/crawl-jobs.js';
import { openQueues } from '../src/queue/open-queues.js';
import { HAS_POSTGRES, openTestDb, POSTGRES_URL } from './support/db.js';
import { seedCatalog, siteYaml, spawnWorkerProcess, waitFor, type WorkerProcess } from './support/queue.js';
import { type S3TestServer, startS3Server } from './support/s3-server.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SKUS = Array.from({ length: 6 }, (_, i) => `S${i}`);

// Skipped only when no PostgreSQL server answers (a fresh machine): three processes share one
// database, which the embedded one (one process holds its folder) cannot give them. CI sets
// MAPWATCH_REQUIRE_SERVERS=1, so there a missing server fails instead.
describe.skipIf(!HAS_POSTGRES)(
  'two workers on one S3 evidence store, an export from a third machine',
  { timeout: 420_000 },
  () => {
    let h: DbHandle;
    let s3: S3TestServer;
    let shop: TestServer;
    let conn: QueueConnection;
    let queues: ReturnType<typeof openQueues>;
    const workers: WorkerProcess[] = [];

    const envFor = (accessKey: string): Record<string, string> => ({
      DATABASE_URL: POSTGRES_URL,
      MAPWATCH_DB_SCHEMA: h.schema,
      REDIS_URL: '',
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
      // Each process has its own, empty data directory: nothing is shared but the bucket.
      MAPWATCH_DATA_DIR: tmpDir({}),
      MAPWATCH_CRAWLERS_DIR: tmpDir({}),
      MAPWATCH_EVIDENCE_URL: `s3://${s3.bucket}/prod/evidence`,
      MAPWATCH_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    /**
     * `mapwatch …` as the third machine runs it. Asynchronous: the S3 server lives in this
     * process, and spawnSync would block it from answering.
     */
    const third = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args], {
          cwd: ROOT,
          env: { ...process.env, ...envFor('exporter'), MAPWATCH_DEBUG: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });

    const exportCase = async (caseId: number) => {
      const out = path.join(tmpDir(), `case-${caseId}.zip`);
      const r = await third(['evidence', 'export', '--case', String(caseId), '--out', out]);
      return { ...r, out };
    };

    beforeAll(async () => {
      h = await openTestDb('postgres');
      s3 = await startS3Server();
      await seedCatalog(h, SKUS);
      shop = await startServer(
        Object.fromEntries(
          SKUS.map((s) => [`/p/${s.toLowerCase()}`, { body: productPage({ name: s, price: '80.00' }) }]),
        ),
      );
      // The CLI worker's queues on the PostgreSQL backend: `<schema>_bullmq`.
      conn = await openQueueConnection({ db: h, prefix: 'bull' });
      queues = openQueues(conn);
    });
    afterAll(async () => {
      for (const w of workers) await w.kill();
      await queues?.closeAll().catch(() => {});
      await conn?.close().catch(() => {});
      if (h) await sql`drop schema if exists ${sql.id(bullSchemaFor(h))} cascade`.execute(h.db).catch(() => {});
      await h?.close();
      await shop?.close();
      await s3?.close();
    });

    it('both workers write to the bucket; every case exported from the third machine is complete', async () => {
      for (const key of ['worker-a', 'worker-b']) {
        const w = await spawnWorkerProcess(envFor(key), ['--concurrency', '3']);
        workers.push(w);
      }
      await Promise.all(workers.map((w) => w.ready));
      const dir = tmpDir({
        'shop.yaml': siteYaml({
          host: shop.host,
          origin: shop.origin,
          paths: SKUS.map((s) => [s, `/p/${s.toLowerCase()}`]),
          concurrency: 6,
          delayMs: 200,
          recheckMs: 0,
        }),
      });
      const [synced] = await syncSites(h.db, loadSites(dir).sites);
      await queues.crawl.add(crawlSiteJob.id, crawlSiteData(synced!.site, 1), {
        ...crawlSiteJob.options,
        jobId: `site-${synced!.site.name}-1`,
      });

      // While the workers are still storing, export the first case that has evidence.
      const first = await waitFor(
        () => h.db.selectFrom('evidence').select('case_id').orderBy('id').limit(1).executeTakeFirst(),
        'the first case with evidence',
        120_000,
      );
      const during = await exportCase(first.case_id!);
      expect(during.stderr).toBe('');
      expect(during.code).toBe(0);
      expect(during.stdout).toMatch(/^Wrote .*: case \d+, 1 evidence record\(s\)/);
      expect(verifyBundleFile(during.out).problems).toEqual([]);

      await waitFor(
        async () => (await h.db.selectFrom('evidence').select('id').execute()).length === SKUS.length,
        'evidence for every listing',
        180_000,
      );
      // Both processes stored files (each signs with its own access key).
      expect(s3.writers.get('worker-a')).toBeGreaterThan(0);
      expect(s3.writers.get('worker-b')).toBeGreaterThan(0);
      expect(s3.writers.get('exporter')).toBeUndefined();
      for (const w of workers) expect(w.stderr()).not.toMatch(/evidence store|checksum/i);

      const rows = await h.db.selectFrom('evidence').select(['case_id', 'manifest']).orderBy('id').execute();
      for (const row of rows) {
        const { out, code, stderr } = await exportCase(row.case_id!);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        const report = verifyBundleFile(out);
        expect(report.problems).toEqual([]);
        // Every file the manifest names is in the bundle (verify would name one left out), beside
        // the summary, the manifest, the chain, the price chart and the capture's WACZ.
        const paths = new Set(manifestSchema.parse(row.manifest).files.map(bundlePathOf));
        expect(report.wacz).toBe(1);
        expect(report.files).toBe(paths.size + 3 + 1 + report.wacz);
        expect(fs.statSync(out).size).toBeGreaterThan(0);
      }
      const v = await third(['evidence', 'verify', '--db']);
      expect(v.stdout).toMatch(/^ok {2}database: 6 evidence row\(s\)/);
      expect(v.code).toBe(0);
    });
  },
);
