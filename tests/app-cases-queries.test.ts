/**
 * The case list's read model: every filter, every sort in both directions, offset and
 * cursor paging agreeing with each other, on both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { InvalidInputError } from '../src/errors.js';
import { CASE_SORTS, caseFilterSchema } from '../src/queries/case-filter.js';
import { sql } from 'kysely';
import { countCases, countCasesForPage, listCases, listCasesAfter, type CaseQuery } from '../src/queries/list-cases.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCase, seedCatalog, XSS } from './support/seed-cases.js';

const SEVERITIES = ['low', 'medium', 'high'];

describe.each(BACKENDS)('case list read model (%s)', (backend) => {
  let h: DbHandle;
  const ids: number[] = [];
  const list = async (f: CaseQuery) =>
    (await listCases(h.db, { ...f, severityOrder: SEVERITIES, now: new Date('2026-12-01T00:00:00Z') })).map(
      (r) => ids.indexOf(r.id) + 1,
    );

  beforeAll(async () => {
    h = await openTestDb(backend);
    const { listings: L } = await seedCatalog(h.db);
    const seed = [
      {
        listing: L[0]!,
        severity: 'high',
        lowestMinor: 7000,
        firstSeen: '2026-10-01',
        lastSeen: '2026-11-30',
        assignee: 'ana@x.test',
      },
      { listing: L[1]!, severity: 'medium', lowestMinor: 9000, firstSeen: '2026-11-20', lastSeen: '2026-11-29' },
      {
        listing: L[2]!,
        status: 'notified' as const,
        severity: 'low',
        lowestMinor: 9800,
        firstSeen: '2026-11-25',
        lastSeen: '2026-11-28',
        pageName: XSS,
      },
      {
        listing: L[3]!,
        severity: 'high',
        lowestMinor: 6000,
        firstSeen: '2026-09-01',
        lastSeen: '2026-11-27',
        seller: 'MegaDeals <b>',
      },
      {
        listing: L[4]!,
        status: 'dismissed' as const,
        lowestMinor: 8500,
        firstSeen: '2026-11-01',
        lastSeen: '2026-11-26',
      },
      {
        listing: L[5]!,
        status: 'resolved' as const,
        severity: 'low',
        lowestMinor: 9500,
        firstSeen: '2026-11-10',
        lastSeen: '2026-11-25',
        seller: 'MegaDeals',
      },
    ];
    for (const s of seed) ids.push(await seedCase(h.db, s));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists most recently seen first, with the facts a reviewer needs', async () => {
    expect(await list({})).toEqual([1, 2, 3, 4, 5, 6]);
    const [first] = await listCases(h.db, { limit: 1 });
    expect(first).toMatchObject({
      reseller: 'Acme Audio',
      resellerTier: 'gold',
      resellerRegion: 'US',
      site: 'acme-web',
      sku: 'HP-100',
      brand: 'Northwind',
      percentBelow: 30,
      observations: 1,
      assignee: 'ana@x.test',
    });
    // The CLI's call still works.
    expect((await listCases(h.db, { status: 'open', limit: 2, offset: 1 })).map((r) => ids.indexOf(r.id) + 1)).toEqual([
      2, 4,
    ]);
  });

  it('filters by status, severity, reseller, tier, region, brand, SKU, site, seller, assignee, age and search', async () => {
    expect(await list({ status: ['open', 'notified'] })).toEqual([1, 2, 3, 4]);
    expect(await list({ severity: ['high'] })).toEqual([1, 4]);
    expect(await list({ reseller: 'bolt sound' })).toEqual([4, 5, 6]);
    expect(await list({ tier: 'GOLD' })).toEqual([1, 2, 3]);
    expect(await list({ region: 'ca' })).toEqual([4, 5, 6]);
    expect(await list({ brand: 'contoso' })).toEqual([3, 6]);
    expect(await list({ sku: 'hp-100' })).toEqual([1, 4]);
    expect(await list({ site: 'bolt-market' })).toEqual([4, 5, 6]);
    expect(await list({ seller: 'megadeals' })).toEqual([4, 6]);
    expect(await list({ assignee: 'none' })).toEqual([2, 3, 4, 5, 6]);
    expect(await list({ assignee: 'ANA@x.test' })).toEqual([1]);
    expect(await list({ older_than_days: 30 })).toEqual([1, 4, 5]);
    expect(await list({ q: 'speaker' })).toEqual([2, 5]);
    expect(await list({ q: 'acme' })).toEqual([1, 2, 3]);
    expect(await list({ q: 'amp-3' })).toEqual([3, 6]);
    // LIKE wildcards in a search are plain characters.
    expect(await list({ q: '%' })).toEqual([]);
    expect(await list({ reseller: 'bolt sound', status: ['open'], seller: 'mega' })).toEqual([4]);
    expect(await countCases(h.db, { reseller: 'Bolt Sound' })).toBe(3);
  });

  it('counts for the page exactly up to a bound, then estimates or says "more than"', async () => {
    expect(await countCasesForPage(h.db, { reseller: 'Bolt Sound' }, 3)).toEqual({ n: 3, kind: 'exact' });
    expect(await countCasesForPage(h.db, { q: 'acme' }, 10)).toEqual({ n: 3, kind: 'exact' });
    // A search past the bound: its estimate would be a guess, so only the bound is said.
    expect(await countCasesForPage(h.db, { q: 'acme' }, 2)).toEqual({ n: 2, kind: 'more_than' });
    expect(await countCasesForPage(h.db, { reseller: 'Bolt Sound', status: ['open', 'dismissed'] }, 1)).toEqual({
      n: 1,
      kind: 'more_than',
    });
    // The whole list past the bound: the planner's estimate, from fresh statistics.
    await sql`analyze cases`.execute(h.db);
    expect(await countCasesForPage(h.db, { status: [], sort: 'severity', severityOrder: SEVERITIES }, 2)).toEqual({
      n: 6,
      kind: 'about',
    });
  });

  it('sorts by last seen, first seen, % below and severity, both ways', async () => {
    expect(await list({ sort: 'percent_below' })).toEqual([4, 1, 5, 2, 6, 3]);
    expect(await list({ sort: 'percent_below', dir: 'asc' })).toEqual([3, 6, 2, 5, 1, 4]);
    expect(await list({ sort: 'first_seen', dir: 'asc' })).toEqual([4, 1, 5, 6, 2, 3]);
    expect(await list({ sort: 'severity' })).toEqual([4, 1, 5, 2, 6, 3]);
    expect(await list({ sort: 'last_seen', dir: 'asc' })).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('pages by cursor through the same order as offsets, for every sort and direction', async () => {
    for (const sort of CASE_SORTS)
      for (const dir of ['asc', 'desc'] as const) {
        const f = { sort, dir, severityOrder: SEVERITIES };
        const all = (await listCases(h.db, f)).map((r) => r.id);
        const walked: number[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await listCasesAfter(h.db, { ...f, cursor, limit: 4 });
          walked.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        expect(walked, `${sort} ${dir}`).toEqual(all);
        expect(pages).toBe(2);
      }
    await expect(listCasesAfter(h.db, { cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('reads filters from a query string, an empty field meaning any', () => {
    const f = caseFilterSchema.parse({ status: 'open,notified', severity: '', q: ' amp ', older_than_days: '3' });
    expect(f).toMatchObject({
      status: ['open', 'notified'],
      q: 'amp',
      older_than_days: 3,
      sort: 'last_seen',
      dir: 'desc',
    });
    expect(f.severity).toBeUndefined();
    expect(caseFilterSchema.safeParse({ status: 'closed' }).success).toBe(false);
    expect(caseFilterSchema.safeParse({ older_than_days: 'x' }).success).toBe(false);
  });
});
