/**
 * A dismissal is a person's judgment ("not a violation") about a listing at a price under a
 * MAP. The next crawl at that price must not open the case again; a lower price or a new MAP
 * is a new situation and opens one. The note shows in `mapwatch cases` (text and --json).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dismissCase } from '../src/cases/dismiss-case.js';
import { reopenCase } from '../src/cases/reopen-case.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../src/errors.js';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { formatCases } from '../src/cli/print.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { listCases } from '../src/queries/list-cases.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { openTestDb } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const MARIA = { who: 'maria', role: 'pricing_manager' as const };

describe('dismissed cases', () => {
  let h: DbHandle;
  let srv: TestServer;
  let crawlers: string;
  let catalog: string;
  const policy = { ...loadPolicy({}), resolveAfter: 2 };
  const setPrice = (price: string) =>
    srv.routes.set('/p/alpha', { body: productPage({ name: 'Alpha Headphones', price }) });
  const crawl = () =>
    crawlNow(
      { db: h.db, policy, fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 } },
      loadSites(crawlers).sites,
      { concurrency: 1 },
    );
  const cases = () => h.db.selectFrom('cases').select(['id', 'status']).orderBy('id').execute();

  beforeAll(async () => {
    h = await openTestDb('postgres');
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
    });
    setPrice('89.00');
    catalog = tmpDir({
      'products.csv': 'sku,name\nALPHA,Alpha Headphones\n',
      'resellers.csv': 'name\nTest Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nALPHA,USD,100.00,2020-01-01\n',
      'map-2.csv': 'sku,currency,map,effective_from\nALPHA,USD,95.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    crawlers = tmpDir({
      'test-shop.yaml': `reseller: Test Shop
domain: "${srv.host}"
currency: USD
rate_limit: { concurrency: 1, delay_ms: 0 }
recheck: { delay_ms: 10 }
listings:
  - { sku: ALPHA, url: "${srv.origin}/p/alpha" }
`,
    });
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('holds while price and MAP stay the same, and shows its note', async () => {
    expect((await crawl()).cases.opened).toBe(1);
    const [first] = await cases();
    await dismissCase(h.db, first!.id, 'authorized clearance sale', { actor: MARIA });

    const again = await crawl();
    expect(again.cases).toMatchObject({ opened: 0, dismissed: 1 });
    expect(again.results[0]!.outcome).toMatchObject({ action: 'dismissed', dismissedCaseId: first!.id });
    expect(await cases()).toEqual([{ id: first!.id, status: 'dismissed' }]);

    // A higher price that is still below MAP is no worse than what was judged.
    setPrice('92.00');
    expect((await crawl()).cases).toMatchObject({ opened: 0, dismissed: 1 });

    const rows = await listCases(h.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'dismissed', note: 'authorized clearance sale' });
    expect(JSON.parse(JSON.stringify(rows))[0].note).toBe('authorized clearance sale');
    expect(formatCases(rows)).toMatch(/authorized clearance sale/);
  });

  it('opens a new case at a lower price', async () => {
    setPrice('80.00');
    const r = await crawl();
    expect(r.cases).toMatchObject({ opened: 1, dismissed: 0 });
    const all = await cases();
    expect(all.map((c) => c.status)).toEqual(['dismissed', 'open']);
    await dismissCase(h.db, all[1]!.id, 'still the clearance sale', { actor: MARIA });
    expect((await crawl()).cases).toMatchObject({ opened: 0, dismissed: 1 });
  });

  it('opens a new case under a new MAP', async () => {
    await importMapPrices(h.db, path.join(catalog, 'map-2.csv'));
    const r = await crawl();
    expect(r.cases).toMatchObject({ opened: 1, dismissed: 0 });
    expect((await cases()).map((c) => c.status)).toEqual(['dismissed', 'dismissed', 'open']);
  });

  it('reopens a dismissed case only when no other case is open, and records who did it', async () => {
    const [first, second, third] = await cases();
    expect(third!.status).toBe('open');
    const reopen = (id: number, note = 'dismissed by mistake') =>
      reopenCase(h.db, { caseId: id, note, actor: { who: 'lena', role: 'compliance' } });
    // One open case per listing: the open third case stands in the way, and is named.
    await expect(reopen(first!.id)).rejects.toThrow(new RegExp(`case #${third!.id} is already open`));
    await expect(reopen(first!.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(reopen(third!.id)).rejects.toBeInstanceOf(ConflictError); // open, nothing to reopen
    await expect(reopen(99_999)).rejects.toBeInstanceOf(NotFoundError);
    await expect(reopen(second!.id, ' ')).rejects.toBeInstanceOf(InvalidInputError);

    await dismissCase(h.db, third!.id, 'agreed exception for the new MAP', { actor: MARIA });
    await reopen(second!.id);
    expect((await cases()).map((c) => c.status)).toEqual(['dismissed', 'open', 'dismissed']);
    const ev = await h.db
      .selectFrom('case_events')
      .select(['kind', 'detail'])
      .where('case_id', '=', second!.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(ev.kind).toBe('reopened');
    expect(typeof ev.detail === 'string' ? JSON.parse(ev.detail) : ev.detail).toMatchObject({
      by: 'lena',
      role: 'compliance',
      was: 'dismissed',
      previous_note: 'still the clearance sale',
      note: 'dismissed by mistake',
    });
    const listed = (await listCases(h.db)).find((c) => c.id === second!.id);
    expect(listed).toMatchObject({ status: 'open' });
  });
});
