/**
 * `mapwatch crawl`: checks every listing of the given sites now, in this process, through
 * the same check pipeline as the queue workers (checkListing: re-check, evidence, findings,
 * site-health suppression and updates). Per-domain politeness comes from the gate (each
 * site's rate_limit); across domains, up to `concurrency` checks run at once.
 */
import { loadMapRules } from '../catalog/load-map-rules.js';
import { preloadSiteLocators } from '../learn/cached-locator.js';
import type { LoadedSite } from '../config/load-sites.js';
import { syncValidSites } from '../config/sync-sites.js';
import type { InputProblem } from '../errors.js';
import { type DomainGate, InProcessDomainGate } from '../fetch/domain-gate.js';
import type { ObservationStatus } from '../types.js';
import type { CheckContext } from './check-context.js';
import { SiteHealthBatch } from '../health/batch-site-health.js';
import { ObservationBatch, observationBatchFor } from './batch-observations.js';
import { type CheckResult, checkListing } from './check-listing.js';
import { OpenCasePrefetch } from './prefetch-open-cases.js';

export interface CrawlProgress {
  done: number;
  total: number;
  site: string;
  url: string;
  status: ObservationStatus | 'failed';
}

/** One listing's check, as crawlNow reports it (its page's HTML already dropped). */
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

export interface CrawlOptions {
  /** Default: one in-process gate for this crawl. */
  gate?: DomainGate;
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
}

/** Statuses that mean the page itself was read (fetched and parsed), whatever it showed. */
const READ_STATUSES: readonly string[] = ['ok', 'no_price', 'ambiguous'];

/** How many listings were read at all: neither blocked, nor an error, nor a failed check. */
export function listingsRead(summary: Pick<CrawlSummary, 'byStatus'>): number {
  return Object.entries(summary.byStatus)
    .filter(([status]) => READ_STATUSES.includes(status))
    .reduce((n, [, count]) => n + count, 0);
}

type SyncedSite = Awaited<ReturnType<typeof syncValidSites>>['synced'][number];

/** The sites' listings in round-robin order: the first listing of every site, then the second, … */
function* roundRobin(synced: readonly SyncedSite[]): Generator<{ s: SyncedSite; l: SyncedSite['listings'][number] }> {
  const longest = Math.max(0, ...synced.map((s) => s.listings.length));
  for (let i = 0; i < longest; i++) for (const s of synced) if (i < s.listings.length) yield { s, l: s.listings[i]! };
}

export async function crawlNow(
  ctx: CheckContext,
  sites: readonly LoadedSite[],
  opts: CrawlOptions = {},
): Promise<CrawlSummary> {
  // A config naming an unknown reseller or SKU is reported, and never stops the valid ones.
  const { synced, skipped } = await syncValidSites(ctx.db, sites);
  const rules = await loadMapRules(
    ctx.db,
    synced.flatMap((s) => s.listings.map((l) => l.productId)),
  );
  // Every site's learned price locator in one statement, not one per site on its first read.
  await preloadSiteLocators(
    ctx.db,
    synced.map((s) => s.id),
  );
  const gate = opts.gate ?? ctx.fetchOptions.gate ?? new InProcessDomainGate();
  for (const s of synced) {
    gate.configure(s.site.config.domain, {
      concurrency: s.site.config.rate_limit.concurrency,
      delayMs: s.site.config.rate_limit.delay_ms,
    });
  }
  // Round-robin across sites: in site order, every worker would queue on the first site's
  // politeness gate (1 in flight, 2 s apart by default) while the other domains sit idle.
  // Taken one at a time from a generator: a sweep holds no task list as long as itself.
  const total = synced.reduce((n, s) => n + s.listings.length, 0);
  const tasks = roundRobin(synced);
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, total));
  // Reads that change no case are written in batches sized to this crawl. A context's own batch
  // is used as it is (openApp sizes it from the process's concurrency).
  const batch = ctx.observationBatch ? undefined : new ObservationBatch(ctx.db, observationBatchFor(concurrency));
  // Site health is judged per batch of reads as well (batch-site-health.ts), the context's or this crawl's own.
  const ownHealth = ctx.health && !ctx.siteHealth ? new SiteHealthBatch(ctx.db, ctx.health) : undefined;
  const siteHealth = ctx.siteHealth ?? ownHealth;
  // Open cases are read for a window of tasks at once, in task order (prefetch-open-cases.ts):
  // four checks per worker, so a window is read about once per round of the workers.
  const openCases =
    ctx.openCases ??
    new OpenCasePrefetch(
      ctx.db,
      // The task order as listing ids only (a second pass of the same generator): a number per
      // listing, not a task object.
      Array.from(roundRobin(synced), (t) => t.l.id),
      { window: Math.max(64, concurrency * 4) },
    );
  const crawlCtx: CheckContext = {
    ...ctx,
    fetchOptions: { ...ctx.fetchOptions, gate },
    observationBatch: ctx.observationBatch ?? batch,
    openCases,
    ...(siteHealth ? { siteHealth } : {}),
  };
  const summary: CrawlSummary = {
    checked: 0,
    byStatus: {},
    cases: { opened: 0, updated: 0, resolved: 0, suppressed: 0, dismissed: 0 },
    failures: [],
    skipped,
    results: [],
    healthChanges: [],
  };
  const siteNames = new Map(synced.map((s) => [s.id, s.site.name]));
  const unsubscribe = siteHealth?.onChange((c) => {
    const site = siteNames.get(c.siteId);
    if (site) summary.healthChanges.push({ site, suppressed: c.suppressed, reason: c.reason });
  });
  const keepResults = opts.keepResults ?? true;
  const worker = async () => {
    for (let task = tasks.next(); !task.done; task = tasks.next()) {
      const { s, l } = task.value;
      let status: CrawlProgress['status'];
      try {
        const r = await checkListing(crawlCtx, {
          site: s.site,
          listing: { ...l, siteId: s.id },
          rules: rules.get(l.productId)!,
        });
        delete r.draft.html; // the summary must not pin every page in memory
        const result: CrawlResult = { ...r, site: s.site.name, url: l.url, sku: l.sku };
        if (keepResults) summary.results.push(result);
        opts.onResult?.(result);
        status = r.draft.status;
        if (r.outcome.action !== 'none' && r.outcome.action !== 'logged') summary.cases[r.outcome.action]++;
      } catch (err) {
        // A database or programming error on one listing must not stop the others; it is reported at the end.
        status = 'failed';
        summary.failures.push({ site: s.site.name, url: l.url, message: (err as Error).message });
      }
      summary.checked++;
      summary.byStatus[status] = (summary.byStatus[status] ?? 0) + 1;
      opts.onProgress?.({ done: summary.checked, total, site: s.site.name, url: l.url, status });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await batch?.close();
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
