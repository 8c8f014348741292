/**
 * Retry a message (`mapwatch outbox --retry ID`): puts a failed or unconfirmed message back in the queue,
 * due now, with the same Message-ID. A notice that failed is approved again.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { type Actor, auditActor, checkActor } from '../cases/actor.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { noteOnCase } from './enqueue-message.js';

export async function retryOutbox(db: Kysely<Database>, id: number, opts: { actor: Actor; now?: Date }): Promise<void> {
  const actor = checkActor(opts.actor);
  const now = opts.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('outbox')
      .select(['id', 'status', 'kind', 'body_text', 'case_id'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no outbox message ${id}`);
    if (row.status !== 'failed' && row.status !== 'unconfirmed')
      throw new ConflictError(`message ${id} is ${row.status}; only failed or unconfirmed messages can be retried`);
    if (!row.body_text)
      throw new ConflictError(
        `message ${id} was never rendered (see its error); fix the template, and the next change of its case queues a new one`,
      );
    await trx
      .updateTable('outbox')
      .set({
        status: 'pending',
        next_attempt_at: now,
        attempts: 0,
        retried_by: actor.who,
        retried_role: actor.role,
        retried_at: now,
      })
      .where('id', '=', id)
      .execute();
    if (row.kind === 'notice')
      await trx
        .updateTable('notices')
        .set({ status: 'approved', reason: null })
        .where('outbox_id', '=', id)
        .where('status', '=', 'failed')
        .execute();
    if (row.case_id !== null)
      await noteOnCase(trx, row.case_id, { outbox: 'retried', message: id, ...auditActor(actor) });
  });
}
