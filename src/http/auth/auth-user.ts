/**
 * The signed-in user of one request, as the auth middleware leaves it on `res.locals`:
 * from a session cookie (pages, with a CSRF token) or a bearer API token (no CSRF: a
 * browser never sends a bearer token on its own).
 */
import type { Response } from 'express';
import type { Actor } from '../../cases/actor.js';
import { UnauthorizedError } from '../../errors.js';
import type { UserRole } from './permissions.js';

export interface AuthUser {
  id: number;
  email: string;
  role: UserRole;
  /** 'session' (cookie) or 'token' (Authorization: Bearer). */
  via: 'session' | 'token';
  /** The session's CSRF token, for forms; absent for API tokens. */
  csrfToken?: string;
}

/** The request's user; throws 401 when the auth middleware found none. */
export function currentUser(res: Response): AuthUser {
  const u = res.locals.user as AuthUser | undefined;
  if (!u) throw new UnauthorizedError('sign in, or send an API token as `Authorization: Bearer …`');
  return u;
}

/** The audit-log actor for whatever this user does. */
export function actorOf(user: AuthUser): Actor {
  return { who: user.email, role: user.role };
}
