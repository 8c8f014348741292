/** Every site's health figures with its suppression state, for `mapwatch sites health`. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { computeSiteHealth } from '../health/compute-site-health.js';
import type { SiteHealthRow } from '../health/format-site-health.js';
import { MAX_PAGE, type PageRequest, pageOf } from './page.js';

export async function listSiteHealth(db: Kysely<Database>, p: PageRequest = {}): Promise<SiteHealthRow[]> {
  const page = pageOf(p, MAX_PAGE);
  const [stats, states] = await Promise.all([
    computeSiteHealth(db),
    db.selectFrom('site_health').selectAll().execute(),
  ]);
  const by = new Map(states.map((s) => [s.site_id, s]));
  return stats.slice(page.offset, page.offset + page.limit).map((s) => {
    const st = by.get(s.siteId);
    return {
      ...s,
      suppressed: st?.suppressed ?? false,
      since: st?.suppressed ? st.since : null,
      reason: st?.suppressed ? st.reason : null,
    };
  });
}
