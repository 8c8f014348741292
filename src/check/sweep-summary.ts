/**
 * What a sweep reports (`mapwatch crawl` prints it): counts per status and per case action,
 * the failures, the sites skipped and the changes of site health; every listing's result only
 * when the sweep keeps them (sweep-sites.ts, keepResults).
 */
import type { InputProblem } from '../errors.js';
import type { ObservationStatus } from '../types.js';
import type { CheckResult } from './check-listing.js';

/** One listing's check, as a sweep reports it (its page's HTML already dropped). */
export type CrawlResult = CheckResult & { site: string; url: string; sku: string };

export interface CrawlSummary {
  checked: number;
  byStatus: Record<string, number>;
  cases: { opened: number; updated: number; resolved: number; suppressed: number; dismissed: number };
  failures: { site: string; url: string; message: string }[];
  /** Sites not crawled because their reseller or a SKU is not in the database; the others were. */
  skipped: InputProblem[];
  /**
   * Every listing's result, in completion order; empty when the crawl ran with `keepResults: false`
   * (a long sweep streams them through `onResult` instead, so its memory does not grow with its size).
   */
  results: CrawlResult[];
  /** Sites whose health changed during this crawl (suppressed, or recovered). */
  healthChanges: { site: string; suppressed: boolean; reason: string | null }[];
}

export function emptySummary(skipped: InputProblem[] = []): CrawlSummary {
  return {
    checked: 0,
    byStatus: {},
    cases: { opened: 0, updated: 0, resolved: 0, suppressed: 0, dismissed: 0 },
    failures: [],
    skipped,
    results: [],
    healthChanges: [],
  };
}

/** Counts a check's case action; returns the status its read is counted under. */
export function recordCheck(summary: CrawlSummary, r: CheckResult): ObservationStatus {
  if (r.outcome.action !== 'none' && r.outcome.action !== 'logged') summary.cases[r.outcome.action]++;
  return r.draft.status;
}

/** Statuses that mean the page itself was read (fetched and parsed), whatever it showed. */
const READ_STATUSES: readonly string[] = ['ok', 'no_price', 'ambiguous'];

/** How many listings were read at all: neither blocked, nor an error, nor a failed check. */
export function listingsRead(summary: Pick<CrawlSummary, 'byStatus'>): number {
  return Object.entries(summary.byStatus)
    .filter(([status]) => READ_STATUSES.includes(status))
    .reduce((n, [, count]) => n + count, 0);
}
