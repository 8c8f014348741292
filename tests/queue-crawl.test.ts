/**
 * Scheduled crawling through BullMQ on every backend combination: PGlite + BullMQ's
 * PostgreSQL backend, Postgres + PostgreSQL backend, Postgres + Redis. The same jobs,
 * handlers and worker run on all three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { syncSites } from '../src/config/sync-sites.js';
import { crawlListingJob, crawlListingJobId, crawlSiteData, crawlSiteJob, readKeyOf } from '../src/queue/crawl-jobs.js';
import { QUEUE_NAMES } from '../src/queue/job-registry.js';
import { startWorkers } from '../src/queue/worker.js';
import { SiteScheduler } from '../src/schedule/scheduler.js';
import { COMBOS, openQueueEnv, type QueueEnv, seedCatalog, siteYaml, waitFor } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

describe.each(COMBOS)('queued crawling on %s', (combo) => {
  let env: QueueEnv;
  let shop: TestServer;
  let slow: TestServer;

  beforeAll(async () => {
    env = await openQueueEnv(combo);
    await seedCatalog(env.h, ['A', 'B', 'C', 'S1', 'S2', 'S3', 'F1', 'F2', 'F3', 'D']);
    shop = await startServer({
      '/p/a': { body: productPage({ name: 'A', price: '89.00' }) },
      '/p/b': { body: productPage({ name: 'B', price: '120.00' }) },
      '/p/d': { body: productPage({ name: 'D', price: '80.00' }) },
      '/p/f1': { body: productPage({ name: 'F1', price: '120.00' }) },
      '/p/f2': { body: productPage({ name: 'F2', price: '120.00' }) },
      '/p/f3': { body: productPage({ name: 'F3', price: '120.00' }) },
    });
    slow = await startServer({});
    for (const p of ['/p/s1', '/p/s2', '/p/s3'])
      slow.routes.set(p, { status: 429, headers: { 'retry-after': '120' }, body: '<html>slow down</html>' });
  });

  afterAll(async () => {
    await env?.close();
    await shop?.close();
    await slow?.close();
  });

  it('two scheduler replicas enqueue each cron slot once; each slot reads each listing once', async () => {
    const dir = tmpDir({
      'sched-shop.yaml': siteYaml({
        host: shop.host,
        origin: shop.origin,
        paths: [
          ['A', '/p/a'],
          ['B', '/p/b'],
        ],
        schedule: '*/3 * * * * *',
      }),
    });
    const replica2Queue = env.conn.newQueue(QUEUE_NAMES.crawl);
    const s1 = new SiteScheduler({ db: env.h.db, crawlQueue: env.queues.crawl, dir });
    const s2 = new SiteScheduler({ db: env.h.db, crawlQueue: replica2Queue, dir });
    expect(await s1.reload()).toEqual([]);
    expect(await s2.reload()).toEqual([]);
    const workers = startWorkers(env.conn, env.deps, { concurrency: 4, roles: ['crawl'] });
    try {
      const obs = () =>
        env.h.db
          .selectFrom('observations')
          .innerJoin('listings', 'listings.id', 'observations.listing_id')
          .select(['listings.url', 'read_key'])
          .execute();
      await waitFor(async () => (await obs()).length >= 6, 'three slots of two listings', 90_000);
      await env.queues.crawl.removeJobScheduler('site-sched-shop');
      await workers.close();
    } finally {
      await workers.close();
      await replica2Queue.close();
    }
    const rows = await env.h.db
      .selectFrom('observations')
      .innerJoin('listings', 'listings.id', 'observations.listing_id')
      .select(['listings.url', 'read_key'])
      .execute();
    const slotsA = new Set(rows.filter((r) => r.url.endsWith('/p/a')).map((r) => r.read_key));
    // Every read of /p/a is one slot: no slot was fetched twice even though two schedulers ran.
    expect(shop.hits.get('/p/a')).toBe(slotsA.size);
    const siteJobs = (await env.queues.crawl.getJobs(['completed'], 0, -1)).filter((j) => j.name === crawlSiteJob.id);
    const siteSlots = siteJobs.map((j) => (j.returnvalue as { slot: number }).slot);
    expect(new Set(siteSlots).size).toBe(siteSlots.length);
    expect(siteSlots.length).toBeGreaterThanOrEqual(3);
    const opened = await env.h.db.selectFrom('case_events').select('kind').where('kind', '=', 'opened').execute();
    expect(opened).toHaveLength(1); // /p/a is below MAP: one case, opened once
  });

  it('a duplicated or retried listing job writes one observation and one case event', async () => {
    const dir = tmpDir({ 'dup-shop.yaml': siteYaml({ host: shop.host, origin: shop.origin, paths: [['D', '/p/d']] }) });
    const [synced] = await syncSites(env.h.db, loadSites(dir).sites);
    const l = synced!.listings[0]!;
    const data = {
      site: 'dup-shop',
      configHash: synced!.site.hash,
      siteId: synced!.id,
      slot: 1_700_000_000_000,
      listingId: l.id,
    };
    const workers = startWorkers(env.conn, env.deps, { concurrency: 2, roles: ['crawl'] });
    try {
      // Different job ids, same logical read: what a replayed or duplicated enqueue looks like.
      const jobs = await Promise.all(
        ['dup-1', 'dup-2', 'dup-3'].map((id) => env.queues.crawl.add(crawlListingJob.id, data, { jobId: id })),
      );
      await waitFor(
        async () => (await Promise.all(jobs.map((j) => j.getState()))).every((s) => s === 'completed'),
        'all three duplicates',
      );
    } finally {
      await workers.close();
    }
    const obs = await env.h.db
      .selectFrom('observations')
      .select(['id', 'status'])
      .where('read_key', '=', readKeyOf(data.siteId, l.id, data.slot))
      .execute();
    expect(obs).toHaveLength(1);
    expect(obs[0]!.status).toBe('ok');
    const events = await env.h.db
      .selectFrom('case_events')
      .innerJoin('cases', 'cases.id', 'case_events.case_id')
      .select('case_events.kind')
      .where('cases.listing_id', '=', l.id)
      .execute();
    expect(events.map((e) => e.kind)).toEqual(['opened']);
    // Duplicates running at the same moment may each read the page; only one read is kept.
    // One enqueued after the read was stored (a retry after a crash) does not fetch again.
    const hits = shop.hits.get('/p/d');
    const again = startWorkers(env.conn, env.deps, { concurrency: 1, roles: ['crawl'] });
    try {
      const late = await env.queues.crawl.add(crawlListingJob.id, data, { jobId: 'dup-4' });
      await waitFor(async () => (await late.getState()) === 'completed', 'the late duplicate');
      expect((await env.queues.crawl.getJob('dup-4'))!.returnvalue).toMatchObject({ duplicate: true });
    } finally {
      await again.close();
    }
    expect(shop.hits.get('/p/d')).toBe(hits);
  });

  it('a job with an invalid payload fails at once, without retries, and says why', async () => {
    const workers = startWorkers(env.conn, env.deps, { concurrency: 1, roles: ['crawl'] });
    try {
      const job = await env.queues.crawl.add(
        crawlListingJob.id,
        { site: 'x', slot: -1 },
        { ...crawlListingJob.options, jobId: 'bad-payload' },
      );
      await waitFor(async () => (await job.getState()) === 'failed', 'the bad job to fail');
      const failed = (await env.queues.crawl.getJob('bad-payload'))!;
      expect(failed.failedReason).toMatch(/invalid payload: .*field "configHash"/);
      expect(failed.attemptsMade).toBe(1);
    } finally {
      await workers.close();
    }
  });

  it('a domain answering 429 backs off (its jobs wait delayed) while another domain keeps flowing', async () => {
    const dir = tmpDir({
      'busy.yaml': siteYaml({
        host: slow.host,
        origin: slow.origin,
        paths: [
          ['S1', '/p/s1'],
          ['S2', '/p/s2'],
          ['S3', '/p/s3'],
        ],
      }),
      'fine.yaml': siteYaml({
        host: shop.host,
        origin: shop.origin,
        paths: [
          ['F1', '/p/f1'],
          ['F2', '/p/f2'],
          ['F3', '/p/f3'],
        ],
      }),
    });
    const synced = await syncSites(env.h.db, loadSites(dir).sites);
    const workers = startWorkers(env.conn, env.deps, { concurrency: 4, roles: ['crawl'] });
    try {
      for (const s of synced) {
        await env.queues.crawl.add(crawlSiteJob.id, crawlSiteData(s.site, 42), { jobId: `site-${s.site.name}-42` });
      }
      const fineIds = synced.find((s) => s.site.name === 'fine')!.listings.map((l) => l.id);
      await waitFor(
        async () =>
          (await env.h.db.selectFrom('observations').select('id').where('listing_id', 'in', fineIds).execute())
            .length === 3,
        'the fine domain',
      );
      await waitFor(
        async () => ((await env.queues.crawl.getJobCounts('delayed')).delayed ?? 0) >= 2,
        'the busy domain jobs to be delayed',
      );
      const hits = () => ['/p/s1', '/p/s2', '/p/s3'].reduce((n, p) => n + (slow.hits.get(p) ?? 0), 0);
      expect(hits()).toBe(1); // the first read got 429; nobody asked again
      // Still delayed a while later: the Retry-After backoff holds, and nothing spins on it.
      await new Promise((r) => setTimeout(r, 1500));
      expect(hits()).toBe(1);
      const busyIds = synced.find((s) => s.site.name === 'busy')!.listings.map((l) => l.id);
      const busyObs = await env.h.db
        .selectFrom('observations')
        .select('status')
        .where('listing_id', 'in', busyIds)
        .execute();
      expect(busyObs.map((o) => o.status)).toEqual(['blocked']);
    } finally {
      await workers.close();
    }
  });

  it('a slot spreads its listing jobs over the site’s delay_ms, so each is tried about once', async () => {
    for (const [path, name] of [
      ['/q/a', 'A'],
      ['/q/b', 'B'],
      ['/q/c', 'C'],
    ] as const)
      shop.routes.set(path, { body: productPage({ name, price: '150.00' }) });
    const dir = tmpDir({
      'spread.yaml': siteYaml({
        host: shop.host,
        origin: shop.origin,
        paths: [
          ['A', '/q/a'],
          ['B', '/q/b'],
          ['C', '/q/c'],
        ],
        delayMs: 400,
      }),
    });
    const [synced] = await syncSites(env.h.db, loadSites(dir).sites);
    const ids = synced!.listings.map((l) => l.id);
    const workers = startWorkers(env.conn, env.deps, { concurrency: 4, roles: ['crawl'] });
    try {
      await env.queues.crawl.add(crawlSiteJob.id, crawlSiteData(synced!.site, 77), { jobId: 'site-spread-77' });
      await waitFor(
        async () =>
          (await env.h.db.selectFrom('observations').select('id').where('listing_id', 'in', ids).execute()).length ===
          3,
        'the three listings of the slot',
      );
    } finally {
      await workers.close();
    }
    const jobs = await Promise.all(ids.map((id) => env.queues.crawl.getJob(crawlListingJobId(synced!.id, id, 77))));
    // One start per 400 ms is all the domain allows: the jobs were enqueued that far apart.
    expect(jobs.map((j) => j!.opts.delay ?? 0).sort((a, b) => a - b)).toEqual([0, 400, 800]);
    // Enqueued at once, the third would have found the domain busy twice first.
    for (const j of jobs) expect(j!.attemptsStarted ?? 1, `job ${j!.id}`).toBeLessThanOrEqual(2);
  });
});
