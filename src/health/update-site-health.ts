/**
 * Re-evaluates sites' health after reads and records each change of state: the site's
 * `site_health` row flips, and a `site_alerts` row is written in the same transaction, so
 * an alert exists exactly when the state changed: 'needs_attention' when suppression starts,
 * 'blocked' when every recent read is refused, 'recovered' when either ends.
 * The row locks serialize processes that judge the same site at once.
 *
 * Set-based: one transaction judges any number of sites with the same dozen statements
 * (issue 15: it was a transaction of a dozen round-trips after every single read). The
 * judgement of each site is the one it would get alone.
 */
import { type Kysely, sql } from 'kysely';
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
  const [change] = await updateSitesHealth(db, [siteId], thresholds, window);
  return change!;
}

/** The health of each of `siteIds` (in that order, once per id), judged and recorded in one transaction. */
export async function updateSitesHealth(
  db: Kysely<Database>,
  siteIds: readonly number[],
  thresholds: HealthThresholds,
  window?: HealthWindow,
): Promise<HealthChange[]> {
  // Sorted, so two processes judging overlapping sets lock their rows in the same order.
  const ids = [...new Set(siteIds)].sort((a, b) => a - b);
  if (!ids.length) return [];
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('site_health')
      .values(ids.map((site_id) => ({ site_id })))
      .onConflict((oc) => oc.column('site_id').doNothing())
      .execute();
    const rows = await trx
      .selectFrom('site_health')
      .selectAll()
      .where('site_id', 'in', ids)
      .orderBy('site_id')
      .forUpdate()
      .execute();
    const before = new Map(rows.map((r) => [r.site_id, r]));
    const statsBy = new Map((await computeSiteHealth(trx, { siteIds: ids, window })).map((s) => [s.siteId, s]));
    const now = new Date();
    const changes: HealthChange[] = [];
    const updates: {
      siteId: number;
      state: SiteHealthState;
      changed: boolean;
      suppressed: boolean;
      reason: string | null;
    }[] = [];
    const alerts: { site_id: number; kind: SiteAlertKind; detail: string }[] = [];
    for (const siteId of ids) {
      const state = before.get(siteId)!;
      const stats = statsBy.get(siteId);
      if (!stats) {
        changes.push({
          siteId,
          suppressed: state.suppressed,
          changed: false,
          reason: state.reason,
          state: state.state,
        });
        continue;
      }
      const decision = judgeSiteHealth(stats, thresholds, state.suppressed);
      const suppressed = decision.suppress;
      const changed = suppressed !== state.suppressed;
      const reason = changed ? decision.reason : state.reason;
      const judged = siteHealthState(stats, thresholds, { suppressed, reason });
      updates.push({ siteId, state: judged.state, changed, suppressed, reason: decision.reason });

      // One alert per change of state that ops must act on, or that ends one.
      const raised: { kind: SiteAlertKind; reason: string | null; from?: string }[] = [];
      if (changed) raised.push({ kind: suppressed ? 'needs_attention' : 'recovered', reason: decision.reason });
      if (judged.state === 'blocked' && state.state !== 'blocked')
        raised.push({ kind: 'blocked', reason: judged.reason });
      else if (state.state === 'blocked' && judged.state !== 'blocked' && !suppressed)
        raised.push({ kind: 'recovered', reason: `no longer blocked: now ${judged.state}`, from: 'blocked' });
      for (const a of raised)
        alerts.push({
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
        });
      changes.push({ siteId, suppressed, changed, reason, state: judged.state });
    }
    if (updates.length) {
      // One statement for every judged site; suppression, its start and its reason change only on a change.
      const col = <T>(f: (u: (typeof updates)[number]) => T) => updates.map(f);
      await sql`
        update site_health h set
          state = v.state,
          checked_at = ${now}::timestamptz,
          suppressed = case when v.changed then v.suppressed else h.suppressed end,
          since = case when v.changed then ${now}::timestamptz else h.since end,
          reason = case when v.changed then v.reason else h.reason end
        from unnest(
          ${col((u) => u.siteId)}::int4[], ${col((u) => u.state)}::text[], ${col((u) => u.changed)}::bool[],
          ${col((u) => u.suppressed)}::bool[], ${col((u) => u.reason)}::text[]
        ) as v(site_id, state, changed, suppressed, reason)
        where h.site_id = v.site_id`.execute(trx);
    }
    // Alerts in the order the per-site evaluation raised them (ids ascending).
    if (alerts.length) await trx.insertInto('site_alerts').values(alerts).execute();
    const order = new Map(changes.map((c) => [c.siteId, c]));
    return [...new Set(siteIds)].map((id) => order.get(id)!);
  });
}
