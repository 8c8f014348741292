/**
 * The account behind an SSO sign-in. The provider vouches for the email; the role comes
 * from its claim through MAPWATCH_OIDC_ROLES on every sign-in, so a person moved to another
 * group at the provider gets the new role the next time they sign in (and a person removed
 * from every mapped group is refused). A disabled account stays disabled: SSO does not undo
 * an admin's `mapwatch users disable`.
 *
 * An account made here has no usable password (`!sso`, which no scrypt hash matches), so
 * it can only sign in through the provider until an admin sets one.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import { ForbiddenError } from '../../errors.js';
import { emailSchema, findUserByEmail } from './create-user.js';
import type { UserRole } from './permissions.js';

export const SSO_ONLY_PASSWORD_HASH = '!sso';

export interface SsoIdentity {
  email: unknown;
  /** false when the provider says the address is not verified (absent: the provider does not say). */
  emailVerified: unknown;
  role: UserRole | undefined;
  /** The claim and its values, to say why a person was refused. */
  roleClaim: string;
}

export async function signInSsoUser(db: Kysely<Database>, who: SsoIdentity): Promise<{ id: number; role: UserRole }> {
  const email = emailSchema.safeParse(who.email);
  if (!email.success) throw new ForbiddenError('the identity provider sent no usable email address for this account');
  if (who.emailVerified === false)
    throw new ForbiddenError(`the identity provider has not verified ${email.data}; verify it there first`);
  if (!who.role)
    throw new ForbiddenError(
      `${email.data} has no mapwatch role: its "${who.roleClaim}" claim matches none of MAPWATCH_OIDC_ROLES. Ask an admin.`,
    );
  const existing = await findUserByEmail(db, email.data);
  if (existing) {
    if (existing.disabled_at !== null) throw new ForbiddenError(`the account ${email.data} is disabled`);
    if (existing.role !== who.role)
      await db.updateTable('users').set({ role: who.role }).where('id', '=', existing.id).execute();
    return { id: existing.id, role: who.role };
  }
  try {
    const row = await db
      .insertInto('users')
      .values({ email: email.data, role: who.role, password_hash: SSO_ONLY_PASSWORD_HASH })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    return { id: row.id, role: who.role };
  } catch (err) {
    // Two first sign-ins of one person at once: the unique index let the other one make the account.
    if ((err as { code?: string }).code !== '23505') throw err;
    const made = await findUserByEmail(db, email.data);
    return { id: made!.id, role: who.role };
  }
}
