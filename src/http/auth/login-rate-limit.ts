/**
 * Login rate limiting, kept in the database so every `mapwatch serve` instance behind a
 * proxy counts the same failures. Failed sign-ins are counted over a sliding window per
 * email (someone guessing one account's password) and per client address (someone trying
 * many accounts); past either limit the login answers 429 without checking the password.
 * A successful sign-in clears its email's failures.
 *
 * Behind a reverse proxy every client has the proxy's address, so the per-address limit is
 * several times the per-email one: it slows a spray across accounts without locking an
 * office out.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';

export interface LoginLimits {
  windowMs: number;
  perEmail: number;
  perClient: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perEmail: 10, perClient: 50 };

/** Whether this email or this client has used up its failures for the window. */
export async function loginLimited(
  db: Kysely<Database>,
  o: { email: string; client: string; limits: LoginLimits },
): Promise<boolean> {
  const since = new Date(Date.now() - o.limits.windowMs);
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => [
      eb.fn.count<number>('id').filterWhere('email', '=', o.email).as('by_email'),
      eb.fn.count<number>('id').filterWhere('client', '=', o.client).as('by_client'),
    ])
    .where('at', '>', since)
    .where((eb) => eb.or([eb('email', '=', o.email), eb('client', '=', o.client)]))
    .executeTakeFirstOrThrow();
  return Number(row.by_email) >= o.limits.perEmail || Number(row.by_client) >= o.limits.perClient;
}

export async function recordLoginFailure(
  db: Kysely<Database>,
  o: { email: string; client: string; limits: LoginLimits },
): Promise<void> {
  const cutoff = new Date(Date.now() - o.limits.windowMs);
  await db.insertInto('login_failures').values({ email: o.email, client: o.client }).execute();
  // Rows older than the window count for nothing; sweep them as we go (the limits keep the table small).
  await db.deleteFrom('login_failures').where('at', '<', cutoff).execute();
}

export async function clearLoginFailures(db: Kysely<Database>, email: string): Promise<void> {
  await db.deleteFrom('login_failures').where('email', '=', email).execute();
}
