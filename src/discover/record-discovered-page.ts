/**
 * What one read of a discovered page decides, written in one transaction:
 * - 404/410: the page is gone; its listing (if discovery made one) is deactivated and the
 *   change waits to be reported to ops. Other failures are `failed` and retried next run.
 * - a redirect or a canonical URL elsewhere on the site: the page moved; its listing follows
 *   it (the listing keeps its id and history), and the move is reported.
 * - otherwise the page is matched to the catalog: a confident match becomes a listing
 *   (`discovered`), a weaker one waits for review, no match is `unmatched`.
 */
import type { Kysely, Selectable } from 'kysely';
import type { LoadedSite } from '../config/load-sites.js';
import type { Database, DiscoveredPagesTable, DiscoveredState } from '../db/tables.js';
import type { FetchResult } from '../fetch/fetch-page.js';
import { onSiteDomain } from './collect-sources.js';
import { type Catalog, matchProduct } from './match-product.js';
import { readPageIdentity } from './read-page-identity.js';

export interface PageOutcome {
  state: DiscoveredState;
  moved: boolean;
}

export interface ReadPageInput {
  row: Selectable<DiscoveredPagesTable>;
  res: FetchResult;
  site: LoadedSite;
  catalog: Catalog;
  reviewBelow: number;
  /** The run reading the page: a change it makes names it, so ops get one alert per run. */
  runId: number;
}

export async function readDiscoveredPage(db: Kysely<Database>, i: ReadPageInput): Promise<PageOutcome> {
  const { row, res } = i;
  const at = res.fetchedAt;
  if (res.status !== 'ok' || res.body === undefined) {
    const gone = res.httpStatus === 404 || res.httpStatus === 410;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('discovered_pages')
        .set({
          state: gone ? 'gone' : 'failed',
          read_at: at,
          reason: (res.reason ?? res.status).slice(0, 500),
          ...(gone && row.listing_id ? { change: 'gone' as const, change_run_id: i.runId, reported_at: null } : {}),
        })
        .where('id', '=', row.id)
        .execute();
      if (gone && row.listing_id)
        await trx.updateTable('listings').set({ active: false }).where('id', '=', row.listing_id).execute();
    });
    return { state: gone ? 'gone' : 'failed', moved: false };
  }

  const page = readPageIdentity(res.body, res.finalUrl, i.site.config);
  const canonical = page.canonical && onSiteDomain(page.canonical, i.site.config.domain) ? page.canonical : undefined;
  const effective = canonical ?? res.finalUrl;
  const moved = effective !== row.url;
  // Moved since the last read: an old address re-read after a move (no source lists it any
  // more) still redirects, and that is the move ops were already told about, not a new one.
  const movedNow = moved && effective !== (row.final_url ?? row.url);
  const identity = {
    read_at: at,
    final_url: effective,
    page_gtin: page.gtin ?? null,
    page_mpn: page.mpn ?? null,
    page_brand: page.brand ?? null,
    page_name: page.name ?? null,
  };

  // A page that already made a listing: only its address can change.
  if (row.listing_id) {
    return db.transaction().execute(async (trx) => {
      let listingId: number | null = row.listing_id;
      if (movedNow) listingId = await moveListing(trx, row.listing_id!, effective);
      await trx
        .updateTable('discovered_pages')
        .set({
          ...identity,
          state: 'matched',
          reason: null,
          listing_id: listingId,
          ...(movedNow
            ? { change: 'moved' as const, moved_from: row.url, change_run_id: i.runId, reported_at: null }
            : {}),
        })
        .where('id', '=', row.id)
        .execute();
      return { state: 'matched' as const, moved: movedNow };
    });
  }

  const match = matchProduct(page, i.catalog);
  const state: DiscoveredState = !match ? 'unmatched' : match.confidence >= i.reviewBelow ? 'matched' : 'review';
  return db.transaction().execute(async (trx) => {
    let listing: { id: number; created: boolean } | null = null;
    if (state === 'matched')
      listing = await ensureListing(trx, { siteId: row.site_id, productId: match!.productId, url: effective });
    await trx
      .updateTable('discovered_pages')
      .set({
        ...identity,
        state,
        product_id: match?.productId ?? null,
        match_method: match?.method ?? null,
        confidence: match ? match.confidence.toFixed(3) : null,
        reason: match?.doubts.join('; ').slice(0, 1000) || null,
        listing_id: listing?.id ?? null,
        ...(listing?.created ? { change: 'new' as const, change_run_id: i.runId, reported_at: null } : {}),
        ...(moved && !listing?.created ? { moved_from: row.url } : {}),
      })
      .where('id', '=', row.id)
      .execute();
    return { state, moved: false };
  });
}

/** The discovered listing of a product at a URL: created, or the one there (re-activated). */
export async function ensureListing(
  trx: Kysely<Database>,
  o: { siteId: number; productId: number; url: string },
): Promise<{ id: number; created: boolean }> {
  const existing = await trx
    .selectFrom('listings')
    .select(['id', 'active'])
    .where('site_id', '=', o.siteId)
    .where('product_id', '=', o.productId)
    .where('url', '=', o.url)
    .executeTakeFirst();
  if (existing) {
    // An inactive one (a config dropped it) is discovery's now, or the next config sync would end it again.
    if (!existing.active)
      await trx.updateTable('listings').set({ active: true, discovered: true }).where('id', '=', existing.id).execute();
    return { id: existing.id, created: false };
  }
  const { id } = await trx
    .insertInto('listings')
    .values({ site_id: o.siteId, product_id: o.productId, url: o.url, discovered: true, active: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, created: true };
}

/** The listing follows its page; if the new address is already a listing of that product, that one is kept. */
async function moveListing(trx: Kysely<Database>, listingId: number, url: string): Promise<number> {
  const l = await trx
    .selectFrom('listings')
    .select(['site_id', 'product_id'])
    .where('id', '=', listingId)
    .executeTakeFirstOrThrow();
  const there = await trx
    .selectFrom('listings')
    .select('id')
    .where('site_id', '=', l.site_id)
    .where('product_id', '=', l.product_id)
    .where('url', '=', url)
    .executeTakeFirst();
  if (there) {
    await trx.updateTable('listings').set({ active: false }).where('id', '=', listingId).execute();
    await trx.updateTable('listings').set({ active: true }).where('id', '=', there.id).execute();
    return there.id;
  }
  await trx.updateTable('listings').set({ url }).where('id', '=', listingId).execute();
  return listingId;
}
