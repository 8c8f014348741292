/** `/api/v1/resellers`, `/api/v1/resellers/:id` and `/api/v1/resellers.csv` (src/queries/list-resellers.ts). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { getReseller } from '../../queries/get-reseller.js';
import { listResellers, type ResellerRow } from '../../queries/list-resellers.js';
import { loadNotifyConfig } from '../../notify/notify-config.js';
import { apiRoute } from './api-route.js';
import { allPages, flag, isoDate, pageOfSchema, pagingQuery } from './list-query.js';
import { sendCsv, type CsvColumn } from './send-csv.js';

export const resellersFilter = z.object({
  q: z.string().trim().max(200).optional().describe('name contains'),
  region: z.string().max(50).optional(),
  tier: z.string().max(50).optional(),
  authorized: flag,
});
export type ResellersFilter = z.output<typeof resellersFilter>;

export const resellerSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  tier: z.string().nullable(),
  region: z.string().nullable(),
  authorized: z.boolean(),
  sites: z.number().int(),
  openCases: z.number().int(),
  closedCases: z.number().int(),
  noticeLevel: z.number().int().describe('highest notice step approved or sent in the current episode'),
  comparedReads: z.number().int().describe('reads compared with MAP in the last 30 days'),
  compliantReads: z.number().int(),
  complianceRate: z.number().nullable(),
  lastViolationAt: isoDate.nullable(),
});

const resellerDetailSchema = resellerSchema.extend({
  contactEmail: z.string().nullable(),
  siteList: z.array(z.object({ name: z.string(), domain: z.string(), listings: z.number().int(), state: z.string() })),
  cases: z.array(
    z.object({
      id: z.number().int(),
      status: z.string(),
      severity: z.string(),
      site: z.string(),
      sku: z.string(),
      product: z.string(),
      url: z.string(),
      currency: z.string(),
      mapMinor: z.number().int(),
      lowestMinor: z.number().int(),
      lastSeenAt: isoDate,
    }),
  ),
  notices: z.array(
    z.object({
      id: z.number().int(),
      caseId: z.number().int(),
      step: z.number().int().nullable(),
      status: z.string(),
      at: isoDate,
      reason: z.string().nullable(),
    }),
  ),
});

/** The ladder's reset from the notify config; its default when there is none (or it is broken: the CLI reports that). */
export function ladderReset(): number {
  try {
    return loadNotifyConfig().notices.reset_after_days_clean;
  } catch {
    return 90;
  }
}

export function resellersQuery(db: AppContext['db'], f: ResellersFilter, limit: number, cursor?: string) {
  return listResellers(db, {
    ...(f.q ? { q: f.q } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.tier ? { tier: f.tier } : {}),
    ...(f.authorized !== undefined ? { authorized: f.authorized } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
    resetAfterDaysClean: ladderReset(),
  });
}

export const RESELLER_CSV: CsvColumn<ResellerRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'tier', value: (r) => r.tier },
  { header: 'region', value: (r) => r.region },
  { header: 'authorized', value: (r) => r.authorized },
  { header: 'sites', value: (r) => r.sites },
  { header: 'open_cases', value: (r) => r.openCases },
  { header: 'closed_cases', value: (r) => r.closedCases },
  { header: 'notice_level', value: (r) => r.noticeLevel },
  { header: 'compared_reads_30d', value: (r) => r.comparedReads },
  { header: 'compliant_reads_30d', value: (r) => r.compliantReads },
  { header: 'compliance_rate_30d', value: (r) => r.complianceRate },
  { header: 'last_violation_at', value: (r) => r.lastViolationAt },
];

export function resellersApi(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  apiRoute(
    router,
    {
      method: 'get',
      path: '/resellers',
      summary: 'List resellers with cases, notice level and compliance',
      tag: 'resellers',
      permission: 'read',
      query: resellersFilter.extend(pagingQuery),
      response: pageOfSchema(resellerSchema),
    },
    ({ query }) => resellersQuery(db, query, query.limit, query.cursor),
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/resellers.csv',
      summary: 'Download resellers as CSV',
      tag: 'resellers',
      permission: 'read',
      query: resellersFilter,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      await sendCsv(res, {
        filename: 'resellers.csv',
        columns: RESELLER_CSV,
        rows: allPages((c) => resellersQuery(db, query, 200, c)),
      });
      return undefined;
    },
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/resellers/:id',
      summary: 'Get one reseller with its sites, cases and notices',
      tag: 'resellers',
      permission: 'read',
      params: z.object({ id: z.coerce.number().int().min(1) }),
      response: resellerDetailSchema,
    },
    ({ params }) => getReseller(db, params.id, { resetAfterDaysClean: ladderReset() }),
  );
  return router;
}
