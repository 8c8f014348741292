/** Every site's health figures with its state and suppression, for `mapwatch sites health` and the demo. */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { computeSiteHealth, DEFAULT_WINDOW } from '../health/compute-site-health.js';
import type { SiteHealthRow } from '../health/format-site-health.js';
import { type HealthThresholds, loadHealthThresholds } from '../health/judge-site-health.js';
import { siteHealthState } from '../health/site-health-state.js';
import { MAX_PAGE, type PageRequest, pageOf } from './page.js';

export async function listSiteHealth(
  db: Kysely<Database>,
  p: PageRequest & { thresholds?: HealthThresholds; siteIds?: number[] } = {},
): Promise<SiteHealthRow[]> {
  const page = pageOf(p, MAX_PAGE);
  const thresholds = p.thresholds ?? loadHealthThresholds();
  const ids = p.siteIds;
  const [stats, states, misreads] = await Promise.all([
    computeSiteHealth(db, ids ? { siteIds: ids } : {}),
    ids
      ? ids.length
        ? db.selectFrom('site_health').selectAll().where('site_id', 'in', ids).execute()
        : []
      : db.selectFrom('site_health').selectAll().execute(),
    // A misread is a wrong price a reviewer caught: extraction on that site needs a look.
    ids && !ids.length
      ? []
      : db
          .selectFrom('misreads')
          .select(['site_id', (eb) => eb.fn.countAll<string>().as('n')])
          .where('at', '>', sql<Date>`now() - ${DEFAULT_WINDOW.maxAgeDays} * interval '1 day'`)
          .$if(ids !== undefined, (q) => q.where('site_id', 'in', ids!))
          .groupBy('site_id')
          .execute(),
  ]);
  const misreadsBy = new Map(misreads.map((m) => [m.site_id, Number(m.n)]));
  const by = new Map(states.map((s) => [s.site_id, s]));
  return stats.slice(page.offset, page.offset + page.limit).map((s) => {
    const st = by.get(s.siteId);
    const suppressed = st?.suppressed ?? false;
    const judged = siteHealthState(s, thresholds, { suppressed, reason: st?.reason ?? null });
    return {
      ...s,
      state: judged.state,
      stateReason: judged.reason,
      suppressed,
      since: st?.suppressed ? st.since : null,
      reason: st?.suppressed ? st.reason : null,
      misreads: misreadsBy.get(s.siteId) ?? 0,
    };
  });
}
