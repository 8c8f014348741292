/**
 * Read side of discovery: the pages waiting for review (with the suggested product and why
 * it is not confident), for the CLI, the review app's /discovered page and its API; and the
 * listing changes (new, moved, gone) not yet reported to ops, for the ops alert.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';

export interface ReviewItem {
  id: number;
  site: string;
  url: string;
  /** Where the page really is (a redirect or its canonical URL), when that differs from `url`. */
  finalUrl: string | null;
  source: string;
  firstSeenAt: Date;
  pageName: string | null;
  pageBrand: string | null;
  pageGtin: string | null;
  pageMpn: string | null;
  sku: string | null;
  productName: string | null;
  productBrand: string | null;
  productGtin: string | null;
  productMpn: string | null;
  method: string | null;
  confidence: number | null;
  reason: string | null;
}

/** Discovered pages with their site and (suggested or matched) product. */
function pagesWithProduct(db: Kysely<Database>) {
  return db
    .selectFrom('discovered_pages as d')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .leftJoin('products as p', 'p.id', 'd.product_id');
}

function reviewQuery(db: Kysely<Database>, site: string | undefined) {
  let q = pagesWithProduct(db)
    .select([
      'd.id',
      's.name as site',
      'd.url',
      'd.final_url',
      'd.source',
      'd.first_seen_at',
      'd.page_name',
      'd.page_brand',
      'd.page_gtin',
      'd.page_mpn',
      'p.sku',
      'p.name as product_name',
      'p.brand as product_brand',
      'p.gtin as product_gtin',
      'p.mpn as product_mpn',
      'd.match_method',
      'd.confidence',
      'd.reason',
    ])
    .where('d.state', '=', 'review')
    // Most confident first (quickest to confirm); a review match always has a confidence.
    .orderBy('d.confidence', 'desc')
    .orderBy('d.id');
  if (site) q = q.where('s.name', '=', site);
  return q;
}

type ReviewRow = Awaited<ReturnType<ReturnType<typeof reviewQuery>['execute']>>[number];

function toItem(r: ReviewRow): ReviewItem {
  return {
    id: r.id,
    site: r.site,
    url: r.url,
    finalUrl: r.final_url && r.final_url !== r.url ? r.final_url : null,
    source: r.source,
    firstSeenAt: r.first_seen_at,
    pageName: r.page_name,
    pageBrand: r.page_brand,
    pageGtin: r.page_gtin,
    pageMpn: r.page_mpn,
    sku: r.sku,
    productName: r.product_name,
    productBrand: r.product_brand,
    productGtin: r.product_gtin,
    productMpn: r.product_mpn,
    method: r.match_method,
    confidence: r.confidence === null ? null : Number(r.confidence),
    reason: r.reason,
  };
}

export async function listReviewItems(
  db: Kysely<Database>,
  o: { site?: string; limit?: number } = {},
): Promise<ReviewItem[]> {
  return (
    await reviewQuery(db, o.site)
      .limit(o.limit ?? 200)
      .execute()
  ).map(toItem);
}

/** One page of the review queue, for the app and the API (cursor: the last row's confidence and id). */
export async function listReviewPage(
  db: Kysely<Database>,
  o: { site?: string; limit: number; cursor?: string },
): Promise<CursorPage<ReviewItem>> {
  let q = reviewQuery(db, o.site);
  if (o.cursor) {
    const [c, id] = decodeCursor(o.cursor, 2);
    const conf = String(c ?? '0');
    const after = Number(id);
    q = q.where((eb) =>
      eb.or([eb('d.confidence', '<', conf), eb.and([eb('d.confidence', '=', conf), eb('d.id', '>', after)])]),
    );
  }
  const rows = (await q.limit(o.limit + 1).execute()).map(toItem);
  return toCursorPage(rows, o.limit, (r) => [r.confidence === null ? null : r.confidence.toFixed(3), r.id]);
}

export interface ListingChange {
  id: number;
  site: string;
  siteDomain: string;
  change: 'new' | 'moved' | 'gone';
  url: string;
  finalUrl: string | null;
  movedFrom: string | null;
  sku: string | null;
  productName: string | null;
  method: string | null;
  /** The discovery run that made the change; null when a person's review did. */
  runId: number | null;
  reviewedBy: string | null;
}

/**
 * Changes not reported yet, oldest first. `markReported` marks exactly the ones returned;
 * `lock` (inside a transaction) takes them with FOR UPDATE SKIP LOCKED, so two notifiers
 * running at once never report the same change twice. `settled`: only changes of runs that
 * are over (finished, or followed by a later run of the site: one that crashed never
 * finishes), and those a review made, so one run's changes are reported together.
 */
export async function listListingChanges(
  db: Kysely<Database>,
  o: { site?: string; markReported?: boolean; lock?: boolean; settled?: boolean; limit?: number } = {},
): Promise<ListingChange[]> {
  let q = pagesWithProduct(db)
    .select([
      'd.id',
      's.name as site',
      's.domain',
      'd.change',
      'd.url',
      'd.final_url',
      'd.moved_from',
      'p.sku',
      'p.name as product_name',
      'd.match_method',
      'd.change_run_id',
      'd.reviewed_by',
    ])
    .where('d.change', 'is not', null)
    .where('d.reported_at', 'is', null)
    .orderBy('d.id');
  if (o.site) q = q.where('s.name', '=', o.site);
  if (o.settled)
    q = q.where((eb) =>
      eb.or([
        eb('d.change_run_id', 'is', null),
        eb.exists(
          eb
            .selectFrom('discovery_runs as r')
            .select('r.id')
            .whereRef('r.id', '=', 'd.change_run_id')
            .where((e) =>
              e.or([
                e('r.finished_at', 'is not', null),
                e.exists(
                  e
                    .selectFrom('discovery_runs as later')
                    .select('later.id')
                    .whereRef('later.site_id', '=', 'r.site_id')
                    .whereRef('later.id', '>', 'r.id'),
                ),
              ]),
            ),
        ),
      ]),
    );
  if (o.limit) q = q.limit(o.limit);
  if (o.lock) q = q.forUpdate('d').skipLocked();
  const rows = await q.execute();
  if (o.markReported && rows.length)
    await db
      .updateTable('discovered_pages')
      .set({ reported_at: new Date() })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
  return rows.map((r) => ({
    id: r.id,
    site: r.site,
    siteDomain: r.domain,
    change: r.change!,
    url: r.url,
    finalUrl: r.final_url,
    movedFrom: r.moved_from,
    sku: r.sku,
    productName: r.product_name,
    method: r.match_method,
    runId: r.change_run_id,
    reviewedBy: r.reviewed_by,
  }));
}

export interface ReviewedItem {
  id: number;
  site: string;
  url: string;
  pageName: string | null;
  state: 'matched' | 'rejected';
  sku: string | null;
  listingId: number | null;
  reviewedBy: string;
  reviewedAt: Date;
}

/** The latest review decisions, newest first: who accepted or rejected what. */
export async function listRecentReviews(
  db: Kysely<Database>,
  o: { site?: string; limit?: number } = {},
): Promise<ReviewedItem[]> {
  let q = pagesWithProduct(db)
    .select([
      'd.id',
      's.name as site',
      'd.url',
      'd.page_name',
      'd.state',
      'p.sku',
      'd.listing_id',
      'd.reviewed_by',
      'd.reviewed_at',
    ])
    .where('d.reviewed_at', 'is not', null)
    .where('d.state', 'in', ['matched', 'rejected'])
    .orderBy('d.reviewed_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(o.limit ?? 20);
  if (o.site) q = q.where('s.name', '=', o.site);
  return (await q.execute()).map((r) => ({
    id: r.id,
    site: r.site,
    url: r.url,
    pageName: r.page_name,
    state: r.state as 'matched' | 'rejected',
    sku: r.sku,
    listingId: r.listing_id,
    reviewedBy: r.reviewed_by ?? '',
    reviewedAt: r.reviewed_at!,
  }));
}
