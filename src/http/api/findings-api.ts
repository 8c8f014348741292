/** `/api/v1/findings` and `/api/v1/findings.csv`: findings grouped by seller (src/queries/list-finding-groups.ts). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { type FindingGroup, listFindingGroups } from '../../queries/list-finding-groups.js';
import { apiRoute } from './api-route.js';
import { allPages, isoDate, pageOfSchema, pagingQuery } from './list-query.js';
import { sendCsv, type CsvColumn } from './send-csv.js';

export const findingsFilter = z.object({
  kind: z.enum(['map_evasion', 'unauthorized_seller', 'grey_market']).optional(),
  q: z.string().trim().max(200).optional().describe('seller name contains'),
  site: z.string().max(200).optional(),
  reseller: z.string().max(200).optional(),
  days: z.coerce.number().int().min(1).max(3650).optional().describe('only sellers seen in the last N days'),
});
export type FindingsFilter = z.output<typeof findingsFilter>;

export const findingGroupSchema = z.object({
  kind: z.enum(['map_evasion', 'unauthorized_seller', 'grey_market']),
  seller: z.string(),
  listings: z.number().int(),
  reads: z.number().int(),
  belowMapListings: z.number().int(),
  lowestAmount: z.string().nullable(),
  currency: z.string().nullable(),
  sites: z.array(z.string()),
  resellers: z.array(z.string()),
  firstSeenAt: isoDate,
  lastSeenAt: isoDate,
  latest: z.object({
    observationId: z.number().int(),
    url: z.string(),
    site: z.string(),
    sku: z.string(),
    evidenceId: z.number().int().nullable(),
  }),
  evidence: z
    .object({
      id: z.number().int(),
      manifestSha256: z.string().describe("the evidence manifest's SHA-256: its link in the hash chain"),
      pageSha256: z.string().nullable().describe('SHA-256 of the stored page HTML'),
      capturedAt: isoDate,
      observationId: z.number().int().describe("the read captured (the day's first that showed the seller)"),
      caseId: z.number().int().nullable().describe('set when the read was kept as a case’s evidence'),
      screenshot: z.boolean(),
      warc: z.boolean(),
    })
    .nullable()
    .describe(
      'the stored page proving the latest finding; files at /evidence/{id}/page.html|screenshot.png|capture.warc (evidence:export)',
    ),
  signals: z.array(z.string()).describe("grey_market: the latest read's signals, in words"),
  storefrontUrl: z.string().nullable().describe("unauthorized_seller: the seller's storefront, when the page links it"),
  group: z.string().nullable().describe('unauthorized_seller: the seller group the storefront belongs to'),
});

export function findingsQuery(db: AppContext['db'], f: FindingsFilter, limit: number, cursor?: string) {
  return listFindingGroups(db, {
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.q ? { q: f.q } : {}),
    ...(f.site ? { site: f.site } : {}),
    ...(f.reseller ? { reseller: f.reseller } : {}),
    ...(f.days ? { since: new Date(Date.now() - f.days * 86_400_000) } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  });
}

export const FINDING_CSV: CsvColumn<FindingGroup>[] = [
  { header: 'kind', value: (r) => r.kind },
  { header: 'seller', value: (r) => r.seller },
  { header: 'listings', value: (r) => r.listings },
  { header: 'reads', value: (r) => r.reads },
  { header: 'below_map_listings', value: (r) => r.belowMapListings },
  { header: 'lowest_amount', value: (r) => r.lowestAmount },
  { header: 'currency', value: (r) => r.currency },
  { header: 'sites', value: (r) => r.sites.join(' ') },
  { header: 'resellers', value: (r) => r.resellers.join('; ') },
  { header: 'first_seen_at', value: (r) => r.firstSeenAt },
  { header: 'last_seen_at', value: (r) => r.lastSeenAt },
  { header: 'signals', value: (r) => r.signals.join('; ') },
  { header: 'storefront_url', value: (r) => r.storefrontUrl },
  { header: 'seller_group', value: (r) => r.group },
  { header: 'latest_url', value: (r) => r.latest.url },
  { header: 'latest_observation_id', value: (r) => r.latest.observationId },
  { header: 'latest_evidence_id', value: (r) => r.latest.evidenceId },
  { header: 'evidence_manifest_sha256', value: (r) => r.evidence?.manifestSha256 ?? null },
  { header: 'evidence_page_sha256', value: (r) => r.evidence?.pageSha256 ?? null },
  { header: 'evidence_captured_at', value: (r) => r.evidence?.capturedAt ?? null },
];

export function findingsApi(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  apiRoute(
    router,
    {
      method: 'get',
      path: '/findings',
      summary: 'List findings grouped by seller',
      tag: 'findings',
      permission: 'read',
      query: findingsFilter.extend(pagingQuery),
      response: pageOfSchema(findingGroupSchema),
    },
    ({ query }) => findingsQuery(db, query, query.limit, query.cursor),
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/findings.csv',
      summary: 'Download findings grouped by seller as CSV',
      tag: 'findings',
      permission: 'read',
      query: findingsFilter,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      await sendCsv(res, {
        filename: 'findings.csv',
        columns: FINDING_CSV,
        rows: allPages((c) => findingsQuery(db, query, 500, c)),
      });
      return undefined;
    },
  );
  return router;
}
