/**
 * A sweep's `concurrency` is its reads in flight (src/check/read-slots.ts): checks that wait on
 * their row's write or their re-check's delay hold no read, so the sweep keeps reading meanwhile,
 * and never has more requests in flight than asked. Real pages on 127.0.0.1, both backends.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlNow, type CrawlResult } from '../src/check/crawl-now.js';
import { ReadSlots } from '../src/check/read-slots.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

describe('ReadSlots', () => {
  it('runs at most `size` reads at once, in arrival order, and frees the slot of a read that throws', async () => {
    const slots = new ReadSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const read = (i: number) => async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 1) throw new Error('page failed');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => slots.take().run(read(i))));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results[1]).toMatchObject({ status: 'rejected' });
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([0, 2, 3, 4, 5]);
    // every slot came back: a seventh read starts at once
    let ran = false;
    await slots.take().run(async () => void (ran = true));
    expect(ran).toBe(true);
  });

  it('starts reads in the order their places were taken, and a place released unused passes on', async () => {
    const slots = new ReadSlots(1);
    const order: string[] = [];
    const read = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 2));
    };
    const a = slots.take(); // granted at once, not yet used
    const b = slots.take();
    const c = slots.take();
    const d = slots.take();
    const runs = [d.run(read('d')), b.run(read('b'))]; // asked for before a and c
    c.release(); // never read (its check failed before the read): its place goes
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]); // a holds the only slot until it runs or lets go
    a.release();
    await Promise.all(runs);
    expect(order).toEqual(['b', 'd']);
    await expect(b.run(read('again'))).rejects.toThrow(/once/);
    b.release(); // a no-op once run
    await slots.take().run(read('e'));
    expect(order).toEqual(['b', 'd', 'e']);
  });
});

describe.each(BACKENDS)('a sweep on %s', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let crawlers: string;
  let inFlight = 0;
  let mostInFlight = 0;
  const SKUS = ['LOW', 'A', 'B', 'C', 'D', 'E'];

  /** A product page answered after 20 ms, counting the requests in flight. */
  const slowPage =
    (body: string) =>
    (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      }, 20);
    };

  beforeAll(async () => {
    h = await openTestDb(backend);
    const routes: Record<string, ReturnType<typeof slowPage>> = {};
    for (const sku of SKUS)
      routes[`/p/${sku}`] = slowPage(
        productPage({ name: `Product ${sku}`, price: sku === 'LOW' ? '80.00' : '120.00' }),
      );
    srv = await startServer(routes);
    await seedCatalog(h, SKUS);
    // The domain allows more than the sweep asks for: only the sweep's own limit holds reads back.
    crawlers = tmpDir({
      'slot-shop.yaml': siteYaml({
        host: srv.host,
        origin: srv.origin,
        paths: SKUS.map((sku) => [sku, `/p/${sku}`]),
        concurrency: 8,
        recheckMs: 400,
      }),
    });
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('keeps reading while a violation waits for its re-check, with no more requests in flight than its concurrency', async () => {
    const order: CrawlResult[] = [];
    const summary = await crawlNow(
      { db: h.db, policy: loadPolicy({}), fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 } },
      loadSites(crawlers).sites,
      { concurrency: 1, onResult: (r) => order.push(r) },
    );
    expect(summary.failures).toEqual([]);
    expect(summary.checked).toBe(SKUS.length);
    expect(mostInFlight).toBe(1);
    // LOW is the first listing and the only violation: it re-reads after 400 ms, and meanwhile
    // the other listings were read (one worker per read would have finished LOW first).
    const low = order.findIndex((r) => r.sku === 'LOW');
    expect(low).toBeGreaterThan(0);
    expect(order[low]).toMatchObject({ verdict: { kind: 'violation' }, recheck: { agreed: true } });
    expect(order.filter((r) => r.sku !== 'LOW').every((r) => r.verdict?.kind === 'compliant')).toBe(true);
    expect(summary.cases.opened).toBe(1);
    // every read recorded once, the re-check's too
    const rows = await h.db.selectFrom('observations').select('id').execute();
    expect(rows).toHaveLength(SKUS.length + 1);
  });
});
