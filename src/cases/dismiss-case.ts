/**
 * Dismiss a case (`mapwatch cases dismiss N --note TEXT`): a person closes a case as not a violation (a
 * wrong match, an agreed exception). The note is required: the audit log must say why.
 * A notice still waiting for approval is cancelled with it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { type Actor, auditActor, checkActor } from './actor.js';

export async function dismissCase(
  db: Kysely<Database>,
  caseId: number,
  note: string,
  opts: { actor: Actor; now?: Date },
): Promise<void> {
  const actor = checkActor(opts.actor);
  const text = note?.trim() ?? '';
  if (text.length < 3) throw new InvalidInputError('dismissing a case needs a note saying why (at least 3 characters)');
  const now = opts.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'status'])
      .where('id', '=', caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new NotFoundError(`case #${caseId} does not exist`);
    if (c.status !== 'open' && c.status !== 'notified')
      throw new ConflictError(`case #${caseId} is already ${c.status}`);
    await trx
      .updateTable('cases')
      .set({ status: 'dismissed', closed_at: now, resolution_note: text })
      .where('id', '=', caseId)
      .execute();
    await trx
      .insertInto('case_events')
      .values({
        case_id: caseId,
        observation_id: null,
        kind: 'dismissed',
        at: now,
        detail: JSON.stringify({ note: text, ...auditActor(actor) }),
      })
      .execute();
    await trx
      .updateTable('notices')
      .set({ status: 'cancelled', reason: 'case dismissed' })
      .where('case_id', '=', caseId)
      .where('status', '=', 'proposed')
      .execute();
  });
}
