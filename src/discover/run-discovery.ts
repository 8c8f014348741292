/**
 * One discovery run for one site: collect candidate URLs from the site's sources, store them
 * (state `pending`), then read pending pages up to the run's budget, match each to the
 * catalog and record the outcome (record-discovered-page.ts). The page list lives in the
 * database, so a run that stops (a crash, the budget) is resumed by the next one: it reads
 * what is still pending first. Every request is polite: the site's rate limit through the
 * domain gate, its robots.txt, and the private-address guard, exactly as for a price read.
 */
import { sql } from 'kysely';
import type { LoadedSite } from '../config/load-sites.js';
import type { AppContext } from '../context.js';
import { type DomainGate, InProcessDomainGate } from '../fetch/domain-gate.js';
import { fetchPage, type FetchResult } from '../fetch/fetch-page.js';
import { collectSources } from './collect-sources.js';
import { Catalog, type CatalogProduct } from './match-product.js';
import { readDiscoveredPage } from './record-discovered-page.js';

export interface DiscoveryOptions {
  siteId: number;
  site: LoadedSite;
  /** Default: a gate of its own at the site's rate limit. */
  gate?: DomainGate;
  /** Overrides `discover.max_pages`. */
  maxPages?: number;
  signal?: AbortSignal;
}

export interface DiscoverySummary {
  site: string;
  runId: number;
  found: number;
  newUrls: number;
  requests: number;
  pagesRead: number;
  matched: number;
  review: number;
  unmatched: number;
  failed: number;
  gone: number;
  moved: number;
  pendingLeft: number;
  sourceProblems: string[];
  elapsedMs: number;
  /** Requests per second, and the most the site's rate limit allows. */
  rate: { requestsPerSecond: number; limitPerSecond: number };
}

export async function runDiscovery(
  ctx: Pick<AppContext, 'db' | 'fetchOptions' | 'fetcher'>,
  o: DiscoveryOptions,
): Promise<DiscoverySummary> {
  const cfg = o.site.config;
  const discover = cfg.discover;
  if (!discover) throw new Error(`site "${o.site.name}" has no discover: section`);
  const t0 = performance.now();
  const startedAt = new Date();
  const budget = o.maxPages ?? discover.max_pages;
  const gate = o.gate ?? ctx.fetchOptions.gate ?? new InProcessDomainGate();
  gate.configure(cfg.domain, { concurrency: cfg.rate_limit.concurrency, delayMs: cfg.rate_limit.delay_ms });
  const fetcher = ctx.fetcher ?? fetchPage;
  const fetch = (url: string, document: 'html' | 'data'): Promise<FetchResult> =>
    fetcher(url, {
      ...ctx.fetchOptions,
      gate,
      document,
      headers: { ...cfg.headers, ...ctx.fetchOptions.headers },
      userAgent: cfg.user_agent ?? ctx.fetchOptions.userAgent,
      respectRobots: cfg.respect_robots,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const origin = new URL(discover.base_url ?? `https://${cfg.domain}`).origin;

  const db = ctx.db;
  const { id: runId } = await db
    .insertInto('discovery_runs')
    .values({ site_id: o.siteId, started_at: startedAt, delay_ms: cfg.rate_limit.delay_ms })
    .returning('id')
    .executeTakeFirstOrThrow();
  const products: CatalogProduct[] = await db
    .selectFrom('products')
    .select(['id', 'sku', 'name', 'brand', 'gtin', 'mpn'])
    .orderBy('id')
    .execute();
  const catalog = new Catalog(products);

  const sources = await collectSources({
    site: cfg,
    discover,
    origin,
    fetch,
    products,
    searchBudget: budget,
  });
  let newUrls = 0;
  for (let i = 0; i < sources.urls.length; i += 500) {
    const slice = sources.urls.slice(i, i + 500);
    const inserted = await db
      .insertInto('discovered_pages')
      .values(slice.map((u) => ({ site_id: o.siteId, url: u.url, source: u.source, state: 'pending' as const })))
      .onConflict((oc) =>
        oc.columns(['site_id', 'url']).doUpdateSet({
          last_seen_at: startedAt,
          // A page that failed or was gone and is listed again gets another read.
          state: sql`case when discovered_pages.state in ('failed', 'gone') then 'pending' else discovered_pages.state end`,
        }),
      )
      .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
      .execute();
    newUrls += inserted.filter((r) => r.inserted).length;
  }
  if (sources.complete) {
    // Listings whose page no source lists any more are re-read: gone (404/410), moved, or still there.
    await db
      .updateTable('discovered_pages')
      .set({ state: 'pending' })
      .where('site_id', '=', o.siteId)
      .where('state', '=', 'matched')
      .where('last_seen_at', '<', startedAt)
      .execute();
  }

  const pending = await db
    .selectFrom('discovered_pages')
    .selectAll()
    .where('site_id', '=', o.siteId)
    .where('state', '=', 'pending')
    .orderBy('id')
    .limit(budget)
    .execute();
  const counts = { matched: 0, review: 0, unmatched: 0, failed: 0, gone: 0, moved: 0 };
  const readAll = async (rows: typeof pending) => {
    let next = 0;
    const worker = async () => {
      while (next < rows.length && !o.signal?.aborted) {
        const row = rows[next++]!;
        const res = await fetch(row.url, 'html');
        const outcome = await readDiscoveredPage(db, {
          row,
          res,
          site: o.site,
          catalog,
          reviewBelow: discover.review_below,
          runId,
        });
        counts[outcome.state === 'pending' ? 'failed' : outcome.state === 'rejected' ? 'unmatched' : outcome.state]++;
        if (outcome.moved) counts.moved++;
      }
    };
    await Promise.all(Array.from({ length: cfg.rate_limit.concurrency }, worker));
  };
  // Listings' pages first: a moved listing must follow its page before the new address is read
  // as a page of its own (else it would become a second listing of the same product).
  await readAll(pending.filter((r) => r.listing_id !== null));
  await readAll(pending.filter((r) => r.listing_id === null));

  const { n: pendingLeft } = await db
    .selectFrom('discovered_pages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('site_id', '=', o.siteId)
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  const requests = sources.requests + pending.length;
  const elapsedMs = Math.round(performance.now() - t0);
  await db
    .updateTable('discovery_runs')
    .set({
      finished_at: new Date(),
      requests,
      pages_read: pending.length,
      found: sources.urls.length,
      matched: counts.matched,
      review: counts.review,
      pending_left: Number(pendingLeft),
    })
    .where('id', '=', runId)
    .execute();
  return {
    site: o.site.name,
    runId,
    found: sources.urls.length,
    newUrls,
    requests,
    pagesRead: pending.length,
    ...counts,
    pendingLeft: Number(pendingLeft),
    sourceProblems: sources.problems,
    elapsedMs,
    rate: {
      requestsPerSecond: elapsedMs > 0 ? Math.round((requests / elapsedMs) * 1000 * 100) / 100 : 0,
      limitPerSecond:
        cfg.rate_limit.delay_ms > 0 ? (1000 / cfg.rate_limit.delay_ms) * cfg.rate_limit.concurrency : Infinity,
    },
  };
}
