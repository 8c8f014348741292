/** `mapwatch outbox`: what is queued, sent and failed, with each failure's error. */
import type { Kysely } from 'kysely';
import type { Database, OutboxKind, OutboxStatus } from '../db/tables.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';
import { type PageRequest, pageOf } from './page.js';

export interface OutboxEntry {
  id: number;
  kind: OutboxKind;
  status: OutboxStatus;
  to: string;
  subject: string;
  caseId: number | null;
  attempts: number;
  nextAttemptAt: Date;
  sentAt: Date | null;
  lastError: string | null;
  messageId: string;
}

export async function listOutbox(
  db: Kysely<Database>,
  filter: { failed?: boolean } & PageRequest = {},
): Promise<OutboxEntry[]> {
  const page = pageOf(filter, 200);
  let q = db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset);
  if (filter.failed) q = q.where('status', 'in', ['failed', 'unconfirmed']);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    to: r.recipient,
    subject: r.subject,
    caseId: r.case_id,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    sentAt: r.sent_at,
    lastError: r.last_error,
    messageId: r.message_id,
  }));
}

export interface OutboxPageEntry extends OutboxEntry {
  createdAt: Date;
  retriedBy: string | null;
  retriedAt: Date | null;
  /** Failed and unconfirmed messages can be queued again (src/notify/retry-outbox.ts). */
  retryable: boolean;
}

/** The review app's Outbox page and `/api/v1/outbox`: newest first, filtered and cursor-paged in SQL. */
export async function listOutboxPage(
  db: Kysely<Database>,
  o: { status?: OutboxStatus[]; kind?: OutboxKind; caseId?: number; limit: number; cursor?: string },
): Promise<CursorPage<OutboxPageEntry>> {
  let q = db
    .selectFrom('outbox')
    .select([
      'id',
      'kind',
      'status',
      'recipient',
      'subject',
      'case_id',
      'attempts',
      'next_attempt_at',
      'sent_at',
      'last_error',
      'message_id',
      'created_at',
      'retried_by',
      'retried_at',
    ])
    .orderBy('id', 'desc')
    .limit(o.limit + 1);
  if (o.status?.length) q = q.where('status', 'in', o.status);
  if (o.kind) q = q.where('kind', '=', o.kind);
  if (o.caseId !== undefined) q = q.where('case_id', '=', o.caseId);
  if (o.cursor) q = q.where('id', '<', Number(decodeCursor(o.cursor, 1)[0]));
  const page = toCursorPage(await q.execute(), o.limit, (r) => [r.id]);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      to: r.recipient,
      subject: r.subject,
      caseId: r.case_id,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      sentAt: r.sent_at,
      lastError: r.last_error,
      messageId: r.message_id,
      createdAt: r.created_at,
      retriedBy: r.retried_by,
      retriedAt: r.retried_at,
      retryable: r.status === 'failed' || r.status === 'unconfirmed',
    })),
  };
}
