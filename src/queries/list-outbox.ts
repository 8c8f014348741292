/** `mapwatch outbox`: what is queued, sent and failed, with each failure's error. */
import type { Kysely } from 'kysely';
import type { Database, OutboxKind, OutboxStatus } from '../db/tables.js';
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
