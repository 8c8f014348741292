/**
 * Dismiss a case (`mapwatch cases dismiss N --note TEXT`): a person closes a case as not a violation (a
 * wrong match, an agreed exception). The note is required: the audit log must say why.
 * A notice still waiting for approval is cancelled with it. The dismissal keeps holding
 * for the listing while its price and MAP stay as they were (open-or-update-case.ts).
 */
import type { Kysely, Transaction } from 'kysely';
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
  const text = checkNote(note);
  await db
    .transaction()
    .execute((trx) => dismissCaseIn(trx, { caseId, note: text, actor, now: opts.now ?? new Date() }));
}

function checkNote(note: string): string {
  const text = note?.trim() ?? '';
  if (text.length < 3) throw new InvalidInputError('dismissing a case needs a note saying why (at least 3 characters)');
  return text;
}

/**
 * The dismissal inside the caller's transaction (a misread dismisses with its correction in
 * the same transaction). `detail` adds to the audit event (e.g. the misread it records).
 */
export async function dismissCaseIn(
  trx: Transaction<Database>,
  o: { caseId: number; note: string; actor: Actor; now: Date; detail?: Record<string, unknown> },
): Promise<void> {
  const { caseId, now, actor } = o;
  const text = checkNote(o.note);
  const c = await trx
    .selectFrom('cases')
    .select(['id', 'status', 'last_minor', 'map_minor', 'currency'])
    .where('id', '=', caseId)
    .forUpdate()
    .executeTakeFirst();
  if (!c) throw new NotFoundError(`case #${caseId} does not exist`);
  if (c.status !== 'open' && c.status !== 'notified') throw new ConflictError(`case #${caseId} is already ${c.status}`);
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
      detail: JSON.stringify({
        note: text,
        ...auditActor(actor),
        // The terms the judgment was made on: a lower price or another MAP opens a new case.
        last_minor: c.last_minor,
        map_minor: c.map_minor,
        currency: c.currency,
        ...o.detail,
      }),
    })
    .execute();
  await trx
    .updateTable('notices')
    .set({ status: 'cancelled', reason: 'case dismissed' })
    .where('case_id', '=', caseId)
    .where('status', '=', 'proposed')
    .execute();
}
