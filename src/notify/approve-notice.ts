/**
 * `mapwatch cases approve-notice N`: a person approves the proposed notice of case N, and
 * it goes into the outbox (due when the cool-down after the previous step ends).
 *
 * The step is recomputed here: another case of the same reseller may have moved the
 * ladder since the proposal. Problems that only a person can fix (no valid reseller
 * email, a template with an unknown merge field, a blocked region) are noted on the case
 * and returned; the notice stays proposed, so approving again after the fix works.
 */
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { type CaseFacts, loadCaseFacts, mergeFields } from '../cases/load-case-facts.js';
import { type AttachmentSpec, enqueueMessage, noteOnCase } from './enqueue-message.js';
import { noticeAllowed } from './jurisdiction-guard.js';
import type { NotifyConfig } from './notify-config.js';
import { type Rendered, renderTemplate, TemplateError } from './render-template.js';
import { resellerViolationLevel } from '../cases/violation-level.js';
import { type Actor, auditActor, checkActor } from '../cases/actor.js';

const DAY = 86_400_000;
const STEP_NAMES = ['', 'first notice', 'second notice', 'final notice'];

export type ApproveResult =
  | { ok: true; noticeId: number; step: number; outboxId: number; dueAt: Date; to: string }
  | { ok: false; error: string };

export async function approveNotice(
  db: Kysely<Database>,
  caseId: number,
  cfg: NotifyConfig,
  opts: { actor: Actor; now?: Date },
): Promise<ApproveResult> {
  const actor = checkActor(opts.actor);
  return db.transaction().execute((trx) => approveNoticeIn(trx, caseId, cfg, { actor, now: opts.now ?? new Date() }));
}

export async function approveNoticeIn(
  trx: Transaction<Database>,
  caseId: number,
  cfg: NotifyConfig,
  opts: { actor: Actor; now: Date },
): Promise<ApproveResult> {
  const { now } = opts;
  const notice = await trx
    .selectFrom('notices')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('status', '=', 'proposed')
    .forUpdate()
    .executeTakeFirst();
  if (!notice) {
    const last = await trx
      .selectFrom('notices')
      .select(['status', 'reason', 'step'])
      .where('case_id', '=', caseId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const why = !last
      ? 'no notice has been proposed for it'
      : last.status === 'blocked'
        ? `its notice is blocked: ${last.reason}`
        : `its latest notice (step ${last.step}) is ${last.status}`;
    return { ok: false, error: `case #${caseId} has no notice waiting for approval: ${why}` };
  }
  const fail = async (error: string) => {
    await noteOnCase(trx, caseId, { notice: 'not approved', error });
    return { ok: false as const, error: `case #${caseId}: ${error}` };
  };
  const plan = await planNotice(trx, caseId, cfg, now);
  if (!plan.ok) {
    if (plan.blocked)
      await trx
        .updateTable('notices')
        .set({ status: 'blocked', reason: plan.blocked })
        .where('id', '=', notice.id)
        .execute();
    return plan.missing ? { ok: false, error: plan.error } : fail(plan.error);
  }
  const { facts, to, step, dueAt, rendered } = plan;
  // The letter, not the internal case summary: that one shows ids, status and severity.
  const attachments: AttachmentSpec[] = cfg.notices.attach_evidence ? [{ type: 'notice_pdf', caseId }] : [];
  const { id: outboxId } = await enqueueMessage(
    trx,
    {
      kind: 'notice',
      key: `notice:${notice.id}:step-${step}`,
      to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      caseId,
      resellerId: facts.resellerId,
      attachments,
      dueAt,
    },
    cfg.from,
  );
  await trx
    .updateTable('notices')
    .set({
      status: 'approved',
      step,
      approved_at: now,
      approved_by: opts.actor.who,
      outbox_id: outboxId,
      not_before: dueAt,
    })
    .where('id', '=', notice.id)
    .execute();
  await noteOnCase(trx, caseId, {
    notice: 'approved',
    step,
    ...auditActor(opts.actor),
    due: dueAt.toISOString(),
    to,
  });
  return { ok: true, noticeId: notice.id, step, outboxId, dueAt, to };
}

export type NoticePlan =
  | { ok: true; facts: CaseFacts; to: string; step: number; dueAt: Date; rendered: Rendered }
  | { ok: false; error: string; blocked?: string; missing?: boolean };

/**
 * The notice approving would send now: recipient, ladder step, due time and the exact
 * rendered email, or why none can go. Writes nothing, so the review app's preview shows
 * exactly what approval then queues.
 */
export async function planNotice(
  trx: Kysely<Database> | Transaction<Database>,
  caseId: number,
  cfg: NotifyConfig,
  now: Date,
): Promise<NoticePlan> {
  const [facts] = await loadCaseFacts(trx, [caseId]);
  if (!facts) return { ok: false, error: `case #${caseId} does not exist`, missing: true };
  const guard = noticeAllowed(facts.resellerRegion, cfg.notices.blocked_regions, cfg.notices.blocked_reason);
  if (!guard.allowed) return { ok: false, error: guard.reason, blocked: guard.reason };
  const to = z.email().safeParse(facts.contactEmail?.trim());
  if (!to.success)
    return {
      ok: false,
      error: facts.contactEmail
        ? `reseller "${facts.resellerName}" has an invalid contact_email "${facts.contactEmail}"; fix it in resellers.csv and import again`
        : `reseller "${facts.resellerName}" has no contact_email; add it in resellers.csv and import again`,
    };
  const lvl = await resellerViolationLevel(trx, facts.resellerId, now, cfg.notices.reset_after_days_clean);
  if (lvl.level >= 3)
    return { ok: false, error: 'the final notice has already gone to this reseller; the ladder is complete' };
  const step = lvl.level + 1;
  const dueAt = lvl.lastStepDue
    ? new Date(Math.max(now.getTime(), lvl.lastStepDue.getTime() + cfg.notices.cooldown_days * DAY))
    : now;
  try {
    const rendered = renderTemplate(
      `notice-${step}.txt`,
      mergeFields(facts, now, { company: cfg.company, step, step_name: STEP_NAMES[step]! }),
      cfg.templatesDir,
    );
    return { ok: true, facts, to: to.data, step, dueAt, rendered };
  } catch (err) {
    if (err instanceof TemplateError) return { ok: false, error: err.message };
    throw err;
  }
}
