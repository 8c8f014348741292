/**
 * Signs a user in: a new session row (the cookie's SHA-256, a CSRF token for its forms, its
 * expiry) and the cookie that carries the secret. Expired sessions (anyone's) are swept
 * here, so the table does not grow with every sign-in.
 */
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import { newSecret, sha256Hex } from './secret-token.js';
import { sessionCookie, type SessionSettings } from './session-settings.js';

export async function createSession(
  db: Kysely<Database>,
  res: Response,
  o: { userId: number; settings: SessionSettings },
): Promise<void> {
  const token = newSecret('mws_');
  const now = new Date();
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  await db
    .insertInto('sessions')
    .values({
      token_sha256: sha256Hex(token),
      user_id: o.userId,
      csrf_token: randomBytes(32).toString('base64url'),
      expires_at: new Date(now.getTime() + o.settings.ttlMs),
      last_seen_at: now,
    })
    .execute();
  res.append('Set-Cookie', sessionCookie(o.settings, token, o.settings.ttlMs));
}

/** Signs out: the session row goes (the cookie is worthless from now on) and the cookie is cleared. */
export async function endSession(
  db: Kysely<Database>,
  res: Response,
  o: { sessionId: number; settings: SessionSettings },
): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', o.sessionId).execute();
  res.append('Set-Cookie', sessionCookie(o.settings, '', 0));
}
