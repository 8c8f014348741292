/**
 * The one site-health state, used by `mapwatch sites health`, the demo summary and the ops
 * alerts, so a site never reads "ok" in one place and "blocked" in another. From worst:
 *
 * - suppressed:      extraction is broken and new violations open no case (site_health row);
 * - blocked:         every read in the rolling window was refused (403, 429, captcha, bot wall);
 * - needs_attention: extraction is failing by the suppression rule, or re-checks mostly
 *                    disagree, but no suppression is in force (yet);
 * - degraded:        it works, but a tenth or more of the window's reads got no price;
 * - ok:              reads get prices;
 * - unknown:         no reads in the window yet.
 */
import { locatorStale, type SiteHealthStats } from './compute-site-health.js';
import { type HealthThresholds, judgeSiteHealth, pct } from './judge-site-health.js';

export const SITE_HEALTH_STATES = ['ok', 'degraded', 'blocked', 'needs_attention', 'suppressed', 'unknown'] as const;
export type SiteHealthState = (typeof SITE_HEALTH_STATES)[number];

/** Share of a window's reads without a price from which a working site counts as degraded. */
const DEGRADED_FAILURE_RATE = 0.1;

export interface StateJudgment {
  state: SiteHealthState;
  /** Why, in one sentence; null for ok. */
  reason: string | null;
}

export function siteHealthState(
  s: SiteHealthStats,
  t: HealthThresholds,
  suppression: { suppressed: boolean; reason: string | null },
): StateJudgment {
  if (suppression.suppressed)
    return {
      state: 'suppressed',
      reason: `new violations open no case: ${suppression.reason ?? 'extraction failing'}`,
    };
  if (s.reads === 0) return { state: 'unknown', reason: 'no reads in the health window yet' };
  if (s.blockedReads === s.reads)
    return { state: 'blocked', reason: `all ${s.reads} recent read(s) were blocked by the site` };
  const judged = judgeSiteHealth(s, t, false);
  if (judged.suppress) return { state: 'needs_attention', reason: judged.reason };
  if (s.recheckTotal >= 2 && s.recheckDisagreed * 2 > s.recheckTotal)
    return {
      state: 'needs_attention',
      reason: `${s.recheckDisagreed} of ${s.recheckTotal} re-checks disagreed with the first read`,
    };
  // The pages changed under the learned locator: reads may still work, but the cross-check is gone.
  if (locatorStale(s)) return { state: 'degraded', reason: locatorNote(s) };
  const failed = s.reads - s.okReads;
  if (failed / s.reads >= DEGRADED_FAILURE_RATE)
    return {
      state: 'degraded',
      reason: `${pct(failed / s.reads)} of the last ${s.reads} reads got no price (${s.blockedReads} blocked)`,
    };
  return { state: 'ok', reason: null };
}

/** How a state reads in a table: the bad ones shout. */
export function stateLabel(state: SiteHealthState): string {
  return state === 'ok' || state === 'unknown' ? state : state.toUpperCase().replace('_', ' ');
}

/** Why a learned price locator counts as stopped matching (empty when it has not). */
export function locatorNote(s: Pick<SiteHealthStats, 'locator'>): string {
  const l = s.locator;
  if (!l || !locatorStale(s)) return '';
  const last = l.lastMatchedAt ? l.lastMatchedAt.toISOString().replace('.000Z', 'Z') : 'never';
  return `learned price locator "${l.selector}" stopped matching: ${l.misses} read(s) in a row without agreeing (last matched ${last})${l.lastMissReason ? `: ${l.lastMissReason}` : ''}`;
}
