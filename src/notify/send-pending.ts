/**
 * Sends the outbox: every due row is claimed, sent, and marked sent, with backoff on
 * failure. Issue 4's notify job and `mapwatch outbox --send` both call this.
 *
 * Delivery guarantee. Each row carries a fixed Message-ID and idempotency key. Before
 * handing a message to the transport, the row is claimed (`sending`, attempt recorded)
 * in its own committed transaction; after the transport accepts it, it is marked `sent`.
 * If the process dies in between, the row stays `sending`. Once its lease expires, the
 * next run asks the transport whether that Message-ID was delivered:
 * - the .eml outbox can tell (the file exists or not), so it is exactly once;
 * - SMTP cannot, so the row becomes `unconfirmed`: it is never resent by itself (at most
 *   once), it stays visible in `mapwatch outbox --failed` with the reason, and
 *   `mapwatch outbox --retry ID` resends it under the same Message-ID, which mail
 *   clients use to drop a duplicate.
 * A refused or failed send is never lost: 4xx and network errors retry with backoff,
 * 5xx and bad addresses fail at once, and both keep their error on the row and the case.
 */
import type { Kysely, Selectable } from 'kysely';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Database, OutboxTable } from '../db/tables.js';
import { collectNotifications, type CollectReport } from './collect-notifications.js';
import { attachmentSpec, noteOnCase } from './enqueue-message.js';
import { caseSummaryHtml, latestScreenshot, latestThumbnail } from './evidence.js';
import { classifySendError, type MailTransport, SendError } from './mail-transport.js';
import { noticePdf } from './notice-pdf.js';
import type { NotifyConfig } from './notify-config.js';

export type OutboxRow = Selectable<OutboxTable>;

export interface SendOptions {
  transport: MailTransport;
  config: NotifyConfig;
  /** Enqueue due digests and site alerts first (default true). */
  collect?: boolean;
  now?: () => Date;
  /** Rows per run (default 100). */
  limit?: number;
  /** How long a claimed row may stay `sending` before it is presumed crashed (default 10 minutes). */
  leaseMs?: number;
  /** Test crash point: runs after the transport accepted a message, before it is marked sent. */
  afterSend?: (row: OutboxRow) => void | Promise<void>;
}

export interface SendReport {
  sent: number;
  retrying: number;
  failed: number;
  unconfirmed: number;
  /** Crashed attempts the transport confirmed as delivered. */
  recovered: number;
  errors: { id: number; to: string; error: string }[];
  collected?: CollectReport;
}

const BASE_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 3_600_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

export async function sendPendingNotifications(db: Kysely<Database>, opts: SendOptions): Promise<SendReport> {
  const now = opts.now ?? (() => new Date());
  const report: SendReport = { sent: 0, retrying: 0, failed: 0, unconfirmed: 0, recovered: 0, errors: [] };
  if (opts.collect !== false) report.collected = await collectNotifications(db, opts.config, now());
  await recoverStale(db, opts, now(), report);

  const claimed = await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), attempt_started_at: now() }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now())
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(opts.limit ?? 100)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
  claimed.sort((a, b) => a.id - b.id);

  for (const row of claimed) {
    let response: string;
    try {
      response = await opts.transport.send(await buildMail(db, row, opts.config));
    } catch (err) {
      const e = classifySendError(err);
      const giveUp = !e.retryable || row.attempts >= opts.config.max_attempts;
      report.errors.push({ id: row.id, to: row.recipient, error: e.message });
      if (giveUp) {
        report.failed++;
        await markFailed(db, row, e.retryable ? `${e.message} (gave up after ${row.attempts} attempts)` : e.message);
      } else {
        report.retrying++;
        await db
          .updateTable('outbox')
          .set({
            status: 'pending',
            last_error: e.message,
            next_attempt_at: new Date(now().getTime() + backoffMs(row.attempts)),
          })
          .where('id', '=', row.id)
          .where('status', '=', 'sending')
          .execute();
      }
      continue;
    }
    await opts.afterSend?.(row);
    await markSent(db, row, response, now());
    report.sent++;
  }
  return report;
}

async function recoverStale(db: Kysely<Database>, opts: SendOptions, now: Date, report: SendReport): Promise<void> {
  const stale = await db
    .selectFrom('outbox')
    .selectAll()
    .where('status', '=', 'sending')
    .where('attempt_started_at', '<', new Date(now.getTime() - (opts.leaseMs ?? 600_000)))
    .execute();
  for (const row of stale) {
    const delivered = await opts.transport.confirm(row.message_id);
    if (delivered === true) {
      await markSent(db, row, 'delivered before a crash; confirmed on restart', now);
      report.recovered++;
    } else if (delivered === false) {
      // Provably not delivered: sending it now cannot make a second copy.
      await db
        .updateTable('outbox')
        .set({ status: 'pending', next_attempt_at: now })
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .execute();
    } else {
      const error = `the sender stopped after handing this message to ${opts.transport.where} and before recording the result; it may or may not have been delivered, so it is not resent automatically. Check the mailbox, then retry message ${row.id} to resend it under the same Message-ID`;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('outbox')
          .set({ status: 'unconfirmed', last_error: error })
          .where('id', '=', row.id)
          .where('status', '=', 'sending')
          .execute();
        if (row.case_id)
          await noteOnCase(trx, row.case_id, { outbox: row.id, kind: row.kind, status: 'unconfirmed', error });
      });
      report.unconfirmed++;
      report.errors.push({ id: row.id, to: row.recipient, error });
    }
  }
}

async function buildMail(db: Kysely<Database>, row: OutboxRow, cfg: NotifyConfig) {
  const attachments: Mail.Attachment[] = [];
  for (const spec of attachmentSpec.array().parse(row.attachments)) {
    if (spec.type === 'screenshot') {
      const shot = await latestScreenshot(db, spec.caseId, cfg.evidenceStore);
      if (shot)
        attachments.push({
          filename: `case-${spec.caseId}.${shot.mime.split('/')[1] ?? 'png'}`,
          content: Buffer.from(shot.bytes),
          contentType: shot.mime,
          cid: spec.cid,
        });
    } else if (spec.type === 'thumbnail') {
      const thumb = await latestThumbnail(db, spec.caseId, cfg.evidenceStore);
      if (thumb)
        attachments.push({
          filename: `case-${spec.caseId}-thumbnail.png`,
          content: thumb.bytes,
          contentType: thumb.mime,
          cid: spec.cid,
        });
    } else if (spec.type === 'notice_pdf') {
      const letter = await noticeLetter(db, spec.caseId, cfg);
      if (letter) attachments.push({ filename: letter.filename, content: letter.pdf, contentType: 'application/pdf' });
    } else if (spec.type === 'file') {
      attachments.push({ filename: spec.filename, content: spec.content, contentType: spec.contentType });
    } else {
      const html = await caseSummaryHtml(db, spec.caseId, cfg.evidenceStore);
      if (html) attachments.push({ filename: spec.filename, content: html, contentType: 'text/html; charset=utf-8' });
    }
  }
  return {
    from: cfg.from,
    to: row.recipient,
    ...(row.kind === 'notice' && cfg.reply_to ? { replyTo: cfg.reply_to } : {}),
    subject: row.subject,
    text: row.body_text,
    ...(row.body_html ? { html: row.body_html } : {}),
    messageId: row.message_id,
    date: row.created_at,
    headers: { 'X-Mapwatch-Idempotency-Key': row.idempotency_key, 'X-Mapwatch-Kind': row.kind },
    attachments,
  };
}

/** A notice whose case has evidence never goes out without its letter: a failure to render it is the row's error. */
async function noticeLetter(db: Kysely<Database>, caseId: number, cfg: NotifyConfig) {
  try {
    return await noticePdf(db, caseId, { config: cfg });
  } catch (err) {
    const template = (err as Error).name === 'TemplateError';
    throw new SendError(`the notice letter (PDF) could not be made: ${(err as Error).message}`, !template, {
      cause: err,
    });
  }
}

async function markSent(db: Kysely<Database>, row: OutboxRow, response: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ status: 'sent', sent_at: now, transport_response: response.slice(0, 1000), last_error: null })
      .where('id', '=', row.id)
      .execute();
    if (row.kind !== 'notice' || !row.case_id) return;
    const notice = await trx
      .updateTable('notices')
      .set({ status: 'sent', sent_at: now })
      .where('outbox_id', '=', row.id)
      .returning(['step'])
      .executeTakeFirst();
    await trx
      .updateTable('cases')
      .set({ status: 'notified' })
      .where('id', '=', row.case_id)
      .where('status', '=', 'open')
      .execute();
    await noteOnCase(trx, row.case_id, {
      notice: 'sent',
      step: notice?.step ?? null,
      to: row.recipient,
      message_id: row.message_id,
    });
  });
}

async function markFailed(db: Kysely<Database>, row: OutboxRow, error: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('outbox').set({ status: 'failed', last_error: error }).where('id', '=', row.id).execute();
    if (row.kind === 'notice')
      await trx
        .updateTable('notices')
        .set({ status: 'failed', reason: error })
        .where('outbox_id', '=', row.id)
        .execute();
    if (row.case_id)
      await noteOnCase(trx, row.case_id, {
        outbox: row.id,
        kind: row.kind,
        to: row.recipient,
        status: 'failed',
        error,
      });
  });
}
