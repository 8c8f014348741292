/**
 * Resellers with what a compliance lead asks first: how many cases are open and closed,
 * how far up the notice ladder the reseller is (the same level the ladder itself uses,
 * src/cases/violation-level.ts), and a compliance summary: of the last 30 days' trustworthy
 * reads (a price was read and compared with MAP), the share at or above MAP. For the review
 * app's Resellers page, `/api/v1/resellers` and its CSV; filtering and paging in SQL.
 */
import { type Kysely, sql } from 'kysely';
import { resellerViolationLevel } from '../cases/violation-level.js';
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
    .select((eb) => [
      'r.id',
      'r.name',
      'r.tier',
      'r.region',
      'r.authorized',
      eb
        .selectFrom('sites as s')
        .whereRef('s.reseller_id', '=', 'r.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('sites'),
      sql<number>`(select count(*) filter (where c.status in ('open', 'notified'))
        from cases c join listings l on l.id = c.listing_id join sites s on s.id = l.site_id where s.reseller_id = r.id)`.as(
        'open_cases',
      ),
      sql<number>`(select count(*) filter (where c.status in ('resolved', 'dismissed'))
        from cases c join listings l on l.id = c.listing_id join sites s on s.id = l.site_id where s.reseller_id = r.id)`.as(
        'closed_cases',
      ),
      // Trustworthy reads only: a read without a price, or one not comparable with MAP, says nothing either way.
      sql<string>`(select json_build_array(count(*), count(*) filter (where o.verdict = 'compliant'))
        from observations o join listings l on l.id = o.listing_id join sites s on s.id = l.site_id
        where s.reseller_id = r.id and o.status = 'ok' and o.verdict in ('compliant', 'violation')
          and o.captured_at >= ${windowStart})`.as('compliance'),
      sql<Date | null>`(select max(o.captured_at)
        from observations o join listings l on l.id = o.listing_id join sites s on s.id = l.site_id
        where s.reseller_id = r.id and o.status = 'ok' and o.verdict = 'violation')`.as('last_violation'),
    ])
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
  const rows = await q.execute();
  const page = toCursorPage(rows, o.limit, (r) => [r.name, r.id]);
  const items = await Promise.all(
    page.items.map(async (r): Promise<ResellerRow> => {
      const c = (typeof r.compliance === 'string' ? JSON.parse(r.compliance) : r.compliance) as [number, number];
      const level = await resellerViolationLevel(db, r.id, now, o.resetAfterDaysClean ?? 90);
      const compared = Number(c[0]);
      const compliant = Number(c[1]);
      return {
        id: r.id,
        name: r.name,
        tier: r.tier,
        region: r.region,
        authorized: r.authorized,
        sites: Number(r.sites),
        openCases: Number(r.open_cases),
        closedCases: Number(r.closed_cases),
        noticeLevel: level.level,
        comparedReads: compared,
        compliantReads: compliant,
        complianceRate: compared ? compliant / compared : null,
        lastViolationAt: r.last_violation ? new Date(r.last_violation) : null,
      };
    }),
  );
  return { items, nextCursor: page.nextCursor };
}
