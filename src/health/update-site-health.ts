/**
 * Re-evaluates one site's health after a read and records a change of state: the
 * `site_health` row flips, and a `site_alerts` row ('needs_attention' or 'recovered')
 * is written in the same transaction, so an alert exists exactly when the state changed.
 * The row lock serializes workers that finish reads of the same site at once.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { computeSiteHealth, type HealthWindow } from './compute-site-health.js';
import { type HealthThresholds, judgeSiteHealth } from './judge-site-health.js';

export interface HealthChange {
  siteId: number;
  suppressed: boolean;
  changed: boolean;
  reason: string | null;
}

export async function updateSiteHealth(
  db: Kysely<Database>,
  siteId: number,
  thresholds: HealthThresholds,
  window?: HealthWindow,
): Promise<HealthChange> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('site_health')
      .values({ site_id: siteId })
      .onConflict((oc) => oc.column('site_id').doNothing())
      .execute();
    const state = await trx
      .selectFrom('site_health')
      .selectAll()
      .where('site_id', '=', siteId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const [stats] = await computeSiteHealth(trx, { siteIds: [siteId], window });
    if (!stats) return { siteId, suppressed: state.suppressed, changed: false, reason: state.reason };
    const decision = judgeSiteHealth(stats, thresholds, state.suppressed);
    const now = new Date();
    if (decision.suppress === state.suppressed) {
      await trx.updateTable('site_health').set({ checked_at: now }).where('site_id', '=', siteId).execute();
      return { siteId, suppressed: state.suppressed, changed: false, reason: state.reason };
    }
    await trx
      .updateTable('site_health')
      .set({ suppressed: decision.suppress, since: now, reason: decision.reason, checked_at: now })
      .where('site_id', '=', siteId)
      .execute();
    await trx
      .insertInto('site_alerts')
      .values({
        site_id: siteId,
        kind: decision.suppress ? 'needs_attention' : 'recovered',
        detail: JSON.stringify({
          site: stats.site,
          reason: decision.reason,
          successRate: stats.successRate,
          blockedRate: stats.blockedRate,
          pageReads: stats.pageReads,
          lastGoodReadAt: stats.lastGoodReadAt,
          suppressedSince: decision.suppress ? now : state.since,
        }),
      })
      .execute();
    return { siteId, suppressed: decision.suppress, changed: true, reason: decision.reason };
  });
}
