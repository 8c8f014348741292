/**
 * The Cases pages and their form actions: /cases (list, filters, bulk form), /cases/:id,
 * /cases/:id/notice-preview, the POSTs (dismiss, reopen, assign, comment, misread,
 * approve-notice, bulk) and read screenshots at /observations/:id/screenshot. Forms are
 * urlencoded with the CSRF field (checked before they get here); success redirects (303)
 * back with a flash; a refused action (400/404/409) shows the case again with the reason.
 */
import { Router } from 'express';
import { z } from 'zod';
import { actOnCases, BULK_ACTIONS } from '../../cases/act-on-cases.js';
import { assignCase } from '../../cases/assign-case.js';
import { commentOnCase } from '../../cases/comment-on-case.js';
import { dismissCase } from '../../cases/dismiss-case.js';
import { markMisread } from '../../cases/mark-misread.js';
import { reopenCase } from '../../cases/reopen-case.js';
import { ForbiddenError, InvalidInputError, MapwatchError, NotFoundError } from '../../errors.js';
import { observationScreenshot } from '../../evidence/evidence-queries.js';
import { approveNextNotice } from '../../notify/approve-next-notice.js';
import { planNotice } from '../../notify/approve-notice.js';
import { caseFilterSchema } from '../../queries/case-filter.js';
import { caseFilterOptions } from '../../queries/case-filter-options.js';
import { getCase } from '../../queries/get-case.js';
import { countCasesForPage, listCases } from '../../queries/list-cases.js';
import { actorOf, type AuthUser } from '../auth/auth-user.js';
import { can } from '../auth/permissions.js';
import { safeNotifyConfig } from '../api/cases-api.js';
import { type CaseRouteDeps, notifyConfigOf } from '../cases/case-deps.js';
import { pageRoute } from './page-route.js';
import { renderCasePage } from './cases/case-page.js';
import { renderCasesList } from './cases/cases-list-page.js';
import { renderNoticePreview } from './cases/notice-preview-page.js';

export const PER_PAGE = 50;
const MAX_PAGE_NUMBER = 10_000;

const idParams = z.object({ id: z.coerce.number().int().positive() });
const listQuery = caseFilterSchema.extend({
  page: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(MAX_PAGE_NUMBER).default(1)),
  done: z.string().optional(),
  bulk: z.enum(BULK_ACTIONS).optional(),
  ok: z.coerce.number().int().min(0).optional(),
  failed: z.string().max(4000).optional(),
});

/** Fixed texts for the flash after a redirect: the URL names an outcome, never the words shown. */
const DONE: Record<string, string> = {
  dismissed: 'Case dismissed.',
  reopened: 'Case reopened.',
  assigned: 'Assignment saved.',
  commented: 'Comment added.',
  approved: 'Notice approved and queued.',
  misread: 'Read marked as misread; the case is dismissed as a misread.',
};
const BULK_DONE: Record<string, string> = { dismiss: 'dismissed', approve: 'approved', assign: 'assigned' };

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new InvalidInputError(
    r.error.issues.map((i) => `${where}${i.path.length ? ' ' + i.path.join('.') : ''}: ${i.message}`).join('; '),
  );
}

function bulkFlash(q: z.output<typeof listQuery>): string | undefined {
  if (!q.bulk) return undefined;
  const failed = (q.failed ?? '')
    .split(',')
    .map((x) => /^(\d+):([a-z_]+)$/.exec(x))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `#${m[1]} (${m[2]!.replace('_', ' ')})`);
  return `${q.ok ?? 0} case(s) ${BULK_DONE[q.bulk]}.${failed.length ? ` Not done: ${failed.join(', ')}.` : ''}`;
}

export function casesPages(deps: CaseRouteDeps): Router {
  const r = Router();
  const { db } = deps.ctx;
  const notifyConfig = notifyConfigOf(deps);
  const severityOrder = deps.ctx.policy.severityOrder;

  const showCase = async (user: AuthUser, caseId: number, flash?: string) => {
    const cfg = safeNotifyConfig(notifyConfig);
    const c = await getCase(db, caseId, {
      store: deps.ctx.evidence,
      resetAfterDaysClean: cfg?.notices.reset_after_days_clean,
    });
    return renderCasePage({ user, c, flash });
  };

  pageRoute(r, { path: '/cases', permission: 'read' }, async ({ user, req }) => {
    const q = parse(listQuery, req.query, 'filter');
    const { page, done, bulk, ok, failed, ...filter } = q;
    void [bulk, ok, failed];
    const f = { ...filter, severityOrder };
    const [rows, total, options] = await Promise.all([
      listCases(db, { ...f, limit: PER_PAGE, offset: (page - 1) * PER_PAGE }),
      countCasesForPage(db, f),
      caseFilterOptions(db),
    ]);
    return renderCasesList({
      user,
      filter,
      rows,
      total,
      page,
      perPage: PER_PAGE,
      severities: severityOrder,
      options,
      flash: (done && DONE[done]) || bulkFlash(q),
    });
  });

  pageRoute(r, { path: '/cases/:id', permission: 'read' }, async ({ user, req }) => {
    const { id } = parse(idParams, req.params, 'case');
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    return showCase(user, id, done);
  });

  pageRoute(r, { path: '/cases/:id/notice-preview', permission: 'notices:approve' }, async ({ user, req }) => {
    const { id } = parse(idParams, req.params, 'case');
    const exists = await db.selectFrom('cases').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw new NotFoundError(`case #${id} does not exist`);
    const plan = await planNotice(db, id, notifyConfig(), new Date());
    return renderNoticePreview({ user, caseId: id, plan });
  });

  /** A case form: run it, then 303 back with a flash; a refused action shows the case with the reason. */
  const caseForm = <B extends z.ZodType>(
    name: string,
    permission: 'cases:act' | 'notices:approve',
    body: B,
    run: (caseId: number, b: z.output<B>, user: AuthUser) => Promise<unknown>,
    done: keyof typeof DONE,
  ) =>
    pageRoute(r, { method: 'post', path: `/cases/:id/${name}`, permission }, async ({ user, req, res }) => {
      const { id } = parse(idParams, req.params, 'case');
      try {
        await run(id, parse(body, req.body ?? {}, 'form'), user);
      } catch (err) {
        if (!(err instanceof MapwatchError) || !['invalid_input', 'conflict'].includes(err.code)) throw err;
        res.status(err.httpStatus);
        return showCase(user, id, err.message);
      }
      res.redirect(303, `/cases/${id}?done=${done}`);
      return undefined;
    });
  const text = (max: number) => z.string().trim().max(max);
  caseForm(
    'dismiss',
    'cases:act',
    z.object({ note: text(2000) }),
    (id, b, u) => dismissCase(db, id, b.note, { actor: actorOf(u) }),
    'dismissed',
  );
  caseForm(
    'reopen',
    'cases:act',
    z.object({ note: text(2000) }),
    (id, b, u) => reopenCase(db, { caseId: id, note: b.note, actor: actorOf(u) }),
    'reopened',
  );
  caseForm(
    'assign',
    'cases:act',
    z.object({ assignee: text(200).default('') }),
    (id, b, u) => assignCase(db, { caseId: id, assignee: b.assignee, actor: actorOf(u) }),
    'assigned',
  );
  caseForm(
    'comment',
    'cases:act',
    z.object({ text: text(5000) }),
    (id, b, u) => commentOnCase(db, { caseId: id, text: b.text, actor: actorOf(u) }),
    'commented',
  );
  caseForm(
    'misread',
    'cases:act',
    z.object({
      observation_id: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()),
      price: text(40).optional(),
      selector: text(500).optional(),
      note: text(2000).optional(),
    }),
    (id, b, u) =>
      markMisread(db, {
        caseId: id,
        observationId: b.observation_id,
        correctPrice: b.price,
        selector: b.selector,
        note: b.note,
        actor: actorOf(u),
      }),
    'misread',
  );
  caseForm(
    'approve-notice',
    'notices:approve',
    z.object({}).loose(),
    (id, _b, u) => approveNextNotice(db, { caseId: id, cfg: notifyConfig(), actor: actorOf(u) }),
    'approved',
  );

  pageRoute(r, { method: 'post', path: '/cases/bulk', permission: 'cases:act' }, async ({ user, req, res }) => {
    const b = parse(
      z.object({
        action: z.enum(BULK_ACTIONS),
        case_id: z.preprocess(
          (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
          z.array(z.coerce.number().int().positive()).max(500),
        ),
        note: text(2000).optional(),
        assignee: text(200).optional(),
        back: z.string().max(4000).optional(),
      }),
      req.body ?? {},
      'form',
    );
    if (b.action === 'approve' && !can(user.role, 'notices:approve'))
      throw new ForbiddenError(`the ${user.role} role may not approve notices`);
    const results = await actOnCases(db, {
      action: b.action,
      caseIds: b.case_id,
      note: b.note,
      assignee: b.assignee,
      actor: actorOf(user),
      approve: (caseId, actor) => approveNextNotice(db, { caseId, cfg: notifyConfig(), actor }),
    });
    const back = new URL(backPath(b.back), 'http://x');
    back.searchParams.set('bulk', b.action);
    back.searchParams.set('ok', String(results.filter((x) => x.ok).length));
    const failed = results.flatMap((x) => (x.ok ? [] : [`${x.caseId}:${x.code}`]));
    if (failed.length) back.searchParams.set('failed', failed.join(','));
    else back.searchParams.delete('failed');
    res.redirect(303, back.pathname + back.search);
    return undefined;
  });

  // Screenshots come from the evidence store, only to signed-in users, only when they still match their hash.
  pageRoute(r, { path: '/observations/:id/screenshot', permission: 'read' }, async ({ req, res }) => {
    const { id } = parse(idParams, req.params, 'observation');
    const shot = deps.ctx.evidence ? await observationScreenshot(db, id, deps.ctx.evidence) : null;
    if (!shot) throw new NotFoundError(`observation ${id} has no screenshot`);
    res.setHeader('Content-Type', shot.mime);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('ETag', `"${shot.sha256}"`);
    res.end(shot.bytes);
    return undefined;
  });
  return r;
}

/** The list URL to go back to after a bulk action: only /cases with its query. */
function backPath(back: string | undefined): string {
  return back && /^\/cases(\?[^#]*)?$/.test(back) ? back : '/cases';
}
