/**
 * Sites for the review app's Sites page, `/api/v1/sites` and its CSV: each site's reseller,
 * listings, latest read, and its health (the same figures and state as `mapwatch sites
 * health`, list-site-health.ts): extraction and blocked shares, suppression and re-check
 * disagreement. Sites are filtered and paged in SQL (by name); health is computed for the
 * page's sites only.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import type { SiteHealthRow } from '../health/format-site-health.js';
import type { HealthThresholds } from '../health/judge-site-health.js';
import { SITE_HEALTH_STATES, type SiteHealthState } from '../health/site-health-state.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';
import { listSiteHealth } from './list-site-health.js';

export interface SiteRow {
  id: number;
  name: string;
  domain: string;
  reseller: string;
  resellerId: number;
  listings: number;
  lastReadAt: Date | null;
  configPath: string | null;
  configHash: string;
  health: SiteHealthRow;
}

export interface SiteFilter {
  /** Name or domain contains (case-insensitive). */
  q?: string;
  reseller?: string;
  /** The state last recorded for the site (site_health.state; no row counts as unknown). */
  state?: SiteHealthState;
  suppressed?: boolean;
  /** One site by exact name (its detail page). */
  name?: string;
}

export { SITE_HEALTH_STATES };

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listSites(
  db: Kysely<Database>,
  o: SiteFilter & { limit: number; cursor?: string; thresholds?: HealthThresholds },
): Promise<CursorPage<SiteRow>> {
  let q = db
    .selectFrom('sites as s')
    .innerJoin('resellers as r', 'r.id', 's.reseller_id')
    .leftJoin('site_health as h', 'h.site_id', 's.id')
    .select((eb) => [
      's.id',
      's.name',
      's.domain',
      's.config_path',
      's.config_hash',
      'r.name as reseller',
      'r.id as reseller_id',
      eb
        .selectFrom('listings as l')
        .whereRef('l.site_id', '=', 's.id')
        .where('l.active', '=', true)
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('listings'),
      eb
        .selectFrom('observations as o')
        .innerJoin('listings as l', 'l.id', 'o.listing_id')
        .whereRef('l.site_id', '=', 's.id')
        .select((e) => e.fn.max('o.captured_at').as('at'))
        .as('last_read_at'),
    ])
    .orderBy('s.name')
    .orderBy('s.id')
    .limit(o.limit + 1);
  if (o.name !== undefined) q = q.where('s.name', '=', o.name);
  if (o.q) {
    const like = `%${likeEscape(o.q.toLowerCase())}%`;
    q = q.where(sql<boolean>`(lower(s.name) like ${like} or lower(s.domain) like ${like})`);
  }
  if (o.reseller) q = q.where('r.name', '=', o.reseller);
  if (o.state) q = q.where(sql<boolean>`coalesce(h.state, 'unknown') = ${o.state}`);
  if (o.suppressed !== undefined) q = q.where(sql<boolean>`coalesce(h.suppressed, false) = ${o.suppressed}`);
  if (o.cursor) {
    const [name, id] = decodeCursor(o.cursor, 2);
    q = q.where(sql<boolean>`(s.name, s.id) > (${String(name)}::text, ${Number(id)}::bigint)`);
  }
  const page = toCursorPage(await q.execute(), o.limit, (r) => [r.name, r.id]);
  const health = await listSiteHealth(db, {
    siteIds: page.items.map((s) => s.id),
    ...(o.thresholds ? { thresholds: o.thresholds } : {}),
  });
  const byId = new Map(health.map((h) => [h.siteId, h]));
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((s) => ({
      id: s.id,
      name: s.name,
      domain: s.domain,
      reseller: s.reseller,
      resellerId: s.reseller_id,
      listings: Number(s.listings),
      lastReadAt: s.last_read_at ? new Date(s.last_read_at as Date) : null,
      configPath: s.config_path,
      configHash: s.config_hash,
      health: byId.get(s.id)!,
    })),
  };
}
