/**
 * A crawl reads its listings' open cases a window at a time (issue 15), and a prefetched answer
 * never decides an accusation alone:
 * - a window is one statement for all its listings, in task order; a listing outside the task
 *   list is read on its own; an answer older than maxAgeMs is read again;
 * - a violation asks for the open case live: a prefetched "open at this severity" for a case
 *   closed since must not skip the re-check before accusing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlNow } from '../src/check/crawl-now.js';
import { OpenCasePrefetch } from '../src/check/prefetch-open-cases.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

describe.each(BACKENDS)('prefetched open cases (%s)', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let crawlers: string;
  const policy = { ...loadPolicy({}), resolveAfter: 2 };
  const skus = ['A1', 'A2', 'A3', 'A4', 'A5'];
  let listingIds: number[] = [];
  let price = '100.00';

  const openCase = async (listingId: number, severity = 'medium') =>
    (
      await h.db
        .insertInto('cases')
        .values({
          listing_id: listingId,
          status: 'open',
          severity,
          currency: 'USD',
          map_minor: 10000,
          lowest_minor: 8900,
          last_minor: 8900,
          first_seen_at: new Date(),
          last_seen_at: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, skus, '100.00');
    srv = await startServer(
      Object.fromEntries(
        skus.map((s) => [
          `/p/${s}`,
          (_req: unknown, res: import('node:http').ServerResponse) =>
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(productPage({ name: s, price })),
        ]),
      ),
    );
    crawlers = tmpDir({
      'shop.yaml': siteYaml({ host: srv.host, origin: srv.origin, paths: skus.map((s) => [s, `/p/${s}`]) }),
    });
    // A first crawl syncs the listings (all at MAP: no case).
    const s = await crawlNow(
      { db: h.db, policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 }, recheckDelayMs: 0 },
      loadSites(crawlers).sites,
      { concurrency: 1 },
    );
    expect(s.failures).toEqual([]);
    const rows = await h.db
      .selectFrom('listings as l')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .select(['l.id', 'p.sku'])
      .execute();
    listingIds = skus.map((sku) => rows.find((r) => r.sku === sku)!.id);
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('reads a window of listings in one statement, and a listing outside the tasks on its own', async () => {
    const caseId = await openCase(listingIds[2]!);
    const p = new OpenCasePrefetch(h.db, listingIds, { window: 2, maxAgeMs: 60_000 });
    expect(await p.get(listingIds[0]!)).toBeUndefined();
    expect(await p.get(listingIds[1]!)).toBeUndefined();
    expect(p.stats.statements).toBe(1);
    expect(await p.get(listingIds[2]!)).toMatchObject({ id: caseId, severity: 'medium' });
    expect(await p.get(listingIds[3]!)).toBeUndefined();
    expect(p.stats.statements).toBe(2);
    // Not a task of this crawl: asked on its own.
    const only = new OpenCasePrefetch(h.db, [listingIds[0]!]);
    expect(await only.get(listingIds[2]!)).toMatchObject({ id: caseId });
    expect(only.stats.statements).toBe(1);
    await h.db.deleteFrom('cases').execute();
  });

  it('reads a window again once its answers are older than maxAgeMs', async () => {
    const fresh = new OpenCasePrefetch(h.db, listingIds, { window: 5, maxAgeMs: 60_000 });
    const aging = new OpenCasePrefetch(h.db, listingIds, { window: 5, maxAgeMs: 5 });
    expect(await fresh.get(listingIds[0]!)).toBeUndefined();
    expect(await aging.get(listingIds[0]!)).toBeUndefined();
    const caseId = await openCase(listingIds[0]!);
    await sleep(20);
    expect(await fresh.get(listingIds[0]!)).toBeUndefined(); // within its age: the window's answer
    expect(await aging.get(listingIds[0]!)).toMatchObject({ id: caseId });
    expect(aging.stats.statements).toBe(2);
    await h.db.deleteFrom('cases').execute();
  });

  it('a violation asks live: a stale "open at this severity" does not skip the re-check', async () => {
    // The lookup says every listing has a medium case open; the database has none (closed since).
    const stale = { get: async () => ({ id: -1, severity: 'medium' }) };
    price = '89.00'; // 11 % below MAP: medium
    const s = await crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
        recheckDelayMs: 0,
        openCases: stale,
      },
      loadSites(crawlers).sites,
      { concurrency: 2 },
    );
    expect(s.failures).toEqual([]);
    expect(s.results).toHaveLength(skus.length);
    for (const r of s.results) {
      expect(r.verdict).toMatchObject({ kind: 'violation', severity: 'medium' });
      expect(r.recheck).toMatchObject({ agreed: true }); // re-read before accusing
      expect(r.outcome.action).toBe('opened');
    }
  });
});
