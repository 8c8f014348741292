/**
 * Workers that survive a Postgres restart. The test runs its own Postgres server (initdb into
 * a temporary folder, a free port; never the shared server), starts two real `mapwatch worker`
 * processes, and stops and starts the server in the middle of a crawl: on the Redis queue
 * backend (only the app database goes away) and on the PostgreSQL queue backend (the queue
 * goes away too). Both workers must stay up, every job must complete, and no read may be
 * stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { syncSites } from '../src/config/sync-sites.js';
import { type DbHandle, openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { openQueueConnection, type QueueConnection } from '../src/queue/connection.js';
import { crawlListingJobId, crawlSiteData, crawlSiteJob } from '../src/queue/crawl-jobs.js';
import { openQueues } from '../src/queue/open-queues.js';
import { type PrivatePostgres, startPrivatePostgres } from './support/private-postgres.js';
import {
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

const N = 12; // listings per domain

describe.each(['redis', 'postgres'] as const)('a Postgres restart under two workers (%s queue backend)', (backend) => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis | undefined;
  let h: DbHandle;
  let conn: QueueConnection;
  let queues: ReturnType<typeof openQueues>;
  const shops: TestServer[] = [];

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    if (backend === 'redis') redis = await startPrivateRedis();
    h = await openDatabase({ databaseUrl: pg.url, schema: 'mw', poolSize: 4 });
    await migrateToLatest(h.db, h.schema);
    const skus = ['a', 'b'].flatMap((d) => Array.from({ length: N }, (_, i) => `${d.toUpperCase()}${i}`));
    await seedCatalog(h, skus);
    conn = await openQueueConnection({ redisUrl: redis?.url, db: h, prefix: 'bull' });
    queues = openQueues(conn);
    for (const d of ['a', 'b']) {
      const routes = Object.fromEntries(
        Array.from({ length: N }, (_, i) => [
          `/p/${d}${i}`,
          // Two of each dozen are below MAP, so re-checks and cases run through the restart too.
          (_req: unknown, res: import('node:http').ServerResponse) =>
            setTimeout(
              () =>
                res
                  .writeHead(200, { 'content-type': 'text/html' })
                  .end(productPage({ name: `${d}${i}`, price: i % 6 === 0 ? '80.00' : '120.00' })),
              150,
            ),
        ]),
      );
      shops.push(await startServer(routes));
    }
  }, 120_000);

  afterAll(async () => {
    await queues?.closeAll().catch(() => {});
    await conn?.close().catch(() => {});
    await h?.close().catch(() => {});
    for (const s of shops) await s.close();
    await redis?.stop();
    await pg?.stop();
  });

  it('both workers stay up, every job completes, and no read is stored twice', async () => {
    const dir = tmpDir(
      Object.fromEntries(
        ['a', 'b'].map((d, k) => [
          `restart-${d}.yaml`,
          siteYaml({
            host: shops[k]!.host,
            origin: shops[k]!.origin,
            paths: Array.from({ length: N }, (_, i) => [`${d.toUpperCase()}${i}`, `/p/${d}${i}`] as [string, string]),
            delayMs: 400,
            recheckMs: 0,
          }),
        ]),
      ),
    );
    const env = {
      DATABASE_URL: pg.url,
      MAPWATCH_DB_SCHEMA: h.schema,
      REDIS_URL: redis?.url ?? '',
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
      MAPWATCH_DATA_DIR: tmpDir({}),
      MAPWATCH_CRAWLERS_DIR: dir,
      MAPWATCH_JOB_LOCK_MS: '5000',
      MAPWATCH_STALLED_INTERVAL_MS: '2000',
    };
    const workers: WorkerProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) workers.push(await spawnWorkerProcess(env, ['--concurrency', '3']));
      await Promise.all(workers.map((w) => w.ready));
      const synced = await syncSites(h.db, loadSites(dir).sites);
      for (const s of synced)
        await queues.crawl.add(crawlSiteJob.id, crawlSiteData(s.site, 11), {
          ...crawlSiteJob.options,
          jobId: `site-${s.site.name}-11`,
        });
      const ids = synced.flatMap((s) => s.listings.map((l) => l.id));
      expect(ids).toHaveLength(2 * N);
      const firstReads = async () =>
        (
          await h.db
            .selectFrom('observations')
            .select('id')
            .where('listing_id', 'in', ids)
            .where('read_key', 'not like', '%:recheck')
            .execute()
        ).length;
      await waitFor(async () => (await firstReads()) >= 3, 'the first reads', 90_000);
      expect(await firstReads()).toBeLessThan(2 * N - 4); // the restart lands mid-run

      await pg.restart(2000);

      const jobIds = synced.flatMap((s) => s.listings.map((l) => crawlListingJobId(s.id, l.id, 11)));
      const dead = () => workers.filter((w) => w.child.exitCode !== null || w.child.signalCode !== null);
      const allDead = Promise.all(workers.map((w) => w.exited)).then(() => {
        throw new Error(`both workers died: ${workers[0]!.stderr().slice(-1500)}`);
      });
      allDead.catch(() => {});
      const allDone = waitFor(
        async () => {
          const states = await Promise.all(jobIds.map(async (id) => (await queues.crawl.getJob(id))?.getState()));
          return states.every((s) => s === 'completed');
        },
        'every listing job to complete after the restart',
        240_000,
      );
      await Promise.race([allDone, allDead]);
      expect(dead().map((w) => w.stderr().slice(-2000))).toEqual([]);
      const rows = await h.db
        .selectFrom('observations')
        .select(['listing_id', 'read_key', 'status'])
        .where('listing_id', 'in', ids)
        .execute();
      const first = rows.filter((r) => !r.read_key!.endsWith(':recheck'));
      expect(first).toHaveLength(2 * N);
      expect(new Set(rows.map((r) => r.read_key)).size).toBe(rows.length); // no read stored twice
      // Every listing below MAP was confirmed, and opened one case, once.
      const opened = await h.db
        .selectFrom('case_events')
        .innerJoin('cases', 'cases.id', 'case_events.case_id')
        .select(['cases.listing_id', 'case_events.kind'])
        .where('case_events.kind', '=', 'opened')
        .execute();
      expect(opened).toHaveLength(4);
      expect(new Set(opened.map((o) => o.listing_id)).size).toBe(4);
    } finally {
      for (const w of workers) await w.kill('SIGTERM');
    }
  }, 400_000);
});
