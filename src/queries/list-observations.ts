/**
 * The reads of one listing, newest first, paged by cursor (the API and its CSV). Page text
 * (product name, seller, raw price text) is untrusted.
 */
import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Database, VerdictKind } from '../db/tables.js';
import { InvalidInputError } from '../errors.js';
import type { ObservationStatus } from '../types.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';
import { pageOf } from './page.js';

export interface ObservationRow {
  id: number;
  listingId: number;
  capturedAt: Date;
  status: ObservationStatus;
  reason: string | null;
  amountMinor: number | null;
  currency: string | null;
  rawPriceText: string | null;
  source: string | null;
  productName: string | null;
  seller: string | null;
  verdict: VerdictKind | null;
  normalizedMinor: number | null;
  mapMinor: number | null;
  httpStatus: number | null;
  finalUrl: string | null;
}

export async function listObservations(
  db: Kysely<Database>,
  o: { listingId: number; limit?: number; cursor?: string },
): Promise<CursorPage<ObservationRow>> {
  const { limit } = pageOf({ limit: o.limit }, 100);
  let q = db
    .selectFrom('observations')
    .select([
      'id',
      'listing_id',
      'captured_at',
      'status',
      'reason',
      'amount_minor',
      'currency',
      'raw_price_text',
      'extraction_source',
      'product_name',
      'seller',
      'verdict',
      'normalized_minor',
      'map_minor',
      'http_status',
      'final_url',
      sql<string>`captured_at::text`.as('k'),
    ])
    .where('listing_id', '=', o.listingId)
    .orderBy('captured_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (o.cursor) {
    const [at, id] = decodeCursor(o.cursor, 2);
    if (typeof at !== 'string' || typeof id !== 'number')
      throw new InvalidInputError('cursor: not a cursor this list gave out; start again without one');
    q = q.where(sql<SqlBool>`(captured_at, id) < (cast(${at} as timestamptz), ${id})`);
  }
  const rows = await q.execute();
  const page = toCursorPage(rows, limit, (r) => [r.k, Number(r.id)]);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => ({
      id: Number(r.id),
      listingId: r.listing_id,
      capturedAt: r.captured_at,
      status: r.status,
      reason: r.reason,
      amountMinor: r.amount_minor,
      currency: r.currency,
      rawPriceText: r.raw_price_text,
      source: r.extraction_source,
      productName: r.product_name,
      seller: r.seller,
      verdict: r.verdict,
      normalizedMinor: r.normalized_minor,
      mapMinor: r.map_minor,
      httpStatus: r.http_status,
      finalUrl: r.final_url,
    })),
  };
}
