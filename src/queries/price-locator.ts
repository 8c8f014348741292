/** What per-site learning holds for one site: its price locator and the sample behind it (`sites learn`). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { NotFoundError } from '../errors.js';

export interface PriceLocatorView {
  site: string;
  siteId: number;
  /** Listings with a sampled good read (the locator needs them to share one selector). */
  sampledListings: number;
  locator: {
    selector: string;
    verifiedListings: number;
    learnedAt: Date;
    lastMatchedAt: Date | null;
    lastCheckedAt: Date | null;
    misses: number;
    lastMissReason: string | null;
  } | null;
}

export async function showPriceLocator(db: Kysely<Database>, siteName: string): Promise<PriceLocatorView> {
  const site = await db.selectFrom('sites').select(['id', 'name']).where('name', '=', siteName).executeTakeFirst();
  if (!site) {
    const known = await db.selectFrom('sites').select('name').orderBy('name').execute();
    throw new NotFoundError(
      `unknown site "${siteName}" (known: ${known.map((k) => k.name).join(', ') || 'none; run `mapwatch crawl` first'})`,
    );
  }
  const sampled = await db
    .selectFrom('price_locator_samples')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('site_id', '=', site.id)
    .executeTakeFirstOrThrow();
  const l = await db.selectFrom('price_locators').selectAll().where('site_id', '=', site.id).executeTakeFirst();
  return {
    site: site.name,
    siteId: site.id,
    sampledListings: Number(sampled.n),
    locator: l
      ? {
          selector: l.selector,
          verifiedListings: l.verified_listings,
          learnedAt: l.learned_at,
          lastMatchedAt: l.last_matched_at,
          lastCheckedAt: l.last_checked_at,
          misses: l.misses,
          lastMissReason: l.last_miss_reason,
        }
      : null,
  };
}
