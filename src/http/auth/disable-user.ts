/**
 * `mapwatch users disable`: the user can no longer sign in, and is signed out everywhere at
 * once: their sessions are deleted, and their API tokens stop working (authentication
 * checks `disabled_at` on every request, so the tokens need not be revoked one by one).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import { NotFoundError } from '../../errors.js';
import { findUserByEmail } from './create-user.js';

export async function disableUser(
  db: Kysely<Database>,
  email: string,
): Promise<{ id: number; email: string; alreadyDisabled: boolean }> {
  const user = await findUserByEmail(db, email);
  if (!user) throw new NotFoundError(`no user with email ${email.trim()}`);
  await db.transaction().execute(async (trx) => {
    if (!user.disabled_at)
      await trx.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', user.id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
  });
  return { id: user.id, email: user.email, alreadyDisabled: user.disabled_at !== null };
}
