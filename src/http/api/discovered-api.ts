/**
 * `/api/v1/discovered`, `/api/v1/discovered.csv` (pages discovery found whose match to the
 * catalog waits for a person, src/queries/list-discovered.ts) and
 * `POST /api/v1/discovered/:id/review` (accept: the page becomes a listing; reject). The
 * decision is the CLI's `mapwatch listings review` operation (src/discover/review-match.ts)
 * with the signed-in user as the actor, for ops and admin (`listings:review`).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { type ReviewResult, reviewMatch } from '../../discover/review-match.js';
import { listReviewPage, type ReviewItem } from '../../queries/list-discovered.js';
import { actorOf, type AuthUser } from '../auth/auth-user.js';
import { apiRoute } from './api-route.js';
import { allPages, isoDate, pageOfSchema, pagingQuery } from './list-query.js';
import { sendCsv, type CsvColumn } from './send-csv.js';

export const discoveredFilter = z.object({
  site: z.string().trim().max(200).optional().describe('only this site (its config name)'),
});
export type DiscoveredFilter = z.output<typeof discoveredFilter>;

const METHODS = ['gtin', 'mpn_brand', 'title'] as const;

const reviewItemSchema = z.object({
  id: z.number().int(),
  site: z.string(),
  url: z.string().describe('the candidate page as a source listed it'),
  finalUrl: z.string().nullable().describe('where the page really is (redirect or canonical), when elsewhere'),
  source: z.string().describe('sitemap, shopify, feed or search'),
  firstSeenAt: isoDate,
  pageName: z.string().nullable().describe('title as the page states it (crawled text: escape it)'),
  pageBrand: z.string().nullable(),
  pageGtin: z.string().nullable(),
  pageMpn: z.string().nullable(),
  sku: z.string().nullable().describe('the proposed catalog product'),
  productName: z.string().nullable(),
  productBrand: z.string().nullable(),
  productGtin: z.string().nullable(),
  productMpn: z.string().nullable(),
  method: z.enum(METHODS).nullable().describe('how it matched'),
  confidence: z.number().nullable().describe('0–1; below the site’s `discover.review_below`'),
  reason: z.string().nullable().describe('why it needs a person (contradictions, title only)'),
});

export const reviewBody = z.object({
  decision: z.enum(['accept', 'reject']).describe('accept: the page becomes a listing of the product'),
  sku: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((s) => s || undefined)
    .describe('accept as this catalog product instead of the proposed one'),
});

const reviewResultSchema = z.object({
  ok: z.literal(true),
  pageId: z.number().int(),
  state: z.enum(['matched', 'rejected']),
  listingId: z.number().int().nullable(),
  sku: z.string().nullable(),
});

export function discoveredQuery(db: AppContext['db'], f: DiscoveredFilter, limit: number, cursor?: string) {
  return listReviewPage(db, { ...(f.site ? { site: f.site } : {}), limit, ...(cursor ? { cursor } : {}) });
}

/** The one way the app and the API decide: the CLI's operation, the user as the actor. */
export function decideDiscovered(
  db: AppContext['db'],
  user: AuthUser,
  pageId: number,
  body: { decision: 'accept' | 'reject'; sku?: string | undefined },
): Promise<ReviewResult> {
  return reviewMatch(db, {
    pageId,
    decision: body.decision === 'accept' ? 'approve' : 'reject',
    actor: actorOf(user),
    ...(body.sku ? { sku: body.sku } : {}),
  });
}

const DISCOVERED_CSV: CsvColumn<ReviewItem>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'site', value: (r) => r.site },
  { header: 'url', value: (r) => r.url },
  { header: 'final_url', value: (r) => r.finalUrl },
  { header: 'source', value: (r) => r.source },
  { header: 'first_seen_at', value: (r) => r.firstSeenAt },
  { header: 'page_name', value: (r) => r.pageName },
  { header: 'page_brand', value: (r) => r.pageBrand },
  { header: 'page_gtin', value: (r) => r.pageGtin },
  { header: 'page_mpn', value: (r) => r.pageMpn },
  { header: 'sku', value: (r) => r.sku },
  { header: 'product_name', value: (r) => r.productName },
  { header: 'method', value: (r) => r.method },
  { header: 'confidence', value: (r) => r.confidence },
  { header: 'reason', value: (r) => r.reason },
];

export function discoveredApi(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  apiRoute(
    router,
    {
      method: 'get',
      path: '/discovered',
      summary: 'List discovered pages waiting for review (title-only matches and contradictions)',
      tag: 'discovery',
      permission: 'read',
      query: discoveredFilter.extend(pagingQuery),
      response: pageOfSchema(reviewItemSchema),
    },
    ({ query }) => discoveredQuery(db, query, query.limit, query.cursor),
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/discovered.csv',
      summary: 'Download discovered pages waiting for review as CSV',
      tag: 'discovery',
      permission: 'read',
      query: discoveredFilter,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      await sendCsv(res, {
        filename: 'discovered-review.csv',
        columns: DISCOVERED_CSV,
        rows: allPages((c) => discoveredQuery(db, query, 500, c)),
      });
      return undefined;
    },
  );
  apiRoute(
    router,
    {
      method: 'post',
      path: '/discovered/:id/review',
      summary: 'Accept a discovered page as a listing, or reject it',
      tag: 'discovery',
      permission: 'listings:review',
      params: z.object({ id: z.coerce.number().int().min(1) }),
      body: reviewBody,
      response: reviewResultSchema,
    },
    async ({ params, body, user }) => ({ ok: true as const, ...(await decideDiscovered(db, user, params.id, body)) }),
  );
  return router;
}
