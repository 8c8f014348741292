/**
 * Each site's learned price locator as this process last read or wrote it (learn-price-locator.ts
 * asks for it on every read that got a price).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

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
const locatorCache = new WeakMap<Kysely<Database>, Map<number, { row: LocatorRow | undefined; at: number }>>();

function cacheOf(db: Kysely<Database>): Map<number, { row: LocatorRow | undefined; at: number }> {
  let m = locatorCache.get(db);
  if (!m) locatorCache.set(db, (m = new Map()));
  return m;
}

export async function siteLocator(db: Kysely<Database>, siteId: number): Promise<LocatorRow | undefined> {
  const hit = cacheOf(db).get(siteId);
  if (hit && Date.now() - hit.at < LOCATOR_CACHE_MS) return hit.row;
  const row = await db
    .selectFrom('price_locators')
    .select(['selector', 'misses', 'last_matched_at'])
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  cacheOf(db).set(siteId, { row, at: Date.now() });
  return row;
}

/** What this process just wrote: the cached row changes with it (its age is kept). */
export function wroteLocator(db: Kysely<Database>, siteId: number, row: LocatorRow): void {
  const hit = cacheOf(db).get(siteId);
  cacheOf(db).set(siteId, { row, at: hit?.at ?? Date.now() });
}
