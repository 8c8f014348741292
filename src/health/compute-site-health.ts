/**
 * Site health figures, per site, from its recent reads:
 * - extraction success rate: share of reads that got a page (ok / no_price / ambiguous) whose price was read;
 * - blocked rate: share of all reads answered with a block (403, 429, captcha, ...);
 * - re-check disagreement: share of re-checks (two reads before an accusation) that disagreed;
 * - last good read, and whether every listing's latest page read failed (a selector that stopped matching);
 * - the learned price locator (src/learn/) and how many reads in a row it has not agreed with.
 * Rolling = the last `windowReads` reads of the site within `maxAgeDays`.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import type { ObservationStatus } from '../types.js';

export interface SiteHealthStats {
  siteId: number;
  site: string;
  reads: number;
  pageReads: number;
  okReads: number;
  blockedReads: number;
  successRate: number | null;
  blockedRate: number | null;
  recheckTotal: number;
  recheckDisagreed: number;
  recheckDisagreementRate: number | null;
  lastGoodReadAt: Date | null;
  /** Statuses of the latest page reads, newest first (for recovery). */
  latestPageStatuses: ObservationStatus[];
  /** Listings with a page read in the window, and how many of them failed on their latest one. */
  listingsRead: number;
  listingsFailingLatest: number;
  /** The site's learned price locator (per-site learning), when it has one. */
  locator?: LocatorHealth | null;
}

export interface LocatorHealth {
  selector: string;
  verifiedListings: number;
  lastMatchedAt: Date | null;
  /** Reads in a row where it found no price or disagreed with the model. */
  misses: number;
  lastMissReason: string | null;
}

/** Reads in a row without the learned locator agreeing after which it has stopped matching. */
export const LOCATOR_STALE_MISSES = 3;

export function locatorStale(s: Pick<SiteHealthStats, 'locator'>): boolean {
  return !!s.locator && s.locator.misses >= LOCATOR_STALE_MISSES;
}

export interface HealthWindow {
  windowReads: number;
  maxAgeDays: number;
}

export const DEFAULT_WINDOW: HealthWindow = { windowReads: 50, maxAgeDays: 7 };

const PAGE_STATUSES: ObservationStatus[] = ['ok', 'no_price', 'ambiguous'];

export async function computeSiteHealth(
  db: Kysely<Database>,
  opts: { siteIds?: number[]; window?: HealthWindow } = {},
): Promise<SiteHealthStats[]> {
  const w = opts.window ?? DEFAULT_WINDOW;
  let sitesQ = db.selectFrom('sites').select(['id', 'name']).orderBy('name');
  if (opts.siteIds) {
    if (!opts.siteIds.length) return [];
    sitesQ = sitesQ.where('id', 'in', opts.siteIds);
  }
  const sites = await sitesQ.execute();
  if (!sites.length) return [];
  const ids = sites.map((s) => s.id);
  const since = sql<Date>`now() - ${w.maxAgeDays} * interval '1 day'`;

  // Each site's reads newest first through observations_site_recent (the read carries its
  // listing's site, migrations/20261203010000): the last N are one short index scan per site.
  // Walking every listing's reads instead cost one probe per listing, ~600 ms for 50 sites.
  const [recentRows, lastGoodRows] = await Promise.all([
    sql<{ site_id: number; listing_id: number; status: ObservationStatus; rn: number }>`
      select s.id as site_id, x.listing_id, x.status,
        row_number() over (partition by s.id order by x.captured_at desc, x.id desc) as rn
      from sites s
      cross join lateral (
        select o.listing_id, o.status, o.captured_at, o.id from observations o
        where o.site_id = s.id and o.captured_at > ${since}
        order by o.captured_at desc, o.id desc
        limit ${w.windowReads}
      ) x
      where s.id in (${sql.join(ids)})
      order by site_id, rn`.execute(db),
    // The latest ok read of each site: the first 'ok' entry of the same index.
    sql<{ site_id: number; at: Date | null }>`
      select s.id as site_id, x.captured_at as at
      from sites s
      cross join lateral (
        select o.captured_at from observations o
        where o.site_id = s.id and o.status = 'ok'
        order by o.captured_at desc, o.id desc
        limit 1
      ) x
      where s.id in (${sql.join(ids)})`.execute(db),
  ]);
  const recent = recentRows.rows;
  const lastGoodBy = new Map(lastGoodRows.rows.map((r) => [r.site_id, r.at]));

  const rechecks = await recheckCounts(db, ids, w.maxAgeDays);
  const locators = await db
    .selectFrom('price_locators')
    .select(['site_id', 'selector', 'verified_listings', 'last_matched_at', 'misses', 'last_miss_reason'])
    .where('site_id', 'in', ids)
    .execute();
  const locatorBy = new Map(
    locators.map((l) => [
      l.site_id,
      {
        selector: l.selector,
        verifiedListings: l.verified_listings,
        lastMatchedAt: l.last_matched_at,
        misses: l.misses,
        lastMissReason: l.last_miss_reason,
      },
    ]),
  );

  return sites.map((s) => {
    const rows = recent.filter((r) => r.site_id === s.id);
    const page = rows.filter((r) => PAGE_STATUSES.includes(r.status));
    const ok = page.filter((r) => r.status === 'ok').length;
    const blocked = rows.filter((r) => r.status === 'blocked').length;
    const latestByListing = new Map<number, ObservationStatus>();
    for (const r of page) if (!latestByListing.has(r.listing_id)) latestByListing.set(r.listing_id, r.status);
    const rc = rechecks.get(s.id) ?? { total: 0, disagreed: 0 };
    return {
      siteId: s.id,
      site: s.name,
      reads: rows.length,
      pageReads: page.length,
      okReads: ok,
      blockedReads: blocked,
      successRate: page.length ? ok / page.length : null,
      blockedRate: rows.length ? blocked / rows.length : null,
      recheckTotal: rc.total,
      recheckDisagreed: rc.disagreed,
      recheckDisagreementRate: rc.total ? rc.disagreed / rc.total : null,
      lastGoodReadAt: lastGoodBy.get(s.id) ?? null,
      latestPageStatuses: page.map((r) => r.status),
      listingsRead: latestByListing.size,
      listingsFailingLatest: [...latestByListing.values()].filter((st) => st !== 'ok').length,
      locator: locatorBy.get(s.id) ?? null,
    };
  });
}

/** Re-checks come from issue 3's `rechecks` table; a database without it has none. */
async function recheckCounts(
  db: Kysely<Database>,
  ids: number[],
  maxAgeDays: number,
): Promise<Map<number, { total: number; disagreed: number }>> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass('rechecks') is not null as exists`.execute(db);
  if (!rows[0]?.exists) return new Map();
  const counts = await db
    .selectFrom('rechecks')
    .select([
      'site_id',
      (eb) => eb.fn.countAll<number>().as('total'),
      sql<number>`count(*) filter (where not agreed)`.as('disagreed'),
    ])
    .where('site_id', 'in', ids)
    .where('at', '>', sql<Date>`now() - ${maxAgeDays} * interval '1 day'`)
    .groupBy('site_id')
    .execute();
  return new Map(counts.map((c) => [c.site_id, { total: Number(c.total), disagreed: Number(c.disagreed) }]));
}
