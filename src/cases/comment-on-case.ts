/**
 * A comment on a case: a reviewer's note for colleagues ("asked the rep to call them"). It
 * goes into the audit log (case_events, hash-chained) with who wrote it, so comments can't
 * be edited or removed afterwards; open or closed, every case takes comments.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { type Actor, auditActor, checkActor } from './actor.js';

export const MAX_COMMENT = 5000;

export interface CommentOnCaseOptions {
  caseId: number;
  text: string;
  actor: Actor;
  now?: Date;
}

export async function commentOnCase(db: Kysely<Database>, o: CommentOnCaseOptions): Promise<{ eventId: number }> {
  const actor = checkActor(o.actor);
  const text = o.text?.trim() ?? '';
  if (!text) throw new InvalidInputError('comment: write something');
  if (text.length > MAX_COMMENT) throw new InvalidInputError(`comment: at most ${MAX_COMMENT} characters`);
  const exists = await db.selectFrom('cases').select('id').where('id', '=', o.caseId).executeTakeFirst();
  if (!exists) throw new NotFoundError(`case #${o.caseId} does not exist`);
  const row = await db
    .insertInto('case_events')
    .values({
      case_id: o.caseId,
      observation_id: null,
      kind: 'comment',
      at: o.now ?? new Date(),
      detail: JSON.stringify({ text, ...auditActor(actor) }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { eventId: row.id };
}
