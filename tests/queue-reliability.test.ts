/**
 * Process-level reliability, against real Redis (a private redis-server this file starts
 * and stops) and real Postgres, with real `mapwatch worker` processes:
 * - a worker SIGKILLed mid-crawl: its job is found stalled once its lock lapses, another
 *   worker completes it, and nothing is written twice;
 * - Redis restarted mid-run: workers reconnect and finish every job;
 * - a re-check wait longer than the job lock never gets a healthy job marked stalled.
 * Timeouts are generous and everything polls: this runs on loaded 2-core CI machines.
 */
import type http from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { bullSchemaFor, openQueueConnection, type QueueConnection } from '../src/queue/connection.js';
import { crawlListingJob, crawlListingJobId, crawlSiteData, crawlSiteJob, readKeyOf } from '../src/queue/crawl-jobs.js';
import { openQueues } from '../src/queue/open-queues.js';
import { startWorkers } from '../src/queue/worker.js';
import { HAS_POSTGRES, openTestDb, POSTGRES_URL } from './support/db.js';
import {
  COMBOS,
  openQueueEnv,
  type PrivateRedis,
  seedCatalog,
  siteYaml,
  spawnWorkerProcess,
  startPrivateRedis,
  waitFor,
  type WorkerProcess,
} from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

/** Site config for these tests: the re-check runs at once unless a test asks for a wait. */
const yaml = (o: Parameters<typeof siteYaml>[0]) => siteYaml({ recheckMs: 0, ...o });

/** Syncs the config folder and enqueues one crawl-site job per site for `slot`, as the scheduler would. */
async function enqueueSites(h: DbHandle, queues: ReturnType<typeof openQueues>, dir: string, slot: number) {
  const synced = await syncSites(h.db, loadSites(dir).sites);
  for (const s of synced) {
    await queues.crawl.add(crawlSiteJob.id, crawlSiteData(s.site, slot), {
      ...crawlSiteJob.options,
      jobId: `site-${s.site.name}-${slot}`,
    });
  }
  return synced;
}

function workerEnv(h: DbHandle, redisUrl: string | undefined): Record<string, string> {
  return {
    DATABASE_URL: POSTGRES_URL,
    MAPWATCH_DB_SCHEMA: h.schema,
    REDIS_URL: redisUrl ?? '',
    MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
    MAPWATCH_DATA_DIR: tmpDir({}),
    MAPWATCH_CRAWLERS_DIR: tmpDir({}),
    // Short locks so a killed worker's job is recovered in seconds, not a minute.
    MAPWATCH_JOB_LOCK_MS: '3000',
    MAPWATCH_STALLED_INTERVAL_MS: '1000',
  };
}

// Needs the PostgreSQL server (the workers are separate processes); Redis is a private redis-server.
// Skipped only when no PostgreSQL server answers (a fresh machine): these tests share one
// server schema across processes, which the in-memory embedded database cannot. CI sets
// MAPWATCH_REQUIRE_SERVERS=1, so there a missing server fails instead of skipping.
describe.skipIf(!HAS_POSTGRES).each(['redis', 'postgres'] as const)(
  'worker processes on the %s queue backend with real Postgres',
  (backend) => {
    let redis: PrivateRedis | undefined;
    let h: DbHandle;
    let conn: QueueConnection;
    let queues: ReturnType<typeof openQueues>;
    let shop: TestServer;
    const parked: http.ServerResponse[] = [];
    let hang = true;

    beforeAll(async () => {
      if (backend === 'redis') redis = await startPrivateRedis();
      h = await openTestDb('postgres');
      await seedCatalog(h, ['H', 'K1', 'K2', ...Array.from({ length: 12 }, (_, i) => `R${i}`)]);
      // The CLI worker's defaults: Redis prefix `bull`, or the `<schema>_bullmq` schema.
      conn = await openQueueConnection({ redisUrl: redis?.url, db: h, prefix: 'bull' });
      queues = openQueues(conn);
      shop = await startServer({
        '/p/k1': { body: productPage({ name: 'K1', price: '120.00' }) },
        '/p/k2': { body: productPage({ name: 'K2', price: '120.00' }) },
        '/p/h': (_req, res) => {
          // Hangs while `hang` is set: the worker is then mid-crawl, holding the job's lock.
          if (hang) return void parked.push(res);
          res.writeHead(200, { 'content-type': 'text/html' }).end(productPage({ name: 'H', price: '80.00' }));
        },
      });
    });

    afterAll(async () => {
      for (const r of parked) r.destroy();
      await queues?.closeAll().catch(() => {});
      await conn?.close().catch(() => {});
      if (h?.kind === 'postgres')
        await sql`drop schema if exists ${sql.id(bullSchemaFor(h))} cascade`.execute(h.db).catch(() => {});
      await h?.close();
      await shop?.close();
      await redis?.stop();
    });

    it('a worker SIGKILLed mid-crawl: another worker completes its job, with no duplicate observation or case event', async () => {
      const dir = tmpDir({
        'kill-shop.yaml': yaml({
          host: shop.host,
          origin: shop.origin,
          paths: [
            ['K1', '/p/k1'],
            ['H', '/p/h'],
            ['K2', '/p/k2'],
          ],
          concurrency: 3,
        }),
      });
      const children: WorkerProcess[] = [];
      try {
        const a = await spawnWorkerProcess(workerEnv(h, redis?.url), ['--concurrency', '4']);
        children.push(a);
        await a.ready;
        const [synced] = await enqueueSites(h, queues, dir, 7);
        const hl = synced!.listings.find((l) => l.sku === 'H')!;
        const jobId = crawlListingJobId(synced!.id, hl.id, 7);
        await waitFor(() => parked.length >= 1, 'worker A to be mid-fetch of /p/h', 60_000);
        // A finishes the other two listings first, so the kill lands on exactly one job.
        const others = synced!.listings.filter((x) => x.sku !== 'H').map((x) => crawlListingJobId(synced!.id, x.id, 7));
        await waitFor(
          async () =>
            (await Promise.all(others.map(async (id) => (await queues.crawl.getJob(id))?.getState()))).every(
              (s) => s === 'completed',
            ),
          'worker A to finish K1 and K2',
          60_000,
        );
        expect(await (await queues.crawl.getJob(jobId))!.getState()).toBe('active');

        await a.kill('SIGKILL');
        hang = false;
        for (const r of parked.splice(0)) r.destroy();
        // Nothing of the killed read was stored: A died before the page answered.
        expect(await h.db.selectFrom('observations').select('id').where('listing_id', '=', hl.id).execute()).toEqual(
          [],
        );

        const b = await spawnWorkerProcess(workerEnv(h, redis?.url), ['--concurrency', '4']);
        children.push(b);
        await b.ready;
        await waitFor(
          async () => (await (await queues.crawl.getJob(jobId))?.getState()) === 'completed',
          'worker B to complete the stalled job',
          90_000,
        );

        const job = (await queues.crawl.getJob(jobId))!;
        expect(job.stalledCounter).toBeGreaterThanOrEqual(1); // recovered as stalled, not retried as failed
        expect(job.returnvalue).toMatchObject({ status: 'ok', case: 'opened', duplicate: false });
        const obs = await h.db
          .selectFrom('observations')
          .select(['read_key', 'status'])
          .where('listing_id', '=', hl.id)
          .orderBy('id')
          .execute();
        const key = readKeyOf(synced!.id, hl.id, 7);
        // The read and its confirming re-check, once each.
        expect(obs).toEqual([
          { read_key: key, status: 'ok' },
          { read_key: `${key}:recheck`, status: 'ok' },
        ]);
        const events = await h.db
          .selectFrom('case_events')
          .innerJoin('cases', 'cases.id', 'case_events.case_id')
          .select('case_events.kind')
          .where('cases.listing_id', '=', hl.id)
          .execute();
        // One `opened`; the notifier may add its own note (e.g. no contact address), but nothing twice.
        expect(events.filter((e) => e.kind === 'opened')).toHaveLength(1);
        expect(new Set(events.map((e) => e.kind)).size).toBe(events.length);
        for (const l of synced!.listings.filter((x) => x.sku !== 'H')) {
          const rows = await h.db
            .selectFrom('observations')
            .select('read_key')
            .where('listing_id', '=', l.id)
            .execute();
          expect(rows).toEqual([{ read_key: readKeyOf(synced!.id, l.id, 7) }]);
        }
        expect(shop.hits.get('/p/k1')).toBe(1);
        expect(shop.hits.get('/p/k2')).toBe(1);
      } finally {
        for (const c of children) await c.kill();
      }
    }, 240_000);

    // Only Redis can be restarted under the workers; the PostgreSQL backend rides on the app's database.
    if (backend === 'redis')
      it('Redis restarted during a run: the worker reconnects and finishes every job', async () => {
        const paths = (odd: number): [string, string][] =>
          Array.from({ length: 6 }, (_, j) => [`R${j * 2 + odd}`, `/p/r${j * 2 + odd}`]);
        // Domains of their own: the killed worker of the test above may still hold a lease on `shop`.
        const a = await startServer(
          Object.fromEntries(paths(0).map(([sku, p]) => [p, { body: productPage({ name: sku, price: '120.00' }) }])),
        );
        const b = await startServer(
          Object.fromEntries(paths(1).map(([sku, p]) => [p, { body: productPage({ name: sku, price: '120.00' }) }])),
        );
        const dir = tmpDir({
          'restart-a.yaml': yaml({ host: a.host, origin: a.origin, paths: paths(0), delayMs: 600 }),
          'restart-b.yaml': yaml({ host: b.host, origin: b.origin, paths: paths(1), delayMs: 600 }),
        });
        let w: WorkerProcess | undefined;
        try {
          w = await spawnWorkerProcess(workerEnv(h, redis!.url), ['--concurrency', '4']);
          await w.ready;
          const synced = await enqueueSites(h, queues, dir, 9);
          const ids = synced.flatMap((s) => s.listings.map((l) => l.id));
          expect(ids).toHaveLength(12);
          const count = async () =>
            (await h.db.selectFrom('observations').select('id').where('listing_id', 'in', ids).execute()).length;
          await waitFor(async () => (await count()) >= 2, 'the first reads', 60_000);
          expect(await count()).toBeLessThan(12); // politeness spreads the run over several seconds
          await redis!.restart(1500);
          await waitFor(async () => (await count()) === 12, 'every listing after the restart', 120_000);
          const jobs = await Promise.all(
            synced.flatMap((s) => s.listings.map((l) => queues.crawl.getJob(crawlListingJobId(s.id, l.id, 9)))),
          );
          await waitFor(
            async () => (await Promise.all(jobs.map((j) => j!.getState()))).every((s) => s === 'completed'),
            'every listing job to be completed',
            60_000,
          );
          expect(w.child.exitCode).toBeNull(); // still running: it reconnected rather than crashed
          // One observation per listing and slot: nothing was redone after the reconnect.
          const rows = await h.db
            .selectFrom('observations')
            .select(['listing_id', 'read_key'])
            .where('listing_id', 'in', ids)
            .execute();
          expect(new Set(rows.map((r) => r.read_key)).size).toBe(12);
        } finally {
          await w?.kill();
          await a.close();
          await b.close();
        }
      }, 300_000);
  },
);

describe.each(COMBOS)('job locks on %s', (combo) => {
  it("a re-check's delay is spent delayed in the queue: the worker runs other jobs meanwhile and the job resumes at its stored read", async () => {
    const env = await openQueueEnv(combo);
    const wHits: number[] = [];
    const wPage = productPage({ name: 'W', price: '80.00' });
    const shop = await startServer({
      '/p/w': (_req, res) => {
        wHits.push(Date.now());
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(wPage);
      },
      '/p/c': { body: productPage({ name: 'C', price: '120.00' }) },
    });
    try {
      await seedCatalog(env.h, ['W', 'C']);
      const dir = tmpDir({
        'wait-shop.yaml': yaml({
          host: shop.host,
          origin: shop.origin,
          paths: [
            ['W', '/p/w'],
            ['C', '/p/c'],
          ],
          recheckMs: 4000,
        }),
      });
      const [synced] = await syncSites(env.h.db, loadSites(dir).sites);
      const [w, c] = synced!.listings;
      const data = (listingId: number) => ({
        site: 'wait-shop',
        configHash: synced!.site.hash,
        siteId: synced!.id,
        slot: 5,
        listingId,
      });
      // One job at a time, a 1.5 s lock checked every 0.5 s, against a 4 s re-check delay.
      const workers = startWorkers(env.conn, env.deps, {
        roles: ['crawl'],
        concurrency: 1,
        lockDurationMs: 1500,
        stalledIntervalMs: 500,
      });
      const stalled: string[] = [];
      for (const wk of workers.workers) wk.on('stalled', (id) => stalled.push(id));
      try {
        const first = await env.queues.crawl.add(crawlListingJob.id, data(w!.id), {
          ...crawlListingJob.options,
          jobId: 'long-wait',
        });
        await waitFor(async () => (await first.getState()) === 'delayed', 'the job waiting for its re-check', 30_000);
        // The only worker slot is free: another listing's job runs while the first one waits.
        const other = await env.queues.crawl.add(crawlListingJob.id, data(c!.id), {
          ...crawlListingJob.options,
          jobId: 'meanwhile',
        });
        await waitFor(async () => (await other.getState()) === 'completed', 'the other job', 30_000);
        expect(await first.getState()).toBe('delayed');
        await waitFor(async () => (await first.getState()) === 'completed', 'the job after its re-check', 60_000);
      } finally {
        await workers.close();
      }
      const done = (await env.queues.crawl.getJob('long-wait'))!;
      const meanwhile = (await env.queues.crawl.getJob('meanwhile'))!;
      expect(meanwhile.finishedOn!).toBeLessThan(wHits[1]!);
      expect(wHits).toHaveLength(2);
      expect(wHits[1]! - wHits[0]!).toBeGreaterThanOrEqual(4000); // the delay was kept, not cut short
      expect(stalled).toEqual([]);
      expect(done.stalledCounter).toBe(0);
      expect(done.attemptsMade).toBeLessThanOrEqual(1); // waiting is not a failed attempt
      expect(done.returnvalue).toMatchObject({ case: 'opened' });
      const rechecks = await env.h.db.selectFrom('rechecks').select(['agreed']).execute();
      expect(rechecks).toEqual([{ agreed: true }]);
    } finally {
      await shop.close();
      await env.close();
    }
  });
});
