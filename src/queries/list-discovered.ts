/**
 * Read side of discovery: the pages waiting for review (with the suggested product and why
 * it is not confident), and the listing changes (new, moved, gone) not yet reported to ops.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export interface ReviewItem {
  id: number;
  site: string;
  url: string;
  pageName: string | null;
  pageBrand: string | null;
  pageGtin: string | null;
  pageMpn: string | null;
  sku: string | null;
  productName: string | null;
  method: string | null;
  confidence: number | null;
  reason: string | null;
}

export async function listReviewItems(
  db: Kysely<Database>,
  o: { site?: string; limit?: number } = {},
): Promise<ReviewItem[]> {
  let q = db
    .selectFrom('discovered_pages as d')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .leftJoin('products as p', 'p.id', 'd.product_id')
    .select([
      'd.id',
      's.name as site',
      'd.url',
      'd.page_name',
      'd.page_brand',
      'd.page_gtin',
      'd.page_mpn',
      'p.sku',
      'p.name as product_name',
      'd.match_method',
      'd.confidence',
      'd.reason',
    ])
    .where('d.state', '=', 'review')
    .orderBy('d.confidence', 'desc')
    .orderBy('d.id')
    .limit(o.limit ?? 200);
  if (o.site) q = q.where('s.name', '=', o.site);
  return (await q.execute()).map((r) => ({
    id: r.id,
    site: r.site,
    url: r.url,
    pageName: r.page_name,
    pageBrand: r.page_brand,
    pageGtin: r.page_gtin,
    pageMpn: r.page_mpn,
    sku: r.sku,
    productName: r.product_name,
    method: r.match_method,
    confidence: r.confidence === null ? null : Number(r.confidence),
    reason: r.reason,
  }));
}

export interface ListingChange {
  id: number;
  site: string;
  change: 'new' | 'moved' | 'gone';
  url: string;
  finalUrl: string | null;
  movedFrom: string | null;
  sku: string | null;
  method: string | null;
}

/** Changes not reported yet; `markReported` marks exactly the ones returned. */
export async function listListingChanges(
  db: Kysely<Database>,
  o: { site?: string; markReported?: boolean } = {},
): Promise<ListingChange[]> {
  let q = db
    .selectFrom('discovered_pages as d')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .leftJoin('products as p', 'p.id', 'd.product_id')
    .select(['d.id', 's.name as site', 'd.change', 'd.url', 'd.final_url', 'd.moved_from', 'p.sku', 'd.match_method'])
    .where('d.change', 'is not', null)
    .where('d.reported_at', 'is', null)
    .orderBy('d.id');
  if (o.site) q = q.where('s.name', '=', o.site);
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
    change: r.change!,
    url: r.url,
    finalUrl: r.final_url,
    movedFrom: r.moved_from,
    sku: r.sku,
    method: r.match_method,
  }));
}
