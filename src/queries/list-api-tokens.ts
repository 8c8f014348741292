/** `mapwatch tokens list`: every API token with its user; the tokens themselves are never stored. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export interface ApiTokenEntry {
  id: number;
  name: string;
  email: string;
  role: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** Works now: not revoked and its user not disabled. */
  active: boolean;
}

export async function listApiTokens(db: Kysely<Database>, filter: { email?: string } = {}): Promise<ApiTokenEntry[]> {
  let q = db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.name', 'u.email', 'u.role', 'u.disabled_at', 't.created_at', 't.last_used_at', 't.revoked_at'])
    .orderBy('t.id');
  if (filter.email) q = q.where((eb) => eb(eb.fn('lower', ['u.email']), '=', filter.email!.trim().toLowerCase()));
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    active: r.revoked_at === null && r.disabled_at === null,
  }));
}
