/**
 * Each site's latest samples (SAMPLE_WINDOW of them) as this process knows them: what a site's
 * locator is derived from (learn-price-locator.ts). Read from the database once per site and
 * WINDOW_CACHE_MS, many sites per statement, then kept up to date by this process's own
 * learning reads, so a learning read needs no round trip (issue 15; the writes are batched,
 * write-learning.ts).
 *
 * Another worker's samples are seen when the window is next read (at most WINDOW_CACHE_MS
 * later). A locator is only a cross-check of the model, derived from samples that are each a
 * good read, so one worker deriving it from its own recent reads is as sound as from all.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

/** Samples (latest listing reads) a site's locator is derived from. */
export const SAMPLE_WINDOW = 10;
const WINDOW_CACHE_MS = 60_000;
/** Sites whose windows are kept; past it the oldest-read are dropped (read again when needed). */
const MAX_SITES = 5_000;

interface Sample {
  listingId: number;
  selectors: readonly string[];
  at: number;
}
interface Window {
  /** Newest first, at most SAMPLE_WINDOW, one per listing. */
  samples: Sample[];
  readAt: number;
}
interface Windows {
  sites: Map<number, Window>;
  loading: Map<number, Promise<void>>;
}
const windowsOf = new WeakMap<Kysely<Database>, Windows>();

function cacheOf(db: Kysely<Database>): Windows {
  let w = windowsOf.get(db);
  if (!w) windowsOf.set(db, (w = { sites: new Map(), loading: new Map() }));
  return w;
}

/** Reads the windows of many sites in one statement (a sweep, before its first read). */
export async function preloadSampleWindows(db: Kysely<Database>, siteIds: readonly number[]): Promise<void> {
  const ids = [...new Set(siteIds)];
  if (!ids.length) return;
  const cache = cacheOf(db);
  const read = (async () => {
    const { rows } = await sql<{ site_id: number; listing_id: number; selectors: unknown; at: Date | string }>`
      select site_id, listing_id, selectors, at from (
        select site_id, listing_id, selectors, at,
          row_number() over (partition by site_id order by at desc) as n
        from price_locator_samples where site_id = any(${ids}::int4[])
      ) s
      where n <= ${SAMPLE_WINDOW}
      order by site_id, at desc`.execute(db);
    const readAt = Date.now();
    const stored = new Map<number, Sample[]>(ids.map((id) => [id, []]));
    for (const r of rows)
      stored.get(r.site_id)?.push({
        listingId: r.listing_id,
        selectors: parseSelectors(r.selectors),
        at: new Date(r.at).getTime(),
      });
    for (const [id, samples] of stored) {
      // What this process kept meanwhile (its writes may still be queued) stays: merged, not replaced.
      const kept = cache.sites.get(id)?.samples ?? [];
      cache.sites.delete(id); // re-inserted last: the oldest-read sites are dropped first
      cache.sites.set(id, { samples: latest([...kept, ...samples]), readAt });
    }
    while (cache.sites.size > MAX_SITES) cache.sites.delete(cache.sites.keys().next().value!);
  })();
  for (const id of ids) cache.loading.set(id, read);
  try {
    await read;
  } finally {
    for (const id of ids) if (cache.loading.get(id) === read) cache.loading.delete(id);
  }
}

/**
 * Adds a listing's newest sample to its site's window and returns the window's selector lists,
 * newest first (this sample included when it is among the latest).
 */
export async function keepSampleInWindow(
  db: Kysely<Database>,
  s: { siteId: number; listingId: number; selectors: readonly string[]; at: Date },
): Promise<string[][]> {
  const cache = cacheOf(db);
  const known = cache.sites.get(s.siteId);
  if (!known || Date.now() - known.readAt >= WINDOW_CACHE_MS) {
    await (cache.loading.get(s.siteId) ?? preloadSampleWindows(db, [s.siteId]));
  }
  const w = cache.sites.get(s.siteId) ?? { samples: [], readAt: Date.now() };
  cache.sites.set(s.siteId, w);
  const others = w.samples.filter((x) => x.listingId !== s.listingId);
  w.samples = latest([...others, { listingId: s.listingId, selectors: s.selectors, at: s.at.getTime() }]);
  return w.samples.map((x) => [...x.selectors]);
}

/**
 * One sample per listing (its newest), newest first, at most SAMPLE_WINDOW: a sample older than
 * all SAMPLE_WINDOW others is kept in the database only.
 */
function latest(samples: readonly Sample[]): Sample[] {
  const byListing = new Map<number, Sample>();
  for (const x of samples) {
    const had = byListing.get(x.listingId);
    if (!had || x.at > had.at) byListing.set(x.listingId, x);
  }
  return [...byListing.values()].sort((a, b) => b.at - a.at).slice(0, SAMPLE_WINDOW);
}

/** jsonb comes back parsed from Postgres and as text from some drivers; both are handled. */
function parseSelectors(v: unknown): string[] {
  const a: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
}
