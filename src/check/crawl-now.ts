/**
 * `mapwatch crawl`: checks every listing of the given sites now, in this process, through
 * the same check pipeline as the queue workers (checkListing: re-check, evidence, findings,
 * site-health suppression and updates). The sites are synced first (a config naming an unknown
 * reseller or SKU is reported, and never stops the valid ones), then swept: their listings are
 * read back from the database a page at a time, round-robin across the sites (sweep-sites.ts).
 */
import type { LoadedSite } from '../config/load-sites.js';
import { syncValidSites } from '../config/sync-sites.js';
import type { CheckContext } from './check-context.js';
import { type CrawlOptions, sweepSites } from './sweep-sites.js';
import type { CrawlSummary } from './sweep-summary.js';

export type { CrawlOptions, CrawlProgress, CrawlResult, SweepSite } from './sweep-sites.js';
export { sweepSites } from './sweep-sites.js';
export { type CrawlSummary, listingsRead } from './sweep-summary.js';

export async function crawlNow(
  ctx: CheckContext,
  sites: readonly LoadedSite[],
  opts: CrawlOptions = {},
): Promise<CrawlSummary> {
  // The synced rows are not returned: the sweep reads the listings back a page at a time.
  const { synced, skipped } = await syncValidSites(ctx.db, sites, { listings: false });
  const summary = await sweepSites(ctx, synced, opts);
  summary.skipped.push(...skipped);
  return summary;
}
