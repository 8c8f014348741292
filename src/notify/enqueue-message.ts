/**
 * Writes one email into the outbox, in the caller's transaction. The idempotency key
 * names the logical notification (e.g. `alert:case-12:high:anna@x`); enqueueing the same
 * key again is a no-op, so a retried job or a re-run never queues a second copy. The
 * Message-ID is derived from the key, so every send attempt carries the same one.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database, OutboxKind, OutboxStatus } from '../db/tables.js';

/** Parts loaded when the message is sent, so the outbox row stays small. */
export const attachmentSpec = z.discriminatedUnion('type', [
  z.object({ type: z.literal('screenshot'), caseId: z.number().int(), cid: z.string() }),
  // A small copy of the screenshot for digests (the evidence file itself is unchanged).
  z.object({ type: z.literal('thumbnail'), caseId: z.number().int(), cid: z.string() }),
  // The internal summary page; notices queued before the letter existed still carry it.
  z.object({ type: z.literal('case_summary'), caseId: z.number().int(), filename: z.string() }),
  // The reseller-facing letter (notice-pdf.ts), rendered when the message is sent.
  z.object({ type: z.literal('notice_pdf'), caseId: z.number().int() }),
  // A small file built with the message (the weekly report's CSV): stored as it was sent, so a
  // retry sends the same figures even after a late read changed the rollup.
  z.object({
    type: z.literal('file'),
    filename: z.string().min(1),
    contentType: z.string().min(1),
    content: z.string().max(1_000_000),
  }),
]);
export type AttachmentSpec = z.infer<typeof attachmentSpec>;

export interface NewMessage {
  kind: OutboxKind;
  key: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  caseId?: number | null;
  resellerId?: number | null;
  attachments?: AttachmentSpec[];
  /** Not before this time (e.g. a notice's cool-down). */
  dueAt?: Date;
  /** Record it as already failed with this error (e.g. a template problem), visible in `mapwatch outbox --failed`. */
  failed?: string;
}

export function messageIdFor(key: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'mapwatch.invalid';
  return `<mw.${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

export async function enqueueMessage(
  trx: Kysely<Database> | Transaction<Database>,
  m: NewMessage,
  from: string,
): Promise<{ id: number; created: boolean }> {
  const status: OutboxStatus = m.failed ? 'failed' : 'pending';
  const inserted = await trx
    .insertInto('outbox')
    .values({
      kind: m.kind,
      idempotency_key: m.key,
      message_id: messageIdFor(m.key, from),
      case_id: m.caseId ?? null,
      reseller_id: m.resellerId ?? null,
      recipient: m.to,
      subject: m.subject,
      body_text: m.text,
      body_html: m.html ?? null,
      attachments: JSON.stringify(m.attachments ?? []),
      status,
      last_error: m.failed ?? null,
      ...(m.dueAt ? { next_attempt_at: m.dueAt } : {}),
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await trx
    .selectFrom('outbox')
    .select('id')
    .where('idempotency_key', '=', m.key)
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

/** Leaves a note on the case's audit log, so a notification problem shows where the case is reviewed. */
export async function noteOnCase(
  trx: Kysely<Database> | Transaction<Database>,
  caseId: number,
  detail: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto('case_events')
    .values({ case_id: caseId, observation_id: null, kind: 'note', detail: JSON.stringify(detail) })
    .execute();
}
