/**
 * Alerts from a real crawl: pages served on 127.0.0.1 are fetched, extracted, compared
 * with the MAP by compareToMap (exact percent and severity band), re-checked, recorded,
 * and the notify hook writes the outbox, all in one pass. No verdict is built by hand.
 *
 * The alert threshold is `alerts.min_severity: medium`, with bands low:0, medium:5,
 * high:15: a price exactly 5 % below MAP is medium and alerts; 4.99 % is low and does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { makeNotifyOnCaseChange } from '../src/notify/on-case-change.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

describe.each(BACKENDS)('alerts from a crawl through compareToMap on %s', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let crawlers: string;
  const policy = { ...loadPolicy({}), resolveAfter: 2 };
  const cfg = notifySchema.parse({
    company: 'Northwind Audio',
    alerts: { min_severity: 'medium' },
    recipients: [{ email: 'pm@northwind.example', name: 'Pat' }],
  });
  const at = new Date();

  const crawl = () =>
    crawlNow(
      {
        db: h.db,
        policy,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
        recheckDelayMs: 0,
        onCaseChange: makeNotifyOnCaseChange(cfg, policy.severityOrder, () => at),
      },
      loadSites(crawlers).sites,
      { concurrency: 2 },
    );
  const alerts = () =>
    h.db
      .selectFrom('outbox as o')
      .innerJoin('cases as c', 'c.id', 'o.case_id')
      .innerJoin('listings as l', 'l.id', 'c.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .where('o.kind', '=', 'alert')
      .select(['p.sku', 'o.recipient', 'o.subject', 'o.body_text', 'c.severity'])
      .orderBy('p.sku')
      .execute();

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['EDGE', 'JUST', 'DEEP', 'OK'], '100.00');
    srv = await startServer({
      '/p/edge': { body: productPage({ name: 'Edge', price: '95.00' }) }, // exactly 5 % below: medium
      '/p/just': { body: productPage({ name: 'Just', price: '95.01' }) }, // 4.99 % below: low
      '/p/deep': { body: productPage({ name: 'Deep', price: '84.99' }) }, // 15.01 % below: high
      '/p/ok': { body: productPage({ name: 'Ok', price: '100.00' }) }, // at MAP
    });
    crawlers = tmpDir({
      'shop.yaml': siteYaml({
        host: srv.host,
        origin: srv.origin,
        paths: [
          ['EDGE', '/p/edge'],
          ['JUST', '/p/just'],
          ['DEEP', '/p/deep'],
          ['OK', '/p/ok'],
        ],
      }),
    });
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('alerts for cases at or above the threshold severity, not below it', async () => {
    const s = await crawl();
    expect(s.failures).toEqual([]);
    const verdicts = Object.fromEntries(s.results.map((r) => [r.sku, r.verdict]));
    expect(verdicts.EDGE).toMatchObject({ kind: 'violation', percentBelow: 5, severity: 'medium' });
    expect(verdicts.JUST).toMatchObject({ kind: 'violation', percentBelow: 4.99, severity: 'low' });
    expect(verdicts.DEEP).toMatchObject({ kind: 'violation', percentBelow: 15.01, severity: 'high' });
    expect(verdicts.OK).toMatchObject({ kind: 'compliant' });
    expect(s.cases.opened).toBe(3);

    const sent = await alerts();
    expect(sent.map((a) => [a.sku, a.severity, a.recipient])).toEqual([
      ['DEEP', 'high', 'pm@northwind.example'],
      ['EDGE', 'medium', 'pm@northwind.example'],
    ]);
    // The alert states the price the comparison saw, and the MAP.
    const edge = sent.find((a) => a.sku === 'EDGE')!;
    expect(edge.body_text).toContain('95.00');
    expect(edge.body_text).toContain('100.00');
  });

  it('a low case that escalates to the threshold alerts then, once', async () => {
    srv.routes.set('/p/just', { body: productPage({ name: 'Just', price: '90.00' }) }); // 10 %: medium
    await crawl();
    await crawl(); // same price again: no second alert
    const sent = await alerts();
    expect(sent.map((a) => [a.sku, a.severity])).toEqual([
      ['DEEP', 'high'],
      ['EDGE', 'medium'],
      ['JUST', 'medium'],
    ]);
  });
});
