/** `mapwatch tokens revoke ID`: the token stops working at its next request. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import { NotFoundError } from '../../errors.js';

export async function revokeApiToken(
  db: Kysely<Database>,
  id: number,
): Promise<{ id: number; name: string; alreadyRevoked: boolean }> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`no API token with id ${id}`);
  if (!row.revoked_at)
    await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).execute();
  return { id: row.id, name: row.name, alreadyRevoked: row.revoked_at !== null };
}
