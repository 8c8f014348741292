/**
 * `mapwatch crawl`: checks every listing of the given sites now, in this process.
 * Per-domain politeness comes from the gate (each site's rate_limit); across domains,
 * up to `concurrency` checks run at once.
 */
import type { Kysely } from 'kysely';
import { loadMapRules } from '../catalog/load-map-rules.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { ComparePolicy } from '../config/policy.js';
import { syncSites } from '../config/sync-sites.js';
import type { Database } from '../db/tables.js';
import { type DomainGate, InProcessDomainGate } from '../fetch/domain-gate.js';
import type { FetchOptions } from '../fetch/fetch-page.js';
import type { ObservationStatus } from '../types.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import { BrowserPool } from '../fetch/browser/browser-pool.js';
import { type CheckResult, checkListing } from './check-listing.js';
import type { PipelineContext } from './check-context.js';

export interface CrawlProgress {
  done: number;
  total: number;
  site: string;
  url: string;
  status: ObservationStatus | 'failed';
}

export interface CrawlSummary {
  checked: number;
  byStatus: Record<string, number>;
  cases: { opened: number; updated: number; resolved: number; suppressed: number };
  failures: { site: string; url: string; message: string }[];
  results: (CheckResult & { site: string; url: string; sku: string })[];
}

export interface CrawlOptions extends Pick<PipelineContext, 'onCaseChange' | 'isSuppressed' | 'fetcher'> {
  policy: ComparePolicy;
  fetchOptions: Omit<FetchOptions, 'gate'>;
  gate?: DomainGate;
  concurrency?: number;
  onProgress?: (p: CrawlProgress) => void;
  /** Chromium pool; default: one started on demand when a Chromium is found (closed at the end). false: none. */
  browser?: BrowserPool | false;
  /** Evidence files go here (the CLI passes `<data dir>/evidence`); absent: no evidence. */
  evidence?: EvidenceStore;
  recheckDelayMs?: number;
}

/** A pool only launches Chromium on first use, so making one for a static-only crawl costs nothing. */
function defaultPool(): BrowserPool | undefined {
  try {
    return new BrowserPool();
  } catch {
    return undefined; // no Chromium: browser sites are recorded as `error` with the reason
  }
}

export async function crawlNow(
  db: Kysely<Database>,
  sites: readonly LoadedSite[],
  opts: CrawlOptions,
): Promise<CrawlSummary> {
  const synced = await syncSites(db, sites);
  const rules = await loadMapRules(
    db,
    synced.flatMap((s) => s.listings.map((l) => l.productId)),
  );
  const gate = opts.gate ?? new InProcessDomainGate();
  for (const s of synced) {
    gate.configure(s.site.config.domain, {
      concurrency: s.site.config.rate_limit.concurrency,
      delayMs: s.site.config.rate_limit.delay_ms,
    });
  }
  const ownPool = opts.browser === undefined ? defaultPool() : undefined;
  const ctx: PipelineContext = {
    db,
    policy: opts.policy,
    fetchOptions: { ...opts.fetchOptions, gate },
    fetcher: opts.fetcher,
    onCaseChange: opts.onCaseChange,
    isSuppressed: opts.isSuppressed,
    browser: ownPool ?? (opts.browser || undefined),
    evidence: opts.evidence,
    recheckDelayMs: opts.recheckDelayMs,
  };
  // Round-robin across sites: in site order, every worker would queue on the first site's
  // politeness gate (1 in flight, 2 s apart by default) while the other domains sit idle.
  const tasks = Array.from({ length: Math.max(0, ...synced.map((s) => s.listings.length)) }, (_, i) =>
    synced.flatMap((s) => (i < s.listings.length ? [{ s, l: s.listings[i]! }] : [])),
  ).flat();
  const summary: CrawlSummary = {
    checked: 0,
    byStatus: {},
    cases: { opened: 0, updated: 0, resolved: 0, suppressed: 0 },
    failures: [],
    results: [],
  };
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const { s, l } = tasks[next++]!;
      let status: CrawlProgress['status'];
      try {
        const r = await checkListing(ctx, {
          site: s.site,
          listing: { ...l, siteId: s.id },
          rules: rules.get(l.productId)!,
        });
        delete r.draft.html; // the summary must not pin every page in memory
        summary.results.push({ ...r, site: s.site.name, url: l.url, sku: l.sku });
        status = r.draft.status;
        if (r.outcome.action !== 'none' && r.outcome.action !== 'logged') summary.cases[r.outcome.action]++;
      } catch (err) {
        // A database or programming error on one listing must not stop the others; it is reported at the end.
        status = 'failed';
        summary.failures.push({ site: s.site.name, url: l.url, message: (err as Error).message });
      }
      summary.checked++;
      summary.byStatus[status] = (summary.byStatus[status] ?? 0) + 1;
      opts.onProgress?.({ done: summary.checked, total: tasks.length, site: s.site.name, url: l.url, status });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, tasks.length)) }, worker));
  } finally {
    await ownPool?.close();
  }
  return summary;
}
