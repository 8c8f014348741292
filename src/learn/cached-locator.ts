/**
 * Each site's learned price locator as this process last read or wrote it (learn-price-locator.ts
 * asks for it on every read that got a price).
 */
import type { Kysely } from 'kysely';
import { selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { flushLearning } from './write-learning.js';

/**
 * Each site's locator as this process last read or wrote it, so a read does not ask the database
 * for it every time (issue 15: one statement on every check, a third of a static check's
 * database work). What this process learns is seen at once; what another worker learned, within
 * LOCATOR_CACHE_MS, as a suppression is (is-suppressed.ts). Misses are still counted in the
 * database by every miss; only the "no need to write the match again" shortcut reads them here.
 */
const LOCATOR_CACHE_MS = 5_000;
export interface LocatorRow {
  selector: string;
  misses: number;
  last_matched_at: Date | null;
}
interface Cached {
  row: LocatorRow | undefined;
  /** When the row was read from the database (its age; a write by this process keeps it). */
  at: number;
  /** The write by this process that set the row (a read that began earlier must not undo it). */
  wrote?: number;
}
interface SiteCache {
  rows: Map<number, Cached>;
  /** Reads in flight, by site. */
  loading: Map<number, Promise<void>>;
  writes: number;
}
const locatorCache = new WeakMap<Kysely<Database>, SiteCache>();

function cacheOf(db: Kysely<Database>): SiteCache {
  let m = locatorCache.get(db);
  if (!m) locatorCache.set(db, (m = { rows: new Map(), loading: new Map(), writes: 0 }));
  return m;
}

/** Sites read together with an expired one: those past half their age, so they expire together. */
const REFRESH_WITH = 1000;

export async function siteLocator(db: Kysely<Database>, siteId: number): Promise<LocatorRow | undefined> {
  const cache = cacheOf(db);
  const hit = cache.rows.get(siteId);
  if (hit && Date.now() - hit.at < LOCATOR_CACHE_MS) return hit.row;
  const loading = cache.loading.get(siteId);
  if (loading) await loading;
  else {
    // Every site this process reads ages alike, so the expired one is read with the others past
    // half their age: one statement every LOCATOR_CACHE_MS / 2 instead of one per site.
    const now = Date.now();
    const stale = [...cache.rows]
      .filter(([id, c]) => id !== siteId && now - c.at >= LOCATOR_CACHE_MS / 2 && !cache.loading.has(id))
      .slice(0, REFRESH_WITH)
      .map(([id]) => id);
    await preloadSiteLocators(db, [siteId, ...stale]);
  }
  return cache.rows.get(siteId)?.row;
}

/** What this process just wrote: the cached row changes with it (its age is kept). */
export function wroteLocator(db: Kysely<Database>, siteId: number, row: LocatorRow): void {
  const cache = cacheOf(db);
  const hit = cache.rows.get(siteId);
  cache.rows.set(siteId, { row, at: hit?.at ?? Date.now(), wrote: ++cache.writes });
}

/**
 * Reads the locators of many sites in one statement into the cache (a crawl, before its first
 * read, and siteLocator): one statement per site was a sixth of a first sweep's statements
 * (issue 15). A site without a locator is cached as such, for LOCATOR_CACHE_MS like any other
 * answer; a site this process wrote while the statement ran keeps what it wrote.
 */
export async function preloadSiteLocators(db: Kysely<Database>, siteIds: readonly number[]): Promise<void> {
  const ids = [...new Set(siteIds)];
  if (!ids.length) return;
  const cache = cacheOf(db);
  const at = Date.now();
  const writes = cache.writes;
  const read = (async () => {
    // What this process learned and still has queued is written first, so the rows read back
    // hold it; what it learns meanwhile is newer than `writes` and kept below.
    await flushLearning(db);
    const rows = await selectInChunks(ids, (slice) =>
      db
        .selectFrom('price_locators')
        .select(['site_id', 'selector', 'misses', 'last_matched_at'])
        .where('site_id', 'in', slice)
        .execute(),
    );
    const found = new Map(rows.map(({ site_id, ...row }) => [site_id, row]));
    for (const id of ids) {
      const wrote = cache.rows.get(id)?.wrote;
      if (wrote !== undefined && wrote > writes) continue;
      cache.rows.set(id, { row: found.get(id), at });
    }
  })();
  for (const id of ids) cache.loading.set(id, read);
  try {
    await read;
  } finally {
    for (const id of ids) if (cache.loading.get(id) === read) cache.loading.delete(id);
  }
}
