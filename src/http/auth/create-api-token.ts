/**
 * `mapwatch tokens create`: an API bearer token for one user. The token carries that user's
 * role (looked up on every request, so a role change or a disabled user takes effect at
 * once) and is shown exactly once; only its SHA-256 is kept.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/tables.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../errors.js';
import { findUserByEmail } from './create-user.js';
import { newSecret, sha256Hex } from './secret-token.js';

const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'is too long');

export interface CreatedApiToken {
  id: number;
  name: string;
  email: string;
  /** The bearer token itself; not stored, print it once. */
  token: string;
}

export async function createApiToken(
  db: Kysely<Database>,
  o: { email: string; name?: string },
): Promise<CreatedApiToken> {
  const user = await findUserByEmail(db, o.email);
  if (!user) throw new NotFoundError(`no user with email ${o.email.trim()}`);
  if (user.disabled_at) throw new ConflictError(`user ${user.email} is disabled; a token would not work`);
  const parsed = nameSchema.safeParse(o.name ?? `token ${new Date().toISOString().slice(0, 10)}`);
  if (!parsed.success) throw new InvalidInputError(`name: ${parsed.error.issues[0]!.message}`);
  const token = newSecret('mwt_');
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: user.id, name: parsed.data, token_sha256: sha256Hex(token) })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, email: user.email, token };
}
