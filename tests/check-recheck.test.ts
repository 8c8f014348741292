/**
 * The re-check before accusing, through the real crawl path (fetch of a page served on
 * 127.0.0.1 → extract → compareToMap → recordObservation), where the two reads differ in
 * ways the other tests never try:
 * - both reads below MAP but at different prices (80, then 79): they do not agree, so no
 *   case opens, even though each read alone would open one;
 * - an open case read again at the same severity is an update, not an escalation: no
 *   re-check; a read at a higher severity is re-checked before the case escalates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { listCases } from '../src/queries/list-cases.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

describe.each(BACKENDS)('the re-check on %s', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let crawlers: string;
  const policy = { ...loadPolicy({}), resolveAfter: 2 }; // bands low:0, medium:5, high:15
  /** Each path serves these prices in turn, one per request, then the last one forever. */
  const prices = new Map<string, string[]>();
  const serve = (path: string, ...seq: string[]) => prices.set(path, seq);

  const crawl = () =>
    crawlNow(
      { db: h.db, policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 }, recheckDelayMs: 0 },
      loadSites(crawlers).sites,
      { concurrency: 1 },
    );
  const result = (s: Awaited<ReturnType<typeof crawl>>, sku: string) => s.results.find((r) => r.sku === sku)!;
  const rechecks = async (sku: string) =>
    h.db
      .selectFrom('rechecks as r')
      .innerJoin('listings as l', 'l.id', 'r.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .where('p.sku', '=', sku)
      .select(['r.agreed', 'r.detail'])
      .orderBy('r.id')
      .execute();

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['DRIFT', 'SAME'], '100.00');
    const route = (path: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
      const seq = prices.get(path)!;
      const price = seq.length > 1 ? seq.shift()! : seq[0]!;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(productPage({ name: path, price }));
    };
    srv = await startServer({ '/p/drift': route('/p/drift'), '/p/same': route('/p/same') });
    crawlers = tmpDir({
      'shop.yaml': siteYaml({
        host: srv.host,
        origin: srv.origin,
        paths: [
          ['DRIFT', '/p/drift'],
          ['SAME', '/p/same'],
        ],
      }),
    });
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('two below-MAP reads at different prices (80, then 79) do not agree: no case opens', async () => {
    serve('/p/drift', '80.00', '79.00');
    serve('/p/same', '100.00');
    const s = await crawl();
    expect(s.failures).toEqual([]);
    const drift = result(s, 'DRIFT');
    // Each read alone is a violation…
    expect(drift.verdict).toMatchObject({ kind: 'violation', normalizedMinor: 7900 });
    // …but they disagree, so nothing is accused.
    expect(drift.recheck).toMatchObject({ agreed: false });
    expect(drift.outcome.action).not.toBe('opened');
    expect(s.cases.opened).toBe(0);
    expect((await listCases(h.db)).filter((c) => c.sku === 'DRIFT')).toEqual([]);
    const [rc] = await rechecks('DRIFT');
    expect(rc!.agreed).toBe(false);
    const detail = (typeof rc!.detail === 'string' ? JSON.parse(rc!.detail) : rc!.detail) as {
      first: { amount_minor: number };
      second: { amount_minor: number };
    };
    expect([detail.first.amount_minor, detail.second.amount_minor]).toEqual([8000, 7900]);
    // Both reads are kept as observations.
    const obs = await h.db
      .selectFrom('observations as o')
      .innerJoin('listings as l', 'l.id', 'o.listing_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .where('p.sku', '=', 'DRIFT')
      .select('o.amount_minor')
      .orderBy('o.id')
      .execute();
    expect(obs.map((o) => o.amount_minor)).toEqual([8000, 7900]);
  });

  it('the same below-MAP price read twice does open the case (the guard is agreement, not refusal)', async () => {
    serve('/p/drift', '79.00');
    const s = await crawl();
    expect(result(s, 'DRIFT').recheck).toMatchObject({ agreed: true });
    expect(result(s, 'DRIFT').outcome.action).toBe('opened');
  });

  it('a re-read at the same severity updates the case without a re-check; a higher severity is re-checked', async () => {
    serve('/p/same', '89.00'); // 11 % below: medium
    let s = await crawl();
    expect(result(s, 'SAME').recheck).toMatchObject({ agreed: true });
    expect(result(s, 'SAME').outcome.action).toBe('opened');
    expect(await rechecks('SAME')).toHaveLength(1);

    serve('/p/same', '88.00', '87.00'); // 12 % below: still medium. A re-check would read 87 and disagree.
    s = await crawl();
    const same = result(s, 'SAME');
    expect(same.recheck).toBeUndefined();
    expect(same.outcome.action).toBe('updated');
    expect(same.draft.amountMinor).toBe(8800);
    expect(await rechecks('SAME')).toHaveLength(1);
    let [c] = (await listCases(h.db, { status: 'open' })).filter((x) => x.sku === 'SAME');
    expect(c).toMatchObject({ severity: 'medium', lastMinor: 8800 });

    serve('/p/same', '80.00'); // 20 % below: high, an escalation
    s = await crawl();
    expect(result(s, 'SAME').recheck).toMatchObject({ agreed: true });
    expect(await rechecks('SAME')).toHaveLength(2);
    [c] = (await listCases(h.db, { status: 'open' })).filter((x) => x.sku === 'SAME');
    expect(c).toMatchObject({ severity: 'high', lastMinor: 8000 });

    serve('/p/same', '70.00', '69.00'); // still high, different second price: no re-check, so updated
    s = await crawl();
    expect(result(s, 'SAME').recheck).toBeUndefined();
    expect(result(s, 'SAME').draft.amountMinor).toBe(7000);
  });
});
