/**
 * `mapwatch users add`: a review-app user with one role. The email is stored lower-cased
 * (one person, one account, whatever case they type) and the password only as its scrypt
 * hash. A duplicate email is a conflict, not a second account.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/tables.js';
import { ConflictError, InvalidInputError } from '../../errors.js';
import { hashPassword } from './password-hash.js';
import { USER_ROLES, type UserRole } from './permissions.js';

/** Long enough that the rate limit, not guessing, is what stops an attacker; short enough to type. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'is too long')
  .regex(/^[^@\s]+@[^@\s]+$/, 'is not an email address');

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

export const roleSchema = z.enum(USER_ROLES, { error: `must be one of ${USER_ROLES.join(', ')}` });

const newUserSchema = z.object({ email: emailSchema, role: roleSchema, password: passwordSchema });

export interface NewUser {
  email: string;
  role: string;
  password: string;
}

export interface CreatedUser {
  id: number;
  email: string;
  role: UserRole;
}

export async function createUser(db: Kysely<Database>, input: NewUser): Promise<CreatedUser> {
  const r = newUserSchema.safeParse(input);
  if (!r.success)
    throw new InvalidInputError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const { email, role, password } = r.data;
  const exists = await findUserByEmail(db, email);
  if (exists) throw new ConflictError(`a user with email ${email} already exists`);
  const password_hash = await hashPassword(password);
  try {
    const row = await db
      .insertInto('users')
      .values({ email, role, password_hash })
      .returning(['id', 'email', 'role'])
      .executeTakeFirstOrThrow();
    return row;
  } catch (err) {
    // Two adds of one email at once: the unique index decides.
    if ((err as { code?: string }).code === '23505')
      throw new ConflictError(`a user with email ${email} already exists`, { cause: err });
    throw err;
  }
}

export async function findUserByEmail(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .executeTakeFirst();
}
