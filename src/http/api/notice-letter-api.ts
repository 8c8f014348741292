/**
 * GET /api/v1/cases/:id/notice.pdf: the reseller-facing notice letter of a case, as it
 * would be attached to its notice now (notify/notice-pdf.ts). Rendered by the server's
 * Chromium on request; a case without evidence of a read below the MAP is a 404 saying so.
 */
import { Router } from 'express';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../errors.js';
import { noticePdf } from '../../notify/notice-pdf.js';
import { type CaseRouteDeps, notifyConfigOf } from '../cases/case-deps.js';
import { apiRoute } from './api-route.js';

const idParams = z.object({ id: z.coerce.number().int().positive('must be a case number') });

export function noticeLetterApi(deps: CaseRouteDeps): Router {
  const r = Router();
  const notifyConfig = notifyConfigOf(deps);
  apiRoute(
    r,
    {
      method: 'get',
      path: '/cases/:id/notice.pdf',
      summary: "Download a case's notice letter for the reseller (PDF)",
      tag: 'cases',
      permission: 'evidence:export',
      params: idParams,
      produces: 'application/pdf',
    },
    async ({ params, res }) => {
      const { db, evidence, browser } = deps.ctx;
      if (!evidence) throw new ConflictError('evidence is not stored by this server (no evidence store configured)');
      const exists = await db.selectFrom('cases').select('id').where('id', '=', params.id).executeTakeFirst();
      if (!exists) throw new NotFoundError(`case #${params.id} does not exist`);
      const letter = await noticePdf(db, params.id, {
        config: { ...notifyConfig(), evidenceStore: evidence },
        browser,
      });
      if (!letter)
        throw new NotFoundError(
          `case #${params.id} has no evidence of a read below the MAP with its screenshots intact, so there is no letter to show`,
        );
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', `attachment; filename="${letter.filename}"`);
      res.setHeader('Cache-Control', 'private, no-store');
      res.end(letter.pdf);
    },
  );
  return r;
}
