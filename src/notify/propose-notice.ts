/**
 * Puts the next step of the reseller's escalation ladder up for approval, inside the
 * caller's transaction (the observation's, when called from the case-change hook).
 *
 * - A new case proposes the next step for its reseller.
 * - A case still violating after its notice went out proposes the next step once the
 *   cool-down has passed.
 * - The jurisdiction guard blocks notices for configured regions and says why on the case.
 * - With `auto_send`, the proposal is approved at once.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/tables.js';
import { loadCaseFacts } from '../cases/load-case-facts.js';
import { noteOnCase } from './enqueue-message.js';
import { noticeAllowed } from './jurisdiction-guard.js';
import type { NotifyConfig } from './notify-config.js';
import { approveNoticeIn, type ApproveResult } from './approve-notice.js';
import { resellerViolationLevel } from '../cases/violation-level.js';

export const FINAL_STEP = 3;
const DAY = 86_400_000;

export type ProposeResult =
  | { action: 'proposed'; noticeId: number; step: number; approved?: ApproveResult }
  | { action: 'blocked'; reason: string }
  | { action: 'none'; reason: string };

export async function proposeNotice(
  trx: Transaction<Database>,
  caseId: number,
  cfg: NotifyConfig,
  now: Date,
): Promise<ProposeResult> {
  const [facts] = await loadCaseFacts(trx, [caseId]);
  if (!facts || (facts.status !== 'open' && facts.status !== 'notified'))
    return { action: 'none', reason: 'case is closed' };
  const notices = await trx
    .selectFrom('notices')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('id', 'desc')
    .execute();
  if (notices.some((n) => n.status === 'proposed' || n.status === 'approved'))
    return { action: 'none', reason: 'a notice is already waiting' };

  const guard = noticeAllowed(facts.resellerRegion, cfg.notices.blocked_regions, cfg.notices.blocked_reason);
  if (!guard.allowed) {
    // Once per case: the reason is on record; repeating it on every read adds nothing.
    if (notices.some((n) => n.status === 'blocked')) return { action: 'blocked', reason: guard.reason };
    await trx
      .insertInto('notices')
      .values({
        case_id: caseId,
        reseller_id: facts.resellerId,
        step: null,
        status: 'blocked',
        reason: guard.reason,
        proposed_at: now,
      })
      .execute();
    await noteOnCase(trx, caseId, { notice: 'not sent', reason: guard.reason });
    return { action: 'blocked', reason: guard.reason };
  }

  const lastSentHere = notices.find((n) => n.status === 'sent');
  const cooldown = cfg.notices.cooldown_days * DAY;
  if (lastSentHere && now.getTime() - (lastSentHere.sent_at?.getTime() ?? 0) < cooldown) {
    return { action: 'none', reason: 'cool-down after the last notice' };
  }
  const lvl = await resellerViolationLevel(trx, facts.resellerId, now, cfg.notices.reset_after_days_clean);
  if (lvl.level >= FINAL_STEP)
    return { action: 'none', reason: 'the final notice has gone out; the ladder is complete' };
  const step = lvl.level + 1;
  const notBefore = lvl.lastStepDue ? new Date(Math.max(now.getTime(), lvl.lastStepDue.getTime() + cooldown)) : now;
  const inserted = await trx
    .insertInto('notices')
    .values({
      case_id: caseId,
      reseller_id: facts.resellerId,
      step,
      status: 'proposed',
      not_before: notBefore,
      proposed_at: now,
    })
    .onConflict((oc) => oc.column('case_id').where('status', 'in', ['proposed', 'approved']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { action: 'none', reason: 'a notice is already waiting' };
  await noteOnCase(trx, caseId, { notice: 'proposed', step, not_before: notBefore.toISOString() });
  if (!cfg.notices.auto_send) return { action: 'proposed', noticeId: inserted.id, step };
  const approved = await approveNoticeIn(trx, caseId, cfg, { actor: { who: 'auto_send', role: 'system' }, now });
  return { action: 'proposed', noticeId: inserted.id, step, approved };
}
