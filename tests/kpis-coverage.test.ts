/**
 * Coverage (active listings with a compared read in the 24 hours before `now`) read from
 * listing_last_reads, each listing's last compared read, kept by triggers: the same answers
 * as probing every listing's reads, worked by hand, through reads written by the app's write
 * path and by a multi-row insert, a retried write, late reads (captured before the listing's
 * last read), reads after `now` (a window in the past), a read corrected to blocked and reads
 * deleted; and the kept table equals its rebuild from the reads. On Postgres and on PGlite.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordObservation } from '../src/cases/record-observation.js';
import type { Verdict } from '../src/compare/compare-to-map.js';
import type { DbHandle } from '../src/db/connect.js';
import type { Database } from '../src/db/tables.js';
import { queryCoverage } from '../src/kpis/query-coverage.js';
import { BACKENDS, openTestDb } from './support/db.js';

const policy = {
  resolveAfter: 2,
  severityOrder: ['low', 'medium', 'high'],
  tolerance: { percent: null, absMinor: null },
  severityBands: [{ name: 'low', minPercentBelow: 0 }],
};
const HOUR = 3_600_000;
const NOW = new Date('2026-11-10T12:00:00.000Z');
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * HOUR);

/** Coverage by probing each active listing's reads (what the query did before the table). */
async function probed(db: Kysely<Database>, now: Date) {
  const since = new Date(now.getTime() - 24 * HOUR);
  const r = await sql<{ key: string; listings: string; covered: string }>`
    select rs.name as key, count(*) as listings,
      count(*) filter (where exists (
        select 1 from observations ob
        where ob.listing_id = l.id and ob.captured_at > ${since} and ob.captured_at <= ${now}
          and ob.status = 'ok' and ob.verdict in ('compliant', 'violation'))) as covered
    from listings l join sites s on s.id = l.site_id join resellers rs on rs.id = s.reseller_id
    where l.active group by 1 order by 1`.execute(db);
  return r.rows.map((x) => [x.key, Number(x.covered), Number(x.listings)]);
}

const coverage = async (db: Kysely<Database>, now: Date) =>
  (await queryCoverage(db, { by: 'reseller', now })).map((r) => [r.key, r.covered, r.listings]);

async function keptAndRebuilt(db: Kysely<Database>) {
  const snap = async () =>
    (await sql`select listing_id, last_read_at from listing_last_reads order by 1`.execute(db)).rows;
  const kept = await snap();
  await sql`select listing_last_reads_rebuild(null)`.execute(db);
  return { kept, rebuilt: await snap() };
}

describe.each(BACKENDS)('coverage from each listing’s last compared read (%s)', (backend) => {
  let h: DbHandle;
  const l: Record<string, { id: number; site: number }> = {};

  /** A read through the app's write path; price null: blocked; 'nc': read but not comparable. */
  const read = (name: string, when: Date, price: number | null | 'nc', readKey?: string) =>
    recordObservation(h.db, {
      listingId: l[name]!.id,
      siteId: l[name]!.site,
      policy,
      readKey,
      applyToCase: false,
      verdict:
        price === null
          ? null
          : ({
              kind: price === 'nc' ? 'not_comparable' : price < 10000 ? 'violation' : 'compliant',
              normalizedMinor: price === 'nc' ? null : price,
              mapMinor: 10000,
            } as unknown as Verdict),
      draft: {
        capturedAt: when,
        status: price === null ? 'blocked' : 'ok',
        reason: price === null ? 'bot wall' : null,
        offer: null,
        amountMinor: price === null ? null : price === 'nc' ? 10000 : price,
        currency: price === null ? null : 'USD',
        httpStatus: price === null ? 403 : 200,
        finalUrl: null,
        contentSha256: null,
        retryable: false,
      },
    });

  beforeAll(async () => {
    h = await openTestDb(backend);
    const db = h.db;
    const p = await db
      .insertInto('products')
      .values({ sku: 'TV-1', name: 'TV' })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [reseller, names] of [
      ['Alpha', ['a1', 'a2', 'a3']],
      ['Beta', ['b1', 'b2', 'b3']],
    ] as const) {
      const r = await db.insertInto('resellers').values({ name: reseller }).returning('id').executeTakeFirstOrThrow();
      const s = await db
        .insertInto('sites')
        .values({ name: reseller.toLowerCase(), reseller_id: r.id, domain: `${reseller}.example`, config_hash: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const name of names) {
        const x = await db
          .insertInto('listings')
          .values({ site_id: s.id, product_id: p.id, url: `https://x.example/${name}`, active: name !== 'b3' })
          .returning('id')
          .executeTakeFirstOrThrow();
        l[name] = { id: x.id, site: s.id };
      }
    }
  });
  afterAll(() => h?.close());

  it('counts a listing by its last compared read, to the read, as probing its reads does', async () => {
    const db = h.db;
    // a1: compared 2 h ago. a2: compared 26 h ago, then a blocked and a not-comparable read
    // (neither counts). a3: never read. b1: compared 30 h ago. b2: compared 1 h ago.
    // b3: inactive, compared 1 h ago (not a listing coverage counts).
    await read('a1', at(-2), 10500, 'a1-1');
    await read('a1', at(-2), 10500, 'a1-1'); // a retried write: nothing new
    await read('a2', at(-26), 9000);
    await read('a2', at(-1), null);
    await read('a2', at(-0.5), 'nc');
    await read('b1', at(-30), 10100);
    await read('b2', at(-1), 10100);
    await read('b3', at(-1), 10100);
    const expected = [
      ['Alpha', 1, 3],
      ['Beta', 1, 2],
    ];
    expect(await coverage(db, NOW)).toEqual(expected);
    expect(await probed(db, NOW)).toEqual(expected);
    const last = await sql<{ listing_id: number; last_read_at: Date }>`
      select listing_id, last_read_at from listing_last_reads order by listing_id`.execute(db);
    expect(last.rows.map((r) => [r.listing_id, new Date(r.last_read_at).getTime()])).toEqual([
      [l.a1!.id, at(-2).getTime()],
      [l.a2!.id, at(-26).getTime()],
      [l.b1!.id, at(-30).getTime()],
      [l.b2!.id, at(-1).getTime()],
      [l.b3!.id, at(-1).getTime()],
    ]);

    // Late reads (captured before what the listing's last read already was), in one multi-row
    // insert: b1 read 3 h ago (now covered), a1 read 40 h ago (its last read stays 2 h ago).
    await db
      .insertInto('observations')
      .values(
        [
          ['b1', at(-3)],
          ['a1', at(-40)],
        ].map(([name, when]) => ({
          listing_id: l[name as string]!.id,
          captured_at: when as Date,
          status: 'ok',
          amount_minor: 10200,
          currency: 'USD',
          normalized_minor: 10200,
          map_minor: 10000,
          verdict: 'compliant',
        })),
      )
      .execute();
    expect(await coverage(db, NOW)).toEqual([
      ['Alpha', 1, 3],
      ['Beta', 2, 2],
    ]);
    expect(await probed(db, NOW)).toEqual(await coverage(db, NOW));

    // A window in the past, 49 to 25 h ago: a2's last read (26 h ago) is in it; a1's and b1's
    // last reads are after its end, so their reads are probed: a1's 40 h ago and b1's 30 h ago
    // are in it, b2 has none.
    expect(await coverage(db, at(-25))).toEqual([
      ['Alpha', 2, 3],
      ['Beta', 1, 2],
    ]);
    // Ending 39 h ago: only a1's read 40 h ago (found by the probe, its last read being later).
    expect(await coverage(db, at(-39))).toEqual([
      ['Alpha', 1, 3],
      ['Beta', 0, 2],
    ]);
    for (const now of [NOW, at(-1.5), at(-25), at(-39), at(-60), at(5)])
      expect(await coverage(db, now), now.toISOString()).toEqual(await probed(db, now));
    const { kept, rebuilt } = await keptAndRebuilt(db);
    expect(kept).toEqual(rebuilt);
  });

  it('follows reads corrected or deleted by hand (rebuilt per listing)', async () => {
    const db = h.db;
    // b2's only compared read turns out blocked: b2 has no compared read left.
    await db.updateTable('observations').set({ status: 'blocked' }).where('listing_id', '=', l.b2!.id).execute();
    expect(await coverage(db, NOW)).toEqual([
      ['Alpha', 1, 3],
      ['Beta', 1, 2],
    ]);
    // b1's read 3 h ago deleted: its last is the one 30 h ago again.
    await db.deleteFrom('observations').where('listing_id', '=', l.b1!.id).where('captured_at', '=', at(-3)).execute();
    // An amount corrected in place changes nothing here.
    await db.updateTable('observations').set({ amount_minor: 10600 }).where('listing_id', '=', l.a1!.id).execute();
    expect(await coverage(db, NOW)).toEqual([
      ['Alpha', 1, 3],
      ['Beta', 0, 2],
    ]);
    const last = await sql<{ listing_id: number; last_read_at: Date }>`
      select listing_id, last_read_at from listing_last_reads where listing_id in (${l.b1!.id}, ${l.b2!.id})`.execute(
      db,
    );
    expect(last.rows.map((r) => [r.listing_id, new Date(r.last_read_at).getTime()])).toEqual([
      [l.b1!.id, at(-30).getTime()],
    ]);
    for (const now of [NOW, at(-25), at(-39)]) expect(await coverage(db, now)).toEqual(await probed(db, now));
    const { kept, rebuilt } = await keptAndRebuilt(db);
    expect(kept).toEqual(rebuilt);
    // Every read deleted: no listing is covered.
    await db.deleteFrom('observations').execute();
    expect((await sql`select * from listing_last_reads`.execute(db)).rows).toEqual([]);
    expect(await coverage(db, NOW)).toEqual([
      ['Alpha', 0, 3],
      ['Beta', 0, 2],
    ]);
  });
});
