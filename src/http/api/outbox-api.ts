/** `/api/v1/outbox`, `/api/v1/outbox.csv` and `POST /api/v1/outbox/:id/retry` (src/notify/retry-outbox.ts). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { retryOutbox } from '../../notify/retry-outbox.js';
import { listOutboxPage, type OutboxPageEntry } from '../../queries/list-outbox.js';
import { actorOf } from '../auth/auth-user.js';
import { apiRoute } from './api-route.js';
import { allPages, isoDate, pageOfSchema, pagingQuery } from './list-query.js';
import { sendCsv, type CsvColumn } from './send-csv.js';

const STATUSES = ['pending', 'sending', 'sent', 'failed', 'unconfirmed'] as const;
export const OUTBOX_KINDS = ['alert', 'digest', 'notice', 'site_alert', 'weekly_report', 'listing_changes'] as const;
const KINDS = OUTBOX_KINDS;

export const outboxFilter = z.object({
  status: z
    .union([z.enum(STATUSES), z.array(z.enum(STATUSES))])
    .optional()
    .describe('one status, or several (status=failed&status=unconfirmed)'),
  kind: z.enum(KINDS).optional(),
  case: z.coerce.number().int().min(1).optional().describe('messages about this case'),
});
export type OutboxFilter = z.output<typeof outboxFilter>;

const outboxSchema = z.object({
  id: z.number().int(),
  kind: z.enum(KINDS),
  status: z.enum(STATUSES),
  to: z.string(),
  subject: z.string(),
  caseId: z.number().int().nullable(),
  attempts: z.number().int(),
  nextAttemptAt: isoDate,
  sentAt: isoDate.nullable(),
  lastError: z.string().nullable(),
  messageId: z.string(),
  createdAt: isoDate,
  retriedBy: z.string().nullable(),
  retriedAt: isoDate.nullable(),
  retryable: z.boolean(),
});

export function outboxQuery(db: AppContext['db'], f: OutboxFilter, limit: number, cursor?: string) {
  const status = f.status === undefined ? undefined : Array.isArray(f.status) ? f.status : [f.status];
  return listOutboxPage(db, {
    ...(status ? { status } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.case ? { caseId: f.case } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  });
}

export const OUTBOX_CSV: CsvColumn<OutboxPageEntry>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'kind', value: (r) => r.kind },
  { header: 'status', value: (r) => r.status },
  { header: 'to', value: (r) => r.to },
  { header: 'subject', value: (r) => r.subject },
  { header: 'case_id', value: (r) => r.caseId },
  { header: 'attempts', value: (r) => r.attempts },
  { header: 'created_at', value: (r) => r.createdAt },
  { header: 'sent_at', value: (r) => r.sentAt },
  { header: 'next_attempt_at', value: (r) => r.nextAttemptAt },
  { header: 'last_error', value: (r) => r.lastError },
  { header: 'retried_by', value: (r) => r.retriedBy },
  { header: 'retried_at', value: (r) => r.retriedAt },
  { header: 'message_id', value: (r) => r.messageId },
];

export function outboxApi(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  apiRoute(
    router,
    {
      method: 'get',
      path: '/outbox',
      summary: 'List outbox messages (queued, sent, failed, unconfirmed)',
      tag: 'outbox',
      permission: 'read',
      query: outboxFilter.extend(pagingQuery),
      response: pageOfSchema(outboxSchema),
    },
    ({ query }) => outboxQuery(db, query, query.limit, query.cursor),
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/outbox.csv',
      summary: 'Download outbox messages as CSV',
      tag: 'outbox',
      permission: 'read',
      query: outboxFilter,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      await sendCsv(res, {
        filename: 'outbox.csv',
        columns: OUTBOX_CSV,
        rows: allPages((c) => outboxQuery(db, query, 500, c)),
      });
      return undefined;
    },
  );
  apiRoute(
    router,
    {
      method: 'post',
      path: '/outbox/:id/retry',
      summary: 'Retry a failed or unconfirmed message',
      tag: 'outbox',
      permission: 'outbox:act',
      params: z.object({ id: z.coerce.number().int().min(1) }),
      response: z.object({ ok: z.literal(true), id: z.number().int(), status: z.literal('pending') }),
    },
    async ({ params, user }) => {
      await retryOutbox(db, params.id, { actor: actorOf(user) });
      return { ok: true as const, id: params.id, status: 'pending' as const };
    },
  );
  return router;
}
