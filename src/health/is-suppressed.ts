/**
 * `PipelineContext.isSuppressed` from site health: a site whose extraction is broken
 * opens no new case. Cached briefly, since every violating read asks.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export function makeIsSuppressed(
  db: Kysely<Database>,
  opts: { cacheMs?: number } = {},
): (siteId: number) => Promise<boolean> {
  const cacheMs = opts.cacheMs ?? 5_000;
  const cache = new Map<number, { value: boolean; at: number }>();
  return async (siteId) => {
    const hit = cache.get(siteId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value;
    const row = await db
      .selectFrom('site_health')
      .select('suppressed')
      .where('site_id', '=', siteId)
      .executeTakeFirst();
    const value = row?.suppressed ?? false;
    cache.set(siteId, { value, at: Date.now() });
    return value;
  };
}
