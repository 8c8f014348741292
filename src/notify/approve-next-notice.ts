/**
 * "Approve next notice" in the review app and the API: approves the case's proposed notice,
 * or, when none is waiting (no proposal yet, or the last one was sent and the case still
 * violates), proposes the reseller's next ladder step and approves it in one transaction.
 * Whatever stops it (closed case, blocked region, no contact email, a notice already
 * approved and queued) is a ConflictError naming the reason, after the note on the case
 * has been committed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { type Actor, checkActor } from '../cases/actor.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { approveNoticeIn, type ApproveResult } from './approve-notice.js';
import type { NotifyConfig } from './notify-config.js';
import { proposeNotice } from './propose-notice.js';

export interface ApproveNextNoticeOptions {
  caseId: number;
  cfg: NotifyConfig;
  actor: Actor;
  now?: Date;
}

export async function approveNextNotice(
  db: Kysely<Database>,
  o: ApproveNextNoticeOptions,
): Promise<Extract<ApproveResult, { ok: true }>> {
  const actor = checkActor(o.actor);
  const now = o.now ?? new Date();
  const r = await db.transaction().execute(async (trx): Promise<ApproveResult> => {
    const c = await trx
      .selectFrom('cases')
      .select(['status'])
      .where('id', '=', o.caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new NotFoundError(`case #${o.caseId} does not exist`);
    if (c.status !== 'open' && c.status !== 'notified')
      throw new ConflictError(`case #${o.caseId} is ${c.status}; only an open case gets notices`);
    const live = await trx
      .selectFrom('notices')
      .select(['status', 'step'])
      .where('case_id', '=', o.caseId)
      .where('status', 'in', ['proposed', 'approved'])
      .executeTakeFirst();
    if (live?.status === 'approved')
      throw new ConflictError(`case #${o.caseId}: notice step ${live.step} is already approved and waiting to be sent`);
    if (!live) {
      const p = await proposeNotice(trx, o.caseId, o.cfg, now);
      if (p.action === 'blocked') return { ok: false, error: `case #${o.caseId}: ${p.reason}` };
      if (p.action === 'none') return { ok: false, error: `case #${o.caseId}: no notice to approve (${p.reason})` };
      if (p.approved) return p.approved; // auto_send approved it already
    }
    return approveNoticeIn(trx, o.caseId, o.cfg, { actor, now });
  });
  if (!r.ok) throw new ConflictError(r.error);
  return r;
}
