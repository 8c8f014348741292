/**
 * `/api/v1/sites`, `/api/v1/sites.csv`, `/api/v1/sites/:name` (health, latest reads, config
 * problems) and `POST /api/v1/sites/:name/test` (extract a URL or a saved page with the
 * site's config: src/check/test-site-page.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { type SitePageTest, testSitePage } from '../../check/test-site-page.js';
import { checkSiteConfig } from '../../config/check-site-config.js';
import type { AppContext } from '../../context.js';
import { ConflictError, formatProblem, NotFoundError } from '../../errors.js';
import { FETCH_DEFAULTS } from '../../fetch/fetch-page.js';
import { SITE_HEALTH_STATES } from '../../health/site-health-state.js';
import { getSite } from '../../queries/get-site.js';
import { listSites, type SiteRow } from '../../queries/list-sites.js';
import { apiRoute } from './api-route.js';
import { allPages, flag, isoDate, pageOfSchema, pagingQuery } from './list-query.js';
import { sendCsv, type CsvColumn } from './send-csv.js';

export const sitesFilter = z.object({
  q: z.string().trim().max(200).optional().describe('name or domain contains'),
  reseller: z.string().max(200).optional(),
  state: z.enum(SITE_HEALTH_STATES).optional(),
  suppressed: flag,
});
export type SitesFilter = z.output<typeof sitesFilter>;

export const siteTestBody = z
  .object({
    url: z
      .string()
      .trim()
      .max(2000)
      .optional()
      .describe('a page on the site (fetched) or, with html, the page it was saved from'),
    html: z
      .string()
      .max(FETCH_DEFAULTS.maxBytes, `a saved page of at most ${FETCH_DEFAULTS.maxBytes} characters`)
      .optional()
      .describe('the HTML of a saved page'),
  })
  .refine((b) => Boolean(b.url) || Boolean(b.html), { message: 'give a url, or the html of a saved page' });

const healthSchema = z.object({
  state: z.enum(SITE_HEALTH_STATES),
  stateReason: z.string().nullable(),
  reads: z.number().int(),
  successRate: z.number().nullable(),
  blockedRate: z.number().nullable(),
  recheckTotal: z.number().int(),
  recheckDisagreed: z.number().int(),
  recheckDisagreementRate: z.number().nullable(),
  misreads: z.number().int().describe('reads reviewers marked "Wrong price?" in the health window'),
  lastGoodReadAt: isoDate.nullable(),
  suppressed: z.boolean(),
  since: isoDate.nullable(),
  reason: z.string().nullable(),
});

const siteSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  domain: z.string(),
  reseller: z.string(),
  resellerId: z.number().int(),
  listings: z.number().int(),
  lastReadAt: isoDate.nullable(),
  health: healthSchema,
});

const offerSchema = z.object({
  amount: z.string(),
  currency: z.string(),
  source: z.string(),
  name: z.string().optional(),
  sku: z.string().optional(),
  seller: z.string().optional(),
  availability: z.string().optional(),
  condition: z.string().optional(),
  raw: z.string().optional(),
});

const siteTestSchema = z.object({
  input: z.enum(['url', 'html']),
  url: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  httpStatus: z.number().int().nullable(),
  primary: offerSchema.nullable(),
  offers: z.array(offerSchema),
  ambiguous: z.boolean(),
  warnings: z.array(z.string()),
  why: z.array(z.string()),
  evasionPhrases: z.array(z.string()),
});

/** The API's view of a site: no config path or hash (server internals). */
function publicSite(s: SiteRow) {
  const { configPath: _p, configHash: _h, health, ...rest } = s;
  return {
    ...rest,
    health: {
      state: health.state,
      stateReason: health.stateReason,
      reads: health.reads,
      successRate: health.successRate,
      blockedRate: health.blockedRate,
      recheckTotal: health.recheckTotal,
      recheckDisagreed: health.recheckDisagreed,
      recheckDisagreementRate: health.recheckDisagreementRate,
      misreads: health.misreads,
      lastGoodReadAt: health.lastGoodReadAt,
      suppressed: health.suppressed,
      since: health.since,
      reason: health.reason,
    },
  };
}

export function sitesQuery(ctx: AppContext, f: SitesFilter, limit: number, cursor?: string) {
  return listSites(ctx.db, {
    ...(f.q ? { q: f.q } : {}),
    ...(f.reseller ? { reseller: f.reseller } : {}),
    ...(f.state ? { state: f.state } : {}),
    ...(f.suppressed !== undefined ? { suppressed: f.suppressed } : {}),
    ...(ctx.health ? { thresholds: ctx.health } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  });
}

/** Runs the page test with the site's config as it is on disk now. */
export async function runSiteTest(
  ctx: AppContext,
  name: string,
  input: { url?: string; html?: string },
): Promise<SitePageTest> {
  const row = await ctx.db
    .selectFrom('sites')
    .select(['name', 'config_path', 'config_hash'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`no site "${name}"`);
  const check = await checkSiteConfig(ctx.db, {
    name: row.name,
    configPath: row.config_path,
    configHash: row.config_hash,
  });
  if (!check.site)
    throw new ConflictError(
      `site "${name}": its config does not load: ${check.problems.map(formatProblem).join('; ')}`,
    );
  return testSitePage(ctx, {
    site: check.site,
    ...(input.url ? { url: input.url } : {}),
    ...(input.html ? { html: input.html } : {}),
  });
}

const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);

export const SITE_CSV: CsvColumn<SiteRow>[] = [
  { header: 'name', value: (r) => r.name },
  { header: 'domain', value: (r) => r.domain },
  { header: 'reseller', value: (r) => r.reseller },
  { header: 'listings', value: (r) => r.listings },
  { header: 'state', value: (r) => r.health.state },
  { header: 'state_reason', value: (r) => r.health.stateReason },
  { header: 'reads', value: (r) => r.health.reads },
  { header: 'extraction_pct', value: (r) => pct(r.health.successRate) },
  { header: 'blocked_pct', value: (r) => pct(r.health.blockedRate) },
  { header: 'rechecks', value: (r) => r.health.recheckTotal },
  { header: 'recheck_disagreed', value: (r) => r.health.recheckDisagreed },
  { header: 'misreads', value: (r) => r.health.misreads },
  { header: 'suppressed', value: (r) => r.health.suppressed },
  { header: 'last_good_read_at', value: (r) => r.health.lastGoodReadAt },
  { header: 'last_read_at', value: (r) => r.lastReadAt },
];

export function sitesApi(deps: { ctx: AppContext }): Router {
  const router = Router();
  const ctx = deps.ctx;
  apiRoute(
    router,
    {
      method: 'get',
      path: '/sites',
      summary: 'List sites with their health',
      tag: 'sites',
      permission: 'read',
      query: sitesFilter.extend(pagingQuery),
      response: pageOfSchema(siteSchema),
    },
    async ({ query }) => {
      const page = await sitesQuery(ctx, query, query.limit, query.cursor);
      return { items: page.items.map(publicSite), nextCursor: page.nextCursor };
    },
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/sites.csv',
      summary: 'Download sites with their health as CSV',
      tag: 'sites',
      permission: 'read',
      query: sitesFilter,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      await sendCsv(res, {
        filename: 'sites.csv',
        columns: SITE_CSV,
        rows: allPages((c) => sitesQuery(ctx, query, 200, c)),
      });
      return undefined;
    },
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/sites/:name',
      summary: 'Get one site with its latest reads and config problems',
      tag: 'sites',
      permission: 'read',
      params: z.object({ name: z.string().min(1).max(200) }),
      response: siteSchema.extend({
        render: z.string().nullable(),
        configProblems: z.array(
          z.object({
            file: z.string(),
            line: z.number().int().optional(),
            field: z.string().optional(),
            message: z.string(),
          }),
        ),
        configChangedSinceSync: z.boolean(),
        reads: z.array(
          z.object({
            observationId: z.number().int(),
            capturedAt: isoDate,
            sku: z.string(),
            url: z.string(),
            status: z.string(),
            reason: z.string().nullable(),
            amountMinor: z.number().int().nullable(),
            currency: z.string().nullable(),
            rawPriceText: z.string().nullable(),
            source: z.string().nullable(),
            verdict: z.string().nullable(),
            httpStatus: z.number().int().nullable(),
          }),
        ),
      }),
    },
    async ({ params }) => {
      const d = await getSite(ctx.db, params.name, ctx.health ? { thresholds: ctx.health } : {});
      const { reads, configProblems, configChangedSinceSync, render } = d;
      return { ...publicSite(d), render, configProblems, configChangedSinceSync, reads };
    },
  );
  apiRoute(
    router,
    {
      method: 'post',
      path: '/sites/:name/test',
      summary: 'Test the site config on a URL or a saved page',
      tag: 'sites',
      permission: 'sites:act',
      params: z.object({ name: z.string().min(1).max(200) }),
      body: siteTestBody,
      response: siteTestSchema,
    },
    ({ params, body }) => runSiteTest(ctx, params.name, body),
  );
  return router;
}
