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
  const ids = page.items.map((s) => s.id);
  // Health and the latest read for the page's sites only, side by side.
  const [health, lastReads] = await Promise.all([
    listSiteHealth(db, { siteIds: ids, ...(o.thresholds ? { thresholds: o.thresholds } : {}) }),
    ids.length
      ? // Each site's newest read: the first entry of observations_site_recent (migrations/20261203010000).
        sql<{ site_id: number; at: Date | null }>`select s.id as site_id, x.captured_at as at from sites s
          cross join lateral (select o.captured_at from observations o where o.site_id = s.id
            order by o.captured_at desc, o.id desc limit 1) x
          where s.id in (${sql.join(ids)})`
          .execute(db)
          .then((r) => r.rows)
      : [],
  ]);
  const lastReadBy = new Map(lastReads.map((r) => [r.site_id, r.at]));
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
      lastReadAt: lastReadBy.get(s.id) ? new Date(lastReadBy.get(s.id)!) : null,
      configPath: s.config_path,
      configHash: s.config_hash,
      health: byId.get(s.id)!,
    })),
  };
}
