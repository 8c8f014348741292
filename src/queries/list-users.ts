/** `mapwatch users list` (and an admin page later): every user, never a password hash. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export interface UserEntry {
  id: number;
  email: string;
  role: string;
  disabled: boolean;
  disabledAt: Date | null;
  createdAt: Date;
  /** Sessions not yet expired. */
  sessions: number;
  /** API tokens not revoked. */
  tokens: number;
}

export async function listUsers(db: Kysely<Database>): Promise<UserEntry[]> {
  const now = new Date();
  const rows = await db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.email',
      'u.role',
      'u.disabled_at',
      'u.created_at',
      eb
        .selectFrom('sessions as s')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('s.user_id', '=', 'u.id')
        .where('s.expires_at', '>', now)
        .as('sessions'),
      eb
        .selectFrom('api_tokens as t')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('t.user_id', '=', 'u.id')
        .where('t.revoked_at', 'is', null)
        .as('tokens'),
    ])
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role,
    disabled: r.disabled_at !== null,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    sessions: Number(r.sessions ?? 0),
    tokens: Number(r.tokens ?? 0),
  }));
}
