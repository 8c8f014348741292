/**
 * /api/v1 for cases and observations: the same read models and case actions the pages use,
 * validated by zod (the OpenAPI document comes from these schemas), with cursor paging and
 * streamed CSV. Errors are `{ok:false, code, error}` with 400/401/403/404/409.
 */
import { Router } from 'express';
import { z } from 'zod';
import { actOnCases, BULK_ACTIONS } from '../../cases/act-on-cases.js';
import { assignCase } from '../../cases/assign-case.js';
import { commentOnCase } from '../../cases/comment-on-case.js';
import { dismissCase } from '../../cases/dismiss-case.js';
import { markMisread } from '../../cases/mark-misread.js';
import { reopenCase } from '../../cases/reopen-case.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { exportCaseBundle } from '../../evidence/export-bundle.js';
import { sealOptionsFromConfig } from '../../evidence/seal-from-config.js';
import { approveNextNotice } from '../../notify/approve-next-notice.js';
import { caseFilterSchema } from '../../queries/case-filter.js';
import { getCase } from '../../queries/get-case.js';
import { type CaseRow, listCasesAfter, walkCases } from '../../queries/list-cases.js';
import { listMisreads } from '../../queries/list-misreads.js';
import { listObservations, type ObservationRow } from '../../queries/list-observations.js';
import { actorOf } from '../auth/auth-user.js';
import { can } from '../auth/permissions.js';
import { type CaseRouteDeps, notifyConfigOf } from '../cases/case-deps.js';
import { apiRoute } from './api-route.js';
import { type CsvColumn, sendCsv } from './send-csv.js';

const idParams = z.object({ id: z.coerce.number().int().positive('must be a case number') });
const paging = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const caseListQuery = caseFilterSchema.extend(paging.shape);
const noteBody = z.object({ note: z.string().trim().min(3, 'say why (at least 3 characters)').max(2000) });

export const caseRowSchema = z.object({
  id: z.number(),
  status: z.enum(['open', 'notified', 'resolved', 'dismissed']),
  severity: z.string(),
  reseller: z.string(),
  resellerTier: z.string().nullable(),
  resellerRegion: z.string().nullable(),
  site: z.string(),
  sku: z.string(),
  product: z.string(),
  brand: z.string().nullable(),
  url: z.string(),
  currency: z.string(),
  mapMinor: z.number(),
  lowestMinor: z.number(),
  lastMinor: z.number(),
  percentBelow: z.number(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  observations: z.number(),
  note: z.string().nullable(),
  closedAt: z.string().nullable(),
  pageProductName: z.string().nullable(),
  seller: z.string().nullable(),
  assignee: z.string().nullable(),
});
const cursorPage = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const okResult = z.object({ ok: z.literal(true) }).catchall(z.unknown());

export const CASE_CSV: CsvColumn<CaseRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'status', value: (r) => r.status },
  { header: 'severity', value: (r) => r.severity },
  { header: 'reseller', value: (r) => r.reseller },
  { header: 'tier', value: (r) => r.resellerTier },
  { header: 'region', value: (r) => r.resellerRegion },
  { header: 'site', value: (r) => r.site },
  { header: 'seller', value: (r) => r.seller },
  { header: 'sku', value: (r) => r.sku },
  { header: 'product', value: (r) => r.product },
  { header: 'brand', value: (r) => r.brand },
  { header: 'url', value: (r) => r.url },
  { header: 'currency', value: (r) => r.currency },
  { header: 'map_minor', value: (r) => r.mapMinor },
  { header: 'lowest_minor', value: (r) => r.lowestMinor },
  { header: 'last_minor', value: (r) => r.lastMinor },
  { header: 'percent_below', value: (r) => r.percentBelow },
  { header: 'first_seen_at', value: (r) => r.firstSeenAt },
  { header: 'last_seen_at', value: (r) => r.lastSeenAt },
  { header: 'observations', value: (r) => r.observations },
  { header: 'assignee', value: (r) => r.assignee },
  { header: 'note', value: (r) => r.note },
  { header: 'closed_at', value: (r) => r.closedAt },
];

const OBSERVATION_CSV: CsvColumn<ObservationRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'listing_id', value: (r) => r.listingId },
  { header: 'captured_at', value: (r) => r.capturedAt },
  { header: 'status', value: (r) => r.status },
  { header: 'amount_minor', value: (r) => r.amountMinor },
  { header: 'currency', value: (r) => r.currency },
  { header: 'raw_price_text', value: (r) => r.rawPriceText },
  { header: 'source', value: (r) => r.source },
  { header: 'product_name', value: (r) => r.productName },
  { header: 'seller', value: (r) => r.seller },
  { header: 'verdict', value: (r) => r.verdict },
  { header: 'normalized_minor', value: (r) => r.normalizedMinor },
  { header: 'map_minor', value: (r) => r.mapMinor },
  { header: 'reason', value: (r) => r.reason },
];

export function casesApi(deps: CaseRouteDeps): Router {
  const r = Router();
  const { db } = deps.ctx;
  const notifyConfig = notifyConfigOf(deps);
  const severityOrder = deps.ctx.policy.severityOrder;
  const approve = (caseId: number, actor: ReturnType<typeof actorOf>) =>
    approveNextNotice(db, { caseId, cfg: notifyConfig(), actor });
  const listingOf = async (caseId: number) => {
    const c = await db.selectFrom('cases').select('listing_id').where('id', '=', caseId).executeTakeFirst();
    if (!c) throw new NotFoundError(`case #${caseId} does not exist`);
    return c.listing_id;
  };

  apiRoute(
    r,
    {
      method: 'get',
      path: '/cases',
      summary: 'List cases',
      tag: 'cases',
      permission: 'read',
      query: caseListQuery,
      response: cursorPage(caseRowSchema),
    },
    ({ query }) => listCasesAfter(db, { ...query, severityOrder }),
  );
  apiRoute(
    r,
    {
      method: 'get',
      path: '/cases.csv',
      summary: 'Download cases as CSV',
      tag: 'cases',
      permission: 'read',
      query: caseFilterSchema,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      await sendCsv(res, {
        filename: 'cases.csv',
        columns: CASE_CSV,
        rows: walkCases(db, { ...query, severityOrder }),
      });
    },
  );
  apiRoute(
    r,
    { method: 'get', path: '/cases/:id', summary: 'Get a case', tag: 'cases', permission: 'read', params: idParams },
    async ({ params }) => {
      const cfg = safeNotifyConfig(notifyConfig);
      return getCase(db, params.id, {
        store: deps.ctx.evidence,
        resetAfterDaysClean: cfg?.notices.reset_after_days_clean,
      });
    },
  );
  apiRoute(
    r,
    {
      method: 'get',
      path: '/cases/:id/observations',
      summary: "List a case's reads",
      tag: 'cases',
      permission: 'read',
      params: idParams,
      query: paging,
      response: cursorPage(z.object({ id: z.number() }).catchall(z.unknown())),
    },
    async ({ params, query }) => listObservations(db, { listingId: await listingOf(params.id), ...query }),
  );
  const observationsQuery = paging.extend({ listing: z.coerce.number().int().positive('must be a listing id') });
  apiRoute(
    r,
    {
      method: 'get',
      path: '/observations',
      summary: "List a listing's reads",
      tag: 'observations',
      permission: 'read',
      query: observationsQuery,
    },
    ({ query }) => listObservations(db, { listingId: query.listing, cursor: query.cursor, limit: query.limit }),
  );
  apiRoute(
    r,
    {
      method: 'get',
      path: '/observations.csv',
      summary: "Download a listing's reads as CSV",
      tag: 'observations',
      permission: 'read',
      query: observationsQuery.omit({ cursor: true, limit: true }),
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      async function* rows() {
        let cursor: string | undefined;
        do {
          const page = await listObservations(db, { listingId: query.listing, cursor, limit: 1000 });
          yield page.items;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      await sendCsv(res, { filename: `observations-${query.listing}.csv`, columns: OBSERVATION_CSV, rows: rows() });
    },
  );

  const action = <B extends z.ZodType>(
    name: string,
    summary: string,
    body: B,
    run: (caseId: number, body: z.output<B>, actor: ReturnType<typeof actorOf>) => Promise<object>,
    permission: 'cases:act' | 'notices:approve' = 'cases:act',
  ) =>
    apiRoute(
      r,
      { method: 'post', path: `/cases/:id/${name}`, summary, tag: 'cases', permission, params: idParams, body },
      async ({ params, body: b, user }) => ({
        ok: true,
        caseId: params.id,
        ...(await run(params.id, b, actorOf(user))),
      }),
    );
  action('dismiss', 'Dismiss a case', noteBody, async (caseId, b, actor) => {
    await dismissCase(db, caseId, b.note, { actor });
    return {};
  });
  action('reopen', 'Reopen a case', noteBody, async (caseId, b, actor) => {
    await reopenCase(db, { caseId, note: b.note, actor });
    return {};
  });
  action('assign', 'Assign a case', z.object({ assignee: z.string().trim().max(200).nullable() }), (caseId, b, actor) =>
    assignCase(db, { caseId, assignee: b.assignee, actor }),
  );
  action('comment', 'Comment on a case', z.object({ text: z.string().trim().min(1).max(5000) }), (caseId, b, actor) =>
    commentOnCase(db, { caseId, text: b.text, actor }),
  );
  action(
    'approve-notice',
    'Approve the next notice of a case',
    z.object({}).optional(),
    async (caseId, _b, actor) => {
      const a = await approve(caseId, actor);
      return { noticeId: a.noticeId, step: a.step, outboxId: a.outboxId, dueAt: a.dueAt, to: a.to };
    },
    'notices:approve',
  );
  action(
    'misread',
    'Mark a read as misread',
    z.object({
      observation_id: z.number().int().positive().optional(),
      price: z.string().trim().max(40).optional(),
      selector: z.string().trim().max(500).optional(),
      note: z.string().trim().max(2000).optional(),
    }),
    (caseId, b, actor) =>
      markMisread(db, {
        caseId,
        observationId: b.observation_id,
        correctPrice: b.price,
        selector: b.selector,
        note: b.note,
        actor,
      }),
  );

  apiRoute(
    r,
    {
      method: 'post',
      path: '/cases/bulk',
      summary: 'Dismiss, approve or assign many cases',
      tag: 'cases',
      permission: 'cases:act',
      body: z.object({
        action: z.enum(BULK_ACTIONS),
        case_ids: z.array(z.number().int().positive()).min(1).max(500),
        note: z.string().max(2000).optional(),
        assignee: z.string().max(200).nullable().optional(),
      }),
      response: z.object({ results: z.array(okResult.or(z.object({ ok: z.literal(false) }).catchall(z.unknown()))) }),
    },
    async ({ body, user }) => {
      if (body.action === 'approve' && !can(user.role, 'notices:approve'))
        throw new ForbiddenError(`the ${user.role} role may not approve notices`);
      const results = await actOnCases(db, {
        action: body.action,
        caseIds: body.case_ids,
        note: body.note,
        assignee: body.assignee,
        actor: actorOf(user),
        approve,
      });
      return { results };
    },
  );

  apiRoute(
    r,
    {
      method: 'get',
      path: '/misreads',
      summary: 'List reads marked as misread',
      tag: 'observations',
      permission: 'read',
      query: z.object({
        site: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
    async ({ query }) => ({
      items: await listMisreads(db, { siteId: query.site, limit: query.limit, offset: query.offset }),
    }),
  );

  apiRoute(
    r,
    {
      method: 'get',
      path: '/cases/:id/evidence.zip',
      summary: "Download a case's evidence bundle",
      tag: 'cases',
      permission: 'evidence:export',
      params: idParams,
      produces: 'application/zip',
    },
    async ({ params, res }) => {
      const bundle = await exportBundle(deps, params.id);
      res.setHeader('Content-Type', 'application/zip');
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="case-${params.id}-evidence${bundle.missing.length ? '-INCOMPLETE' : ''}.zip"`,
      );
      // A bundle with files the store lost must not pass for complete: say so in a header too.
      if (bundle.missing.length) res.setHeader('X-Evidence-Missing', String(bundle.missing.length));
      res.end(Buffer.from(bundle.zip));
    },
  );
  return r;
}

/** The case's evidence bundle; a case without a store or without evidence is a 404/409 with the reason. */
export async function exportBundle(deps: CaseRouteDeps, caseId: number) {
  const store = deps.ctx.evidence;
  if (!store) throw new ConflictError('evidence is not stored by this server (no evidence store configured)');
  const exists = await deps.ctx.db.selectFrom('cases').select('id').where('id', '=', caseId).executeTakeFirst();
  if (!exists) throw new NotFoundError(`case #${caseId} does not exist`);
  try {
    // Signed and timestamped like `mapwatch evidence export`, with this server's key and TSA.
    const seal = deps.ctx.config ? sealOptionsFromConfig(deps.ctx.config) : {};
    return await exportCaseBundle(deps.ctx.db, store, caseId, seal);
  } catch (err) {
    if ((err as { code?: string }).code === 'invalid_input') throw new NotFoundError((err as Error).message);
    throw err;
  }
}

/** The notify config if it loads; the case view still works without one (ladder level on the default reset). */
export function safeNotifyConfig(get: () => ReturnType<ReturnType<typeof notifyConfigOf>>) {
  try {
    return get();
  } catch {
    return undefined;
  }
}
