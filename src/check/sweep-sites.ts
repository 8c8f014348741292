/**
 * One sweep over synced sites: every active listing checked once, through the same check
 * pipeline as the queue workers (checkListing). Per-domain politeness comes from the gate
 * (each site's rate_limit); across domains, up to `concurrency` reads run at once, and more checks
 * than that, so that the ones waiting on their write or their re-check hold no read (read-slots.ts).
 *
 * The listings are read from the database a page at a time, round-robin across the sites
 * (page-listings.ts), and every result is streamed (`onResult`) or kept only on request: the
 * sweep's memory does not grow with its number of listings (issue 15, goal 6).
 */
import { loadMapRules } from '../catalog/load-map-rules.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { SyncedListing } from '../config/sync-sites.js';
import { type DomainGate, InProcessDomainGate } from '../fetch/domain-gate.js';
import { SiteHealthBatch } from '../health/batch-site-health.js';
import { preloadSiteLocators } from '../learn/cached-locator.js';
import { preloadSampleWindows } from '../learn/sample-windows.js';
import { flushLearning } from '../learn/write-learning.js';
import type { ObservationStatus } from '../types.js';
import { ObservationBatch, observationBatchFor } from './batch-observations.js';
import type { CheckContext } from './check-context.js';
import { checkListing } from './check-listing.js';
import { countActiveListings, pageListings } from './page-listings.js';
import { OpenCasePrefetch } from './prefetch-open-cases.js';
import { ReadSlots } from './read-slots.js';
import { type CrawlResult, type CrawlSummary, emptySummary, recordCheck } from './sweep-summary.js';

export type { CrawlResult };

/**
 * Checks in flight per read in flight (read-slots.ts). A check waits on its re-check's delay (5 s
 * by default) for every violation: at a read rate R and a share v of violations, R × v × delay
 * checks wait at once, so a sweep needs concurrency × (1 + v × delay / read time) checks to keep
 * reading; a quarter of violations at 0.5 s a read is 3.5×, a reseller below MAP on every listing
 * 11×. 8× covers most; a waiting check holds its listing, its first read and a pending promise.
 * Measured (80 listings on 10 sites, a quarter below MAP, 2 s re-check delay, 100 ms pages,
 * concurrency 4): 13.0 s with one check per read, 8.0 at 2×, 4.8 at 4×, 3.6 at 8×.
 */
const CHECKS_PER_READ = 8;

export interface CrawlProgress {
  done: number;
  total: number;
  site: string;
  url: string;
  status: ObservationStatus | 'failed';
}

export interface CrawlOptions {
  /** Default: one in-process gate for this crawl. */
  gate?: DomainGate;
  /** Reads in flight (requests and their page work); checks in flight are CHECKS_PER_READ times as many. Default 8. */
  concurrency?: number;
  onProgress?: (p: CrawlProgress) => void;
  /** Called with each listing's result as soon as it is checked. */
  onResult?: (r: CrawlResult) => void;
  /**
   * Keep every result in `summary.results` (default true). A result holds the whole read (offers,
   * verdict, outcome): 5–10 KB of live heap each, about 0.5 GB for a 100,000-listing sweep, and
   * the heap V8 grows on top of it. A sweep that only needs counts, or builds its own compact rows
   * through `onResult`, passes false; every count of the summary is kept either way.
   */
  keepResults?: boolean;
  /** Listings read from the database per page (page-listings.ts). Default 1,000. */
  pageSize?: number;
}

/** A site the sweep checks: its database id and its config (the config's listings are not used). */
export interface SweepSite {
  id: number;
  site: LoadedSite;
}

export async function sweepSites(
  ctx: CheckContext,
  sites: readonly SweepSite[],
  opts: CrawlOptions = {},
): Promise<CrawlSummary> {
  const siteOf = new Map(sites.map((s) => [s.id, s]));
  const siteIds = [...siteOf.keys()];
  // The rules of every product the sites list (a few per catalog product, not one per listing),
  // and the number of listings for the progress line, before the first page is read.
  const { total, productIds } = await countActiveListings(ctx.db, siteIds);
  const rules = await loadMapRules(ctx.db, productIds);
  // Every site's learned price locator and latest samples in a statement each, not one per site
  // on its first read.
  await Promise.all([preloadSiteLocators(ctx.db, siteIds), preloadSampleWindows(ctx.db, siteIds)]);
  const gate = opts.gate ?? ctx.fetchOptions.gate ?? new InProcessDomainGate();
  for (const { site } of siteOf.values()) {
    gate.configure(site.config.domain, {
      concurrency: site.config.rate_limit.concurrency,
      delayMs: site.config.rate_limit.delay_ms,
    });
  }
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, total));
  const workers = Math.max(concurrency, Math.min(total, concurrency * CHECKS_PER_READ));
  const pageSize = Math.max(1, opts.pageSize ?? 1000);
  // Reads that change no case are written in batches sized to this crawl. A context's own batch
  // is used as it is (openApp sizes it from the process's concurrency).
  const batch = ctx.observationBatch ? undefined : new ObservationBatch(ctx.db, observationBatchFor(concurrency));
  // Site health is judged per batch of reads as well (batch-site-health.ts), the context's or this crawl's own.
  const ownHealth = ctx.health && !ctx.siteHealth ? new SiteHealthBatch(ctx.db, ctx.health) : undefined;
  const siteHealth = ctx.siteHealth ?? ownHealth;
  // Open cases are read for a window of tasks at once, in task order (prefetch-open-cases.ts):
  // four checks per worker, so a window is read about once per round of the workers. Each page's
  // ids are appended as it is read; the positions kept cover the page being checked and the one
  // before (a check asks after its read, when later tasks may already have been taken). A page
  // holds fewer than pageSize + one listing per site (page-listings.ts).
  const window = Math.max(64, workers * 4);
  const retain = 2 * (pageSize + siteIds.length) + window;
  const prefetch = ctx.openCases ? undefined : new OpenCasePrefetch(ctx.db, [], { window, retain });
  const readSlots = new ReadSlots(concurrency);
  const crawlCtx: CheckContext = {
    ...ctx,
    readSlots,
    fetchOptions: { ...ctx.fetchOptions, gate },
    observationBatch: ctx.observationBatch ?? batch,
    openCases: ctx.openCases ?? prefetch,
    ...(siteHealth ? { siteHealth } : {}),
  };
  const summary = emptySummary();
  const unsubscribe = siteHealth?.onChange((c) => {
    const s = siteOf.get(c.siteId);
    if (s) summary.healthChanges.push({ site: s.site.name, suppressed: c.suppressed, reason: c.reason });
  });
  // One listing at a time from the pages, shared by the workers (an async generator queues their
  // calls to next()): a sweep holds no task list as long as itself.
  const tasks = (async function* () {
    for await (const page of pageListings(ctx.db, siteIds, { pageSize })) {
      prefetch?.append(page.map((l) => l.id));
      yield* page;
    }
  })();
  const keepResults = opts.keepResults ?? true;
  const worker = async () => {
    // Each worker writes as a member of the batch's pool: once all of them wait on their rows, the
    // batch is written at once instead of after its timer (batch-observations.ts).
    const member = crawlCtx.observationBatch?.joinPool?.();
    const workerCtx: CheckContext = member ? { ...crawlCtx, observationBatch: member } : crawlCtx;
    try {
      await work(workerCtx);
    } finally {
      member?.leave();
    }
  };
  const work = async (checkCtx: CheckContext) => {
    for (let task = await tasks.next(); !task.done; task = await tasks.next()) {
      const l = task.value;
      const { site } = siteOf.get(l.siteId)!;
      // The read's place in line, taken with the task: reads start in task order (read-slots.ts).
      const turn = readSlots.take();
      let status: CrawlProgress['status'];
      try {
        // A listing added since the sweep began may be of a product whose rules are not loaded yet.
        const r = rules.get(l.productId) ?? (await loadMapRules(ctx.db, [l.productId])).get(l.productId);
        if (!r) throw new Error(`product ${l.productId} of listing ${l.id} is not in the database`);
        rules.set(l.productId, r);
        const sku = r.sku;
        const listing: SyncedListing & { siteId: number } = { ...l, sku };
        const checked = await checkListing(checkCtx, { site, listing, rules: r, readTurn: turn });
        delete checked.draft.html; // the summary must not pin every page in memory
        const result: CrawlResult = { ...checked, site: site.name, url: l.url, sku };
        if (keepResults) summary.results.push(result);
        opts.onResult?.(result);
        status = recordCheck(summary, checked);
      } catch (err) {
        // A database or programming error on one listing must not stop the others; it is reported at the end.
        status = 'failed';
        summary.failures.push({ site: site.name, url: l.url, message: (err as Error).message });
      } finally {
        turn.release(); // unused when the check failed before its read
      }
      summary.checked++;
      summary.byStatus[status] = (summary.byStatus[status] ?? 0) + 1;
      opts.onProgress?.({ done: summary.checked, total, site: site.name, url: l.url, status });
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await batch?.close();
    // The sweep's learning is in the database when it returns (`sites learn`, the next process).
    await flushLearning(ctx.db);
    // The last reads are judged before the crawl returns, so its summary has every change of health.
    try {
      await (ownHealth ? ownHealth.close() : siteHealth?.flush());
    } catch (err) {
      summary.failures.push({ site: '(site health)', url: '', message: (err as Error).message });
    } finally {
      unsubscribe?.();
    }
  }
  return summary;
}
