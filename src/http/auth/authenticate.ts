/**
 * Who is asking: sets `res.locals.user` (an AuthUser) from `Authorization: Bearer mwt_…` (an
 * API token) or else from the session cookie, and leaves it unset otherwise; routes decide
 * whether they need a user (currentUser → 401). Disabled users, revoked tokens and ended,
 * expired or idle sessions count as nobody, checked on every request so a change takes
 * effect at once. A bearer value that is not an API token is left alone: /queues still
 * takes the admin token (MAPWATCH_ADMIN_TOKEN) that way.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { AuthUser } from './auth-user.js';
import { sha256Hex } from './secret-token.js';
import {
  LAST_SEEN_RESOLUTION_MS,
  readCookie,
  sessionCookie,
  sessionCookieName,
  type SessionSettings,
} from './session-settings.js';

const API_TOKEN = /^Bearer\s+(mwt_[A-Za-z0-9_-]{20,100})\s*$/i;
const SESSION_TOKEN = /^mws_[A-Za-z0-9_-]{20,100}$/;

/** The session behind this request's user (for sign-out). */
export function sessionIdOf(res: Response): number | undefined {
  return res.locals.sessionId as number | undefined;
}

export function authenticate(db: Kysely<Database>, settings: SessionSettings): RequestHandler {
  const cookieName = sessionCookieName(settings);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const bearer = API_TOKEN.exec(req.headers.authorization ?? '');
      if (bearer) {
        const user = await userOfToken(db, bearer[1]!);
        if (user) res.locals.user = user;
        // A request that names an API token is judged by it alone, never by a cookie too.
        return next();
      }
      const cookie = readCookie(req.headers.cookie, cookieName);
      if (cookie && SESSION_TOKEN.test(cookie)) {
        const found = await userOfSession(db, cookie, settings);
        if (found) {
          res.locals.user = found.user;
          res.locals.sessionId = found.sessionId;
        } else {
          // Ended, expired or idle: the browser may as well forget it.
          res.append('Set-Cookie', sessionCookie(settings, '', 0));
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

async function userOfToken(db: Kysely<Database>, token: string): Promise<AuthUser | undefined> {
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id as token_id', 't.last_used_at', 'u.id', 'u.email', 'u.role'])
    .where('t.token_sha256', '=', sha256Hex(token))
    .where('t.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const now = new Date();
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_SEEN_RESOLUTION_MS)
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  return { id: row.id, email: row.email, role: row.role, via: 'token' };
}

async function userOfSession(
  db: Kysely<Database>,
  cookie: string,
  settings: SessionSettings,
): Promise<{ user: AuthUser; sessionId: number } | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as session_id', 's.csrf_token', 's.expires_at', 's.last_seen_at', 'u.id', 'u.email', 'u.role'])
    .select('u.disabled_at')
    .where('s.token_sha256', '=', sha256Hex(cookie))
    .executeTakeFirst();
  if (!row) return undefined;
  const now = Date.now();
  const idle = now - row.last_seen_at.getTime() > settings.idleMs;
  if (row.disabled_at || row.expires_at.getTime() <= now || idle) {
    await db.deleteFrom('sessions').where('id', '=', row.session_id).execute();
    return undefined;
  }
  if (now - row.last_seen_at.getTime() > LAST_SEEN_RESOLUTION_MS)
    await db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(now) })
      .where('id', '=', row.session_id)
      .execute();
  return {
    sessionId: row.session_id,
    user: { id: row.id, email: row.email, role: row.role, via: 'session', csrfToken: row.csrf_token },
  };
}
