/**
 * Resellers with what a compliance lead asks first: how many cases are open and closed,
 * how far up the notice ladder the reseller is (the same level the ladder itself uses,
 * src/cases/violation-level.ts), and a compliance summary: of the last 30 days' trustworthy
 * reads (a price was read and compared with MAP), the share at or above MAP. For the review
 * app's Resellers page, `/api/v1/resellers` and its CSV; filtering and paging in SQL.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';

export const COMPLIANCE_WINDOW_DAYS = 30;

export interface ResellerRow {
  id: number;
  /** From the catalog import, not from a crawled page; still escaped wherever shown. */
  name: string;
  tier: string | null;
  region: string | null;
  authorized: boolean;
  sites: number;
  openCases: number;
  closedCases: number;
  /** Highest notice step approved or sent in the current episode (0: clean). */
  noticeLevel: number;
  /** Reads in the window that were compared with MAP, and how many were at or above it. */
  comparedReads: number;
  compliantReads: number;
  /** compliantReads / comparedReads; null without compared reads. */
  complianceRate: number | null;
  lastViolationAt: Date | null;
}

export interface ResellerFilter {
  /** Name contains (case-insensitive). */
  q?: string;
  region?: string;
  tier?: string;
  authorized?: boolean;
  /** One reseller (its detail page). */
  id?: number;
}

export interface ResellerListOptions extends ResellerFilter {
  limit: number;
  cursor?: string;
  /** The ladder's reset (notify config `notices.reset_after_days_clean`). */
  resetAfterDaysClean?: number;
  now?: Date;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listResellers(db: Kysely<Database>, o: ResellerListOptions): Promise<CursorPage<ResellerRow>> {
  const now = o.now ?? new Date();
  const windowStart = new Date(now.getTime() - COMPLIANCE_WINDOW_DAYS * 86_400_000);
  let q = db
    .selectFrom('resellers as r')
    .select(['r.id', 'r.name', 'r.tier', 'r.region', 'r.authorized'])
    .orderBy('r.name')
    .orderBy('r.id')
    .limit(o.limit + 1);
  if (o.q) q = q.where(sql<boolean>`lower(r.name) like ${`%${likeEscape(o.q.toLowerCase())}%`}`);
  if (o.id !== undefined) q = q.where('r.id', '=', o.id);
  if (o.region) q = q.where('r.region', '=', o.region);
  if (o.tier) q = q.where('r.tier', '=', o.tier);
  if (o.authorized !== undefined) q = q.where('r.authorized', '=', o.authorized);
  if (o.cursor) {
    const [name, id] = decodeCursor(o.cursor, 2);
    q = q.where(sql<boolean>`(r.name, r.id) > (${String(name)}::text, ${Number(id)}::bigint)`);
  }
  const page = toCursorPage(await q.execute(), o.limit, (r) => [r.name, r.id]);
  const ids = page.items.map((r) => r.id);
  // The figures for the page's resellers only, set-based in one statement (see resellerStats).
  const stats = ids.length
    ? await resellerStats(db, { ids, windowStart, now, resetAfterDaysClean: o.resetAfterDaysClean ?? 90 })
    : new Map<number, StatsRow>();
  const items = page.items.map((r): ResellerRow => {
    const st = stats.get(r.id);
    const compared = Number(st?.compared ?? 0);
    const compliant = Number(st?.compliant ?? 0);
    return {
      id: r.id,
      name: r.name,
      tier: r.tier,
      region: r.region,
      authorized: r.authorized,
      sites: Number(st?.sites ?? 0),
      openCases: Number(st?.open_cases ?? 0),
      closedCases: Number(st?.closed_cases ?? 0),
      noticeLevel: Number(st?.level ?? 0),
      comparedReads: compared,
      compliantReads: compliant,
      complianceRate: compared ? compliant / compared : null,
      lastViolationAt: st?.last_violation ? new Date(st.last_violation) : null,
    };
  });
  return { items, nextCursor: page.nextCursor };
}

interface StatsRow {
  reseller_id: number;
  sites: number | string;
  open_cases: number | string;
  closed_cases: number | string;
  compared: number | string;
  compliant: number | string;
  last_violation: Date | null;
  level: number | null;
}

async function resellerStats(
  db: Kysely<Database>,
  o: { ids: number[]; windowStart: Date; now: Date; resetAfterDaysClean: number },
): Promise<Map<number, StatsRow>> {
  const { ids, windowStart, now } = o;
  const gapMs = o.resetAfterDaysClean * 86_400_000;
  // The window's first UTC day, and where it ends: the days after it are whole.
  const firstDay = windowStart.toISOString().slice(0, 10);
  const firstDayEnd = new Date(`${firstDay}T00:00:00.000Z`);
  firstDayEnd.setUTCDate(firstDayEnd.getUTCDate() + 1);
  const { rows } = await sql<StatsRow>`
    with rc as (
      -- cases.site_id (migrations/20261204020100): one index range per site, no listing read.
      select s.reseller_id, c.status, c.first_seen_at, c.closed_at
      from sites s join cases c on c.site_id = s.id
      where s.reseller_id in (${sql.join(ids)})
    ),
    site_counts as (
      select reseller_id, count(*) as sites from sites where reseller_id in (${sql.join(ids)}) group by reseller_id
    ),
    case_counts as (
      select reseller_id,
        count(*) filter (where status in ('open', 'notified')) as open_cases,
        count(*) filter (where status in ('resolved', 'dismissed')) as closed_cases
      from rc group by reseller_id
    ),
    -- The notice ladder's level, by the arithmetic of src/cases/violation-episode.ts (episodeStart,
    -- episodeLevel) on the same rows resellerViolationLevel reads, to the millisecond as a JS Date
    -- holds them: a case starts a new episode when it was first seen at least the reset gap after
    -- every earlier case ended (an open one lasts until now); a reseller clean for the gap is at 0.
    ep as (
      select reseller_id, f, t,
        max(t) over (partition by reseller_id order by f rows between unbounded preceding and 1 preceding) as prev_end
      from (
        select reseller_id, date_trunc('milliseconds', first_seen_at) as f,
          coalesce(date_trunc('milliseconds', closed_at), ${now}::timestamptz) as t
        from rc where status <> 'dismissed'
      ) x
    ),
    episodes as (
      select reseller_id, max(f) filter (where prev_end is null or f - prev_end >= ${gapMs} * interval '1 millisecond') as start
      from ep group by reseller_id
      having ${now}::timestamptz - max(t) < ${gapMs} * interval '1 millisecond'
    ),
    levels as (
      select e.reseller_id, max(n.step) as level
      from episodes e join notices n on n.reseller_id = e.reseller_id
      where n.status in ('approved', 'sent') and n.step is not null and date_trunc('milliseconds', n.approved_at) >= e.start
      group by e.reseller_id
    ),
    -- Trustworthy reads only: a read without a price, or one not comparable with MAP, says nothing either way.
    -- site_compliance_days (kept on write, migrations/20261202010100) counts them per site and UTC day: whole
    -- days after the window's first day from there, that first (partial) day from its reads, so the rolling
    -- window stays exact to the read.
    compliance as (
      select reseller_id, sum(compared) as compared, sum(compliant) as compliant from (
        select s.reseller_id, d.compared_reads as compared, d.compliant_reads as compliant
        from site_compliance_days d join sites s on s.id = d.site_id
        where s.reseller_id in (${sql.join(ids)}) and d.day > ${firstDay}::date
        union all
        select s.reseller_id, 1, case when o.verdict = 'compliant' then 1 else 0 end
        from observations o join listings l on l.id = o.listing_id join sites s on s.id = l.site_id
        where s.reseller_id in (${sql.join(ids)}) and o.status = 'ok' and o.verdict in ('compliant', 'violation')
          and o.captured_at >= ${windowStart} and o.captured_at < ${firstDayEnd}
      ) x
      group by reseller_id
    ),
    last_violation as (
      select s.reseller_id, max(d.last_violation_at) as last_violation
      from site_compliance_days d join sites s on s.id = d.site_id
      where s.reseller_id in (${sql.join(ids)})
      group by s.reseller_id
    )
    select sc.reseller_id, sc.sites, cc.open_cases, cc.closed_cases, co.compared, co.compliant, lv.last_violation,
      le.level
    from site_counts sc
    left join case_counts cc on cc.reseller_id = sc.reseller_id
    left join compliance co on co.reseller_id = sc.reseller_id
    left join last_violation lv on lv.reseller_id = sc.reseller_id
    left join levels le on le.reseller_id = sc.reseller_id`.execute(db);
  return new Map(rows.map((r) => [r.reseller_id, r]));
}
