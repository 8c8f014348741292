/** Every site's health figures with its state and suppression, for `mapwatch sites health` and the demo. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { computeSiteHealth } from './compute-site-health.js';
import type { SiteHealthRow } from './format-site-health.js';
import { type HealthThresholds, loadHealthThresholds } from './judge-site-health.js';
import { siteHealthState } from './site-health-state.js';

export async function listSiteHealth(
  db: Kysely<Database>,
  thresholds: HealthThresholds = loadHealthThresholds(),
): Promise<SiteHealthRow[]> {
  const [stats, states] = await Promise.all([
    computeSiteHealth(db),
    db.selectFrom('site_health').selectAll().execute(),
  ]);
  const by = new Map(states.map((s) => [s.site_id, s]));
  return stats.map((s) => {
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
    };
  });
}
