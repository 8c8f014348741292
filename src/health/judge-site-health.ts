/**
 * Decides from a site's health figures whether its extraction is broken, and when a
 * suppressed site has recovered. Recovery looks at the latest reads only: the rolling
 * rate still remembers the outage long after the site is fine again.
 */
import { loadProcessConfig, type ProcessConfig, processConfig } from '../config/process-config.js';
import type { SiteHealthStats } from './compute-site-health.js';

export interface HealthThresholds {
  /** Below this extraction success rate (0–1) a site is broken. */
  minSuccessRate: number;
  /** Page reads needed in the window before the rate is trusted. */
  minPageReads: number;
  /** Consecutive good page reads that end a suppression. */
  recoverAfter: number;
}

/** The thresholds from a parsed configuration. */
export function healthThresholdsFrom(c: ProcessConfig): HealthThresholds {
  return {
    minSuccessRate: c.MAPWATCH_HEALTH_MIN_SUCCESS,
    minPageReads: c.MAPWATCH_HEALTH_MIN_READS,
    recoverAfter: c.MAPWATCH_HEALTH_RECOVER_AFTER,
  };
}

/** From an environment (default: this process's); `loadHealthThresholds({})` gives the defaults. */
export function loadHealthThresholds(source?: NodeJS.ProcessEnv): HealthThresholds {
  return healthThresholdsFrom(source ? loadProcessConfig(source) : processConfig());
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
