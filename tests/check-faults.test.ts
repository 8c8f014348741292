/**
 * Faults inside one listing check, on real Postgres:
 * - a worker SIGKILLed between the first read and its re-check: the retried job finishes the
 *   re-check and opens the case (it used to see the stored first read and skip: the violation
 *   was lost);
 * - a page that makes the check throw still ends as an observation: a NUL byte in the product
 *   name (Postgres refuses U+0000) is stored, and any other throw in the read becomes an
 *   `error` observation with the reason;
 * - a captcha page that also carries product JSON-LD at $10 is `blocked`, never a violation
 *   (the static read here; the browser read in the test below it, under the heavy lock).
 */
import type http from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import { syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { bullSchemaFor, openQueueConnection, type QueueConnection } from '../src/queue/connection.js';
import { crawlListingJobId, crawlSiteData, crawlSiteJob, readKeyOf } from '../src/queue/crawl-jobs.js';
import { openQueues } from '../src/queue/open-queues.js';
import { openTestDb, POSTGRES_URL } from './support/db.js';
import { seedCatalog, siteYaml, spawnWorkerProcess, waitFor, type WorkerProcess } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const policy = { ...loadPolicy({}), resolveAfter: 2 };

/** A captcha interstitial that also carries a Product with a $10 offer. */
const CAPTCHA_WITH_PRODUCT = `<!doctype html><html><head><title>One more step</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Widget","offers":{"@type":"Offer","price":"10.00","priceCurrency":"USD","availability":"https://schema.org/InStock"}}</script>
<script src="https://www.google.com/recaptcha/api.js"></script></head>
<body><h1>Please verify you are human</h1><form><div class="g-recaptcha" data-sitekey="k"></div></form></body></html>`;

describe('check faults on real Postgres', () => {
  let h: DbHandle;
  let shop: TestServer;

  beforeAll(async () => {
    h = await openTestDb('postgres');
    await seedCatalog(h, ['NUL1', 'NUL2', 'THROW', 'CAP', 'KILL']);
    shop = await startServer({
      '/p/nul1': { body: productPage({ name: 'Wid\u0000get', price: '120.00' }) },
      '/p/nul2': { body: productPage({ name: 'Gad\u0000get', price: '80.00' }) },
      '/p/throw': { body: productPage({ name: 'Throw', price: '80.00' }) },
      '/p/cap': { body: CAPTCHA_WITH_PRODUCT },
    });
  });

  afterAll(async () => {
    await h?.close();
    await shop?.close();
  });

  it('a NUL byte in the product name is stored (as U+FFFD); the violation still opens its case', async () => {
    const dir = tmpDir({
      'nul.yaml': siteYaml({
        host: shop.host,
        origin: shop.origin,
        recheckMs: 0,
        paths: [
          ['NUL1', '/p/nul1'],
          ['NUL2', '/p/nul2'],
        ],
      }),
    });
    const summary = await crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 30_000 },
      },
      loadSites(dir).sites,
    );
    expect(summary.failures).toEqual([]);
    const rows = await h.db
      .selectFrom('observations')
      .innerJoin('listings', 'listings.id', 'observations.listing_id')
      .innerJoin('products', 'products.id', 'listings.product_id')
      .select(['products.sku', 'observations.status', 'observations.product_name'])
      .where('products.sku', 'in', ['NUL1', 'NUL2'])
      // By SKU first: NUL1's compliant read goes through the observation batch, so it may be
      // written after NUL2's transactional violation and re-check, and get the higher id.
      .orderBy('products.sku')
      .orderBy('observations.id')
      .execute();
    expect(rows).toEqual([
      { sku: 'NUL1', status: 'ok', product_name: 'Wid\uFFFDget' },
      { sku: 'NUL2', status: 'ok', product_name: 'Gad\uFFFDget' },
      { sku: 'NUL2', status: 'ok', product_name: 'Gad\uFFFDget' }, // the confirming re-check
    ]);
    const bySku = Object.fromEntries(summary.results.map((r) => [r.sku, r]));
    expect(bySku.NUL2!.outcome.action).toBe('opened');
  });

  it('any other throw while reading the page ends as an `error` observation with the reason', async () => {
    const dir = tmpDir({
      'throw.yaml': siteYaml({ host: shop.host, origin: shop.origin, recheckMs: 0, paths: [['THROW', '/p/throw']] }),
    });
    const summary = await crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 30_000 },
        // A page whose processing throws (what a stack overflow in extraction looks like to the check).
        fetcher: async () => {
          throw new RangeError('Maximum call stack size exceeded');
        },
      },
      loadSites(dir).sites,
    );
    expect(summary.failures).toEqual([]);
    const rows = await h.db
      .selectFrom('observations')
      .innerJoin('listings', 'listings.id', 'observations.listing_id')
      .innerJoin('products', 'products.id', 'listings.product_id')
      .select(['observations.status', 'observations.reason'])
      .where('products.sku', '=', 'THROW')
      .execute();
    expect(rows).toEqual([
      { status: 'error', reason: 'check_failed: reading the page threw RangeError: Maximum call stack size exceeded' },
    ]);
  });

  it('a captcha page carrying product JSON-LD at $10 is blocked, and opens no case (static read)', async () => {
    const dir = tmpDir({
      'cap.yaml': siteYaml({ host: shop.host, origin: shop.origin, recheckMs: 0, paths: [['CAP', '/p/cap']] }),
    });
    const summary = await crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 30_000 },
      },
      loadSites(dir).sites,
    );
    const r = summary.results.find((x) => x.sku === 'CAP')!;
    expect(r.draft.status).toBe('blocked');
    expect(r.draft.reason).toMatch(/bot wall/);
    expect(r.outcome.action).toBe('none');
    const cases = await h.db
      .selectFrom('cases')
      .innerJoin('listings', 'listings.id', 'cases.listing_id')
      .innerJoin('products', 'products.id', 'listings.product_id')
      .select('cases.id')
      .where('products.sku', '=', 'CAP')
      .execute();
    expect(cases).toEqual([]);
  });
});

describe('a worker killed between the first read and the re-check (PostgreSQL queue backend)', () => {
  let h: DbHandle;
  let conn: QueueConnection;
  let queues: ReturnType<typeof openQueues>;
  let shop: TestServer;
  const parked: http.ServerResponse[] = [];
  let reads = 0;
  let hangSecond = true;

  beforeAll(async () => {
    h = await openTestDb('postgres');
    await seedCatalog(h, ['KILL']);
    conn = await openQueueConnection({ db: h });
    queues = openQueues(conn);
    shop = await startServer({
      '/p/kill': (_req, res) => {
        reads++;
        // The first read answers (below MAP); the confirming read hangs until the worker is dead.
        if (reads === 2 && hangSecond) return void parked.push(res);
        res.writeHead(200, { 'content-type': 'text/html' }).end(productPage({ name: 'Kill', price: '80.00' }));
      },
    });
  });

  afterAll(async () => {
    for (const r of parked) r.destroy();
    await queues?.closeAll().catch(() => {});
    await conn?.close().catch(() => {});
    await sql`drop schema if exists ${sql.id(bullSchemaFor(h))} cascade`.execute(h.db).catch(() => {});
    await h?.close();
    await shop?.close();
  });

  it('the retried job completes the re-check and opens the case, once', async () => {
    const dir = tmpDir({
      'kill-shop.yaml': siteYaml({
        host: shop.host,
        origin: shop.origin,
        recheckMs: 0,
        // Two slots: the killed worker's slot is only freed when its lease lapses.
        concurrency: 2,
        paths: [['KILL', '/p/kill']],
      }),
    });
    const env = {
      DATABASE_URL: POSTGRES_URL,
      MAPWATCH_DB_SCHEMA: h.schema,
      REDIS_URL: '',
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
      MAPWATCH_DATA_DIR: tmpDir({}),
      MAPWATCH_CRAWLERS_DIR: dir,
      MAPWATCH_JOB_LOCK_MS: '3000',
      MAPWATCH_STALLED_INTERVAL_MS: '1000',
    };
    const children: WorkerProcess[] = [];
    try {
      const a = await spawnWorkerProcess(env, ['--concurrency', '2']);
      children.push(a);
      await a.ready;
      const [synced] = await syncSites(h.db, loadSites(dir).sites);
      const l = synced!.listings[0]!;
      await queues.crawl.add(crawlSiteJob.id, crawlSiteData(synced!.site, 5), {
        ...crawlSiteJob.options,
        jobId: 'site-kill-5',
      });
      await waitFor(() => parked.length >= 1, 'the worker to be inside the re-check read', 90_000);
      const key = readKeyOf(synced!.id, l.id, 5);
      // The first read is stored; nothing has touched a case yet.
      expect(
        await h.db.selectFrom('observations').select(['read_key', 'status']).where('listing_id', '=', l.id).execute(),
      ).toEqual([{ read_key: key, status: 'ok' }]);
      await a.kill('SIGKILL');
      hangSecond = false;
      for (const r of parked.splice(0)) r.destroy();

      const b = await spawnWorkerProcess(env, ['--concurrency', '2']);
      children.push(b);
      await b.ready;
      const jobId = crawlListingJobId(synced!.id, l.id, 5);
      await waitFor(
        async () => (await (await queues.crawl.getJob(jobId))?.getState()) === 'completed',
        'the recovered job to complete',
        90_000,
      );
      const obs = await h.db
        .selectFrom('observations')
        .select(['read_key', 'status'])
        .where('listing_id', '=', l.id)
        .orderBy('id')
        .execute();
      expect(obs).toEqual([
        { read_key: key, status: 'ok' },
        { read_key: `${key}:recheck`, status: 'ok' },
      ]);
      const rechecks = await h.db.selectFrom('rechecks').select('agreed').where('listing_id', '=', l.id).execute();
      expect(rechecks).toEqual([{ agreed: true }]);
      const events = await h.db
        .selectFrom('case_events')
        .innerJoin('cases', 'cases.id', 'case_events.case_id')
        .select('case_events.kind')
        .where('cases.listing_id', '=', l.id)
        .execute();
      expect(events.filter((e) => e.kind === 'opened')).toHaveLength(1);
    } finally {
      for (const c of children) await c.kill();
    }
  }, 240_000);
});
