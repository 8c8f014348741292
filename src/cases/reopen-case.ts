/**
 * Reopen a closed case (`mapwatch cases reopen N --note TEXT`): a person takes back a
 * dismissal or a resolution, e.g. a dismissal made on a wrong assumption. The note is
 * required, and the audit log records who reopened it, in which role, and what it was before.
 * Once reopened, a dismissal no longer holds for the listing (open-or-update-case.ts looks at
 * the last closed case), so the next reads update this case again.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { type Actor, auditActor, checkActor } from './actor.js';

export interface ReopenCaseOptions {
  caseId: number;
  note: string;
  actor: Actor;
  now?: Date;
}

export async function reopenCase(db: Kysely<Database>, opts: ReopenCaseOptions): Promise<void> {
  const actor = checkActor(opts.actor);
  const text = opts.note?.trim() ?? '';
  if (text.length < 3) throw new InvalidInputError('reopening a case needs a note saying why (at least 3 characters)');
  const now = opts.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'status', 'listing_id', 'resolution_note'])
      .where('id', '=', opts.caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new NotFoundError(`case #${opts.caseId} does not exist`);
    if (c.status !== 'dismissed' && c.status !== 'resolved')
      throw new ConflictError(`case #${opts.caseId} is ${c.status}, not closed: nothing to reopen`);
    // The database allows one open case per listing; name the one in the way rather than
    // letting the unique index answer with a constraint name.
    const other = await trx
      .selectFrom('cases')
      .select('id')
      .where('listing_id', '=', c.listing_id)
      .where('status', 'in', ['open', 'notified'])
      .executeTakeFirst();
    if (other)
      throw new ConflictError(
        `case #${opts.caseId} cannot be reopened: case #${other.id} is already open for the same listing`,
      );
    await trx
      .updateTable('cases')
      .set({ status: 'open', closed_at: null, resolution_note: null })
      .where('id', '=', opts.caseId)
      .execute();
    await trx
      .insertInto('case_events')
      .values({
        case_id: opts.caseId,
        observation_id: null,
        kind: 'reopened',
        at: now,
        detail: JSON.stringify({
          note: text,
          ...auditActor(actor),
          was: c.status,
          previous_note: c.resolution_note,
        }),
      })
      .execute();
  });
}
