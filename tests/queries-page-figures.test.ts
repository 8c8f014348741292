/**
 * The figures the Sites and Resellers lists compute set-based, per page, equal their plain
 * definitions (issue 12's rewrite for 1,000,000 reads):
 * - each read's site (observations.site_id, set by trigger, migrations/20261203010000) is its
 *   listing's site through inserts, a read moved to another listing, a listing moved to another
 *   site and deletes; and site health, last read and last good read from it equal the same
 *   figures from the reads joined to their listings;
 * - a reseller's notice level in the Resellers list (SQL) equals resellerViolationLevel (the
 *   ladder's own reading, src/cases/violation-episode.ts) for resellers with episodes that
 *   reset, open cases, dismissed cases, and steps before and after their episode's start;
 *   its open and closed cases equal the cases joined through listings, and each case's site
 *   (cases.site_id, migrations/20261204020100) stays its listing's when the listing moves.
 * On Postgres and on PGlite.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resellerViolationLevel } from '../src/cases/violation-level.js';
import type { DbHandle } from '../src/db/connect.js';
import type { CaseStatus, Database, NoticeStatus } from '../src/db/tables.js';
import { computeSiteHealth, DEFAULT_WINDOW } from '../src/health/compute-site-health.js';
import { listResellers } from '../src/queries/list-resellers.js';
import { listSites } from '../src/queries/list-sites.js';
import { BACKENDS, openTestDb } from './support/db.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-01T06:30:00.000Z');
const at = (days: number) => new Date(NOW.getTime() - days * DAY);

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** Reads whose site is not their listing's (should be none). */
async function misplacedReads(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from observations o join listings l on l.id = o.listing_id
    where o.site_id is distinct from l.site_id`.execute(db);
  return rows[0]!.n;
}

/** Site health's reads, last read and last good read from the reads joined to their listings. */
async function rawSiteFigures(db: Kysely<Database>, siteIds: number[]) {
  const out = [];
  for (const id of siteIds) {
    const { rows } = await sql<{ listing_id: number; status: string }>`
      select o.listing_id, o.status from observations o join listings l on l.id = o.listing_id
      where l.site_id = ${id} and o.captured_at > now() - ${DEFAULT_WINDOW.maxAgeDays} * interval '1 day'
      order by o.captured_at desc, o.id desc limit ${DEFAULT_WINDOW.windowReads}`.execute(db);
    const last = await sql<{ last: Date | null; good: Date | null }>`
      select max(o.captured_at) as last, max(o.captured_at) filter (where o.status = 'ok') as good
      from observations o join listings l on l.id = o.listing_id where l.site_id = ${id}`.execute(db);
    const page = rows.filter((r) => ['ok', 'no_price', 'ambiguous'].includes(r.status));
    out.push({
      siteId: id,
      reads: rows.length,
      blockedReads: rows.filter((r) => r.status === 'blocked').length,
      latestPageStatuses: page.map((r) => r.status),
      lastGoodReadAt: last.rows[0]!.good ? new Date(last.rows[0]!.good).getTime() : null,
      lastReadAt: last.rows[0]!.last ? new Date(last.rows[0]!.last).getTime() : null,
    });
  }
  return out;
}

async function pageSiteFigures(db: Kysely<Database>, siteIds: number[]) {
  const [health, { items }] = await Promise.all([computeSiteHealth(db, { siteIds }), listSites(db, { limit: 100 })]);
  return siteIds.map((id) => {
    const h = health.find((x) => x.siteId === id)!;
    return {
      siteId: id,
      reads: h.reads,
      blockedReads: h.blockedReads,
      latestPageStatuses: h.latestPageStatuses,
      lastGoodReadAt: h.lastGoodReadAt ? new Date(h.lastGoodReadAt).getTime() : null,
      lastReadAt: items.find((s) => s.id === id)?.lastReadAt?.getTime() ?? null,
    };
  });
}

describe.each(BACKENDS)('page figures equal their definitions (%s)', (backend) => {
  let h: DbHandle;
  let productId = 0;
  const resellerIds: number[] = [];
  const siteIds: number[] = [];
  const listingIds: number[][] = [];

  beforeAll(async () => {
    h = await openTestDb(backend);
    const db = h.db;
    productId = (
      await db
        .insertInto('products')
        .values({ sku: 'SKU-1', name: 'Speaker' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    for (let r = 0; r < 6; r++) {
      const resellerId = (
        await db
          .insertInto('resellers')
          .values({ name: `Reseller ${r}` })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      resellerIds.push(resellerId);
      const siteId = (
        await db
          .insertInto('sites')
          .values({ name: `site-${r}`, reseller_id: resellerId, domain: `s${r}.example`, config_hash: 'x' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      siteIds.push(siteId);
      const ls = await db
        .insertInto('listings')
        .values(
          Array.from({ length: 12 }, (_, i) => ({
            site_id: siteId,
            product_id: productId,
            url: `https://s${r}.example/p/${i}`,
          })),
        )
        .returning('id')
        .execute();
      listingIds.push(ls.map((l) => l.id));
    }
  });
  afterAll(() => h?.close());

  it("keeps each read's site its listing's, and the site figures equal the reads joined to listings", async () => {
    const db = h.db;
    const next = rng(7);
    const statuses = ['ok', 'ok', 'ok', 'blocked', 'no_price', 'error'] as const;
    // Reads over the last 10 days (some outside the health window), 5 sites; the sixth has none.
    const rows = [];
    for (let s = 0; s < 5; s++)
      for (let k = 0; k < (s === 4 ? 8 : 70); k++) {
        // Site 3 is mostly blocked: its last good read is far down its reads.
        const status = s === 3 && k > 3 ? ('blocked' as const) : statuses[Math.floor(next() * statuses.length)]!;
        rows.push({
          listing_id: listingIds[s]![Math.floor(next() * 12)]!,
          captured_at: new Date(Date.now() - Math.floor(next() * 10 * DAY)),
          status,
          amount_minor: status === 'ok' ? 1000 : null,
          currency: status === 'ok' ? 'USD' : null,
        });
      }
    await db.insertInto('observations').values(rows).execute();
    const check = async () => {
      expect(await misplacedReads(db)).toBe(0);
      expect(await pageSiteFigures(db, siteIds)).toEqual(await rawSiteFigures(db, siteIds));
    };
    await check();

    // Fixed by hand: reads moved to another site's listing, a listing moved, reads deleted.
    await sql`update observations set listing_id = ${listingIds[1]![0]!} where listing_id = ${listingIds[0]![3]!}`.execute(
      db,
    );
    await check();
    await db.updateTable('listings').set({ site_id: siteIds[5]! }).where('id', '=', listingIds[2]![5]!).execute();
    await check();
    // Several listings moved in one statement, to different sites (one statement-level trigger
    // moves their reads, migrations/20261208000000).
    await sql`update listings set site_id = case id when ${listingIds[3]![1]!} then ${siteIds[0]!}::int else ${siteIds[4]!}::int end
      where id in (${listingIds[3]![1]!}, ${listingIds[1]![2]!})`.execute(db);
    await check();
    await sql`delete from observations where id in (select id from observations order by captured_at desc limit 40)`.execute(
      db,
    );
    await check();
    // A stated site is overwritten by the listing's (the column is derived, never the writer's).
    await sql`insert into observations (listing_id, captured_at, status, amount_minor, currency, site_id)
      values (${listingIds[4]![0]!}, now(), 'ok', 1000, 'USD', ${siteIds[0]!})`.execute(db);
    await sql`update observations set site_id = ${siteIds[0]!} where listing_id = ${listingIds[4]![1]!}`.execute(db);
    await check();
  });

  it('gives each reseller the notice level the ladder itself reads', async () => {
    const db = h.db;
    const next = rng(11);
    const reset = 30;
    // Per reseller a different history: none, one open case, an episode that ended long ago,
    // several episodes with gaps around the reset, dismissed cases in the gaps.
    for (let r = 1; r < resellerIds.length; r++) {
      const listings = listingIds[r]!;
      for (let i = 0; i < listings.length; i++) {
        if (next() < 0.2) continue;
        const first = r === 2 ? 200 + next() * 50 : next() * (r * 40);
        const statusPick = next();
        const status: CaseStatus =
          statusPick < 0.25 ? 'open' : statusPick < 0.35 ? 'notified' : statusPick < 0.75 ? 'resolved' : 'dismissed';
        const live = status === 'open' || status === 'notified';
        const closed = live ? null : at(Math.max(0, first - 1 - next() * 20));
        const c = await db
          .insertInto('cases')
          .values({
            listing_id: listings[i]!,
            status,
            severity: 'low',
            currency: 'USD',
            map_minor: 10000,
            lowest_minor: 9000,
            last_minor: 9000,
            first_seen_at: at(first),
            last_seen_at: at(Math.max(0, first - 1)),
            closed_at: closed,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const steps = Math.floor(next() * 4);
        for (let k = 1; k <= steps; k++) {
          const noticeStatus = (['sent', 'approved', 'cancelled', 'proposed', 'sent'] as NoticeStatus[])[
            Math.floor(next() * 5)
          ]!;
          if ((noticeStatus === 'approved' || noticeStatus === 'proposed') && k < steps) continue;
          await db
            .insertInto('notices')
            .values({
              case_id: c.id,
              reseller_id: resellerIds[r]!,
              step: next() < 0.1 ? null : k,
              status: noticeStatus,
              proposed_at: at(first),
              approved_at: noticeStatus === 'proposed' ? null : at(first - k * 3 + (k === 1 ? 2 : 0)),
            })
            .execute();
        }
      }
    }
    const { items } = await listResellers(db, { limit: 100, now: NOW, resetAfterDaysClean: reset });
    const levels = items.map((r) => [r.id, r.noticeLevel]);
    const expected = [];
    for (const id of resellerIds) expected.push([id, (await resellerViolationLevel(db, id, NOW, reset)).level]);
    expect(levels).toEqual(expected);
    // The data reaches every case the ladder knows: clean, a level, and a reset episode.
    expect(new Set(levels.map(([, l]) => l)).size).toBeGreaterThan(1);

    // Each case's site (cases.site_id, migrations/20261204020100) is its listing's, also after a
    // listing with cases moves to another reseller's site; the figures follow it.
    const figures = async () => {
      const misplaced = await sql<{ n: number }>`select count(*)::int as n from cases c
        join listings l on l.id = c.listing_id where c.site_id is distinct from l.site_id`.execute(db);
      expect(misplaced.rows[0]!.n).toBe(0);
      const raw = await sql<{ id: number; open: number; closed: number }>`
        select r.id, (count(c.id) filter (where c.status in ('open', 'notified')))::int as open,
          (count(c.id) filter (where c.status in ('resolved', 'dismissed')))::int as closed
        from resellers r left join sites s on s.reseller_id = r.id left join listings l on l.site_id = s.id
          left join cases c on c.listing_id = l.id
        group by r.id order by r.id`.execute(db);
      const page = (await listResellers(db, { limit: 100, now: NOW, resetAfterDaysClean: reset })).items;
      expect(page.map((r) => [r.id, r.openCases, r.closedCases]).sort((a, b) => a[0]! - b[0]!)).toEqual(
        raw.rows.map((r) => [r.id, r.open, r.closed]),
      );
      const want = [];
      for (const id of resellerIds) want.push([id, (await resellerViolationLevel(db, id, NOW, reset)).level]);
      expect(page.map((r) => [r.id, r.noticeLevel])).toEqual(want);
    };
    await figures();
    const busiest = (
      await sql<{ listing_id: number; site_id: number }>`select c.listing_id, l.site_id from cases c
        join listings l on l.id = c.listing_id group by c.listing_id, l.site_id order by count(*) desc, c.listing_id limit 1`.execute(
        db,
      )
    ).rows[0]!;
    const target = siteIds.find((id) => id !== busiest.site_id)!;
    await db.updateTable('listings').set({ site_id: target }).where('id', '=', busiest.listing_id).execute();
    await figures();
  });
});
