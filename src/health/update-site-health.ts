/**
 * Re-evaluates one site's health after a read and records a change of state: the
 * `site_health` row flips, and a `site_alerts` row is written in the same transaction, so
 * an alert exists exactly when the state changed: 'needs_attention' when suppression starts,
 * 'blocked' when every recent read is refused, 'recovered' when either ends.
 * The row lock serializes workers that finish reads of the same site at once.
 */
import type { Kysely } from 'kysely';
import type { Database, SiteAlertKind } from '../db/tables.js';
import { computeSiteHealth, type HealthWindow } from './compute-site-health.js';
import { type HealthThresholds, judgeSiteHealth } from './judge-site-health.js';
import { type SiteHealthState, siteHealthState } from './site-health-state.js';

export interface HealthChange {
  siteId: number;
  suppressed: boolean;
  changed: boolean;
  reason: string | null;
  /** The site's state after this read (site-health-state.ts). */
  state: SiteHealthState;
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
    if (!stats)
      return { siteId, suppressed: state.suppressed, changed: false, reason: state.reason, state: state.state };
    const decision = judgeSiteHealth(stats, thresholds, state.suppressed);
    const suppressed = decision.suppress;
    const changed = suppressed !== state.suppressed;
    const reason = changed ? decision.reason : state.reason;
    const judged = siteHealthState(stats, thresholds, { suppressed, reason });
    const now = new Date();
    await trx
      .updateTable('site_health')
      .set({
        state: judged.state,
        checked_at: now,
        ...(changed ? { suppressed, since: now, reason: decision.reason } : {}),
      })
      .where('site_id', '=', siteId)
      .execute();

    // One alert per change of state that ops must act on, or that ends one.
    const alerts: { kind: SiteAlertKind; reason: string | null; from?: string }[] = [];
    if (changed) alerts.push({ kind: suppressed ? 'needs_attention' : 'recovered', reason: decision.reason });
    if (judged.state === 'blocked' && state.state !== 'blocked')
      alerts.push({ kind: 'blocked', reason: judged.reason });
    else if (state.state === 'blocked' && judged.state !== 'blocked' && !suppressed)
      alerts.push({ kind: 'recovered', reason: `no longer blocked: now ${judged.state}`, from: 'blocked' });
    for (const a of alerts) {
      await trx
        .insertInto('site_alerts')
        .values({
          site_id: siteId,
          kind: a.kind,
          detail: JSON.stringify({
            site: stats.site,
            state: judged.state,
            ...(a.from ? { from: a.from } : {}),
            reason: a.reason,
            successRate: stats.successRate,
            blockedRate: stats.blockedRate,
            reads: stats.reads,
            pageReads: stats.pageReads,
            lastGoodReadAt: stats.lastGoodReadAt,
            suppressedSince: suppressed ? (changed ? now : state.since) : changed ? state.since : null,
          }),
        })
        .execute();
    }
    return { siteId, suppressed, changed, reason, state: judged.state };
  });
}
