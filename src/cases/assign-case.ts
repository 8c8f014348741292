/**
 * Assign a case to a person (or take the assignment away): who works it shows on the Cases
 * list and can be filtered on. The audit log records who assigned it to whom, and from whom.
 * A closed case is not worked any more, so assigning it is a conflict (reopen it first).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/tables.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { type Actor, auditActor, checkActor } from './actor.js';

export interface AssignCaseOptions {
  caseId: number;
  /** An email; null or "" takes the assignment away. */
  assignee: string | null;
  actor: Actor;
  now?: Date;
}

export async function assignCase(
  db: Kysely<Database>,
  o: AssignCaseOptions,
): Promise<{ assignee: string | null; previous: string | null }> {
  const actor = checkActor(o.actor);
  const assignee = o.assignee?.trim() ? o.assignee.trim() : null;
  if (assignee !== null && !z.email().safeParse(assignee).success)
    throw new InvalidInputError(`assignee: "${assignee.slice(0, 100)}" is not an email address`);
  const now = o.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'status', 'assignee'])
      .where('id', '=', o.caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new NotFoundError(`case #${o.caseId} does not exist`);
    if (c.status !== 'open' && c.status !== 'notified')
      throw new ConflictError(`case #${o.caseId} is ${c.status}; reopen it before assigning it`);
    if (c.assignee === assignee) return { assignee, previous: c.assignee };
    await trx.updateTable('cases').set({ assignee }).where('id', '=', o.caseId).execute();
    await trx
      .insertInto('case_events')
      .values({
        case_id: o.caseId,
        observation_id: null,
        kind: 'assigned',
        at: now,
        detail: JSON.stringify({ assignee, previous: c.assignee, ...auditActor(actor) }),
      })
      .execute();
    return { assignee, previous: c.assignee };
  });
}
