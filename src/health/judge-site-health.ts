/**
 * Decides from a site's health figures whether its extraction is broken, and when a
 * suppressed site has recovered. Recovery looks at the latest reads only: the rolling
 * rate still remembers the outage long after the site is fine again.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { SiteHealthStats } from './compute-site-health.js';

export interface HealthThresholds {
  /** Below this extraction success rate (0–1) a site is broken. */
  minSuccessRate: number;
  /** Page reads needed in the window before the rate is trusted. */
  minPageReads: number;
  /** Consecutive good page reads that end a suppression. */
  recoverAfter: number;
}

const schema = z.object({
  MAPWATCH_HEALTH_MIN_SUCCESS: z.coerce.number().min(0).max(1).default(0.5),
  MAPWATCH_HEALTH_MIN_READS: z.coerce.number().int().min(1).default(5),
  MAPWATCH_HEALTH_RECOVER_AFTER: z.coerce.number().int().min(1).default(3),
});

export function loadHealthThresholds(source: NodeJS.ProcessEnv = process.env): HealthThresholds {
  const r = schema.safeParse(source);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UserError(`environment variable ${i.path.join('.')}: ${i.message}`);
  }
  return {
    minSuccessRate: r.data.MAPWATCH_HEALTH_MIN_SUCCESS,
    minPageReads: r.data.MAPWATCH_HEALTH_MIN_READS,
    recoverAfter: r.data.MAPWATCH_HEALTH_RECOVER_AFTER,
  };
}

export type HealthDecision = { suppress: true; reason: string } | { suppress: false; reason: string | null };

export function judgeSiteHealth(s: SiteHealthStats, t: HealthThresholds, currentlySuppressed: boolean): HealthDecision {
  if (currentlySuppressed) {
    const latest = s.latestPageStatuses.slice(0, t.recoverAfter);
    if (latest.length >= t.recoverAfter && latest.every((st) => st === 'ok')) {
      return { suppress: false, reason: `the last ${t.recoverAfter} page reads extracted a price` };
    }
    return { suppress: true, reason: 'still failing' };
  }
  if (s.pageReads >= t.minPageReads && s.successRate !== null && s.successRate < t.minSuccessRate) {
    return {
      suppress: true,
      reason: `extraction success ${pct(s.successRate)} over the last ${s.pageReads} page reads is below ${pct(t.minSuccessRate)}`,
    };
  }
  // A selector that stopped matching shows as every listing failing at once, even before the rate drops.
  if (s.listingsRead >= 2 && s.listingsFailingLatest === s.listingsRead && s.pageReads >= t.minPageReads) {
    return { suppress: true, reason: `the latest read of all ${s.listingsRead} listings found no usable price` };
  }
  return { suppress: false, reason: null };
}

export function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
