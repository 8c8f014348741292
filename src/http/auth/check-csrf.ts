/**
 * CSRF protection for everything a signed-in browser can change. A browser sends the
 * session cookie on its own, so for every state-changing request (POST, PUT, PATCH,
 * DELETE) authenticated by the session, the request must also carry the session's CSRF
 * token: the `_csrf` form field (pages render it with csrfField()), or the `X-CSRF-Token`
 * header (scripts). A `multipart/form-data` form, whose body is parsed later by its own
 * route, may send it as `?_csrf=` in its action URL. Requests with an API token are exempt:
 * no browser attaches an `Authorization` header by itself.
 *
 * bull-board (/queues) is a page we did not write: its script sends JSON without our token.
 * Session requests there must instead prove they come from our own origin
 * (Sec-Fetch-Site: same-origin, or an Origin equal to the Host); a cross-site page can send
 * neither, and its JSON or PUT needs a CORS preflight we never answer.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError } from '../../errors.js';
import { isStateChanging, sameOriginProven } from '../request-guards.js';
import type { AuthUser } from './auth-user.js';

function given(req: Request): string | undefined {
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && typeof body._csrf === 'string') return body._csrf;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data' && typeof req.query._csrf === 'string') return req.query._csrf;
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `sameOriginOnly`: path prefixes judged by origin instead of token (bull-board). `exempt`:
 * exact paths that need no token because they do not act as the session (POST /login,
 * which a stale sign-in tab may send while a session exists; the cross-site guard still
 * refuses it from another site).
 */
export function checkCsrf(o: { sameOriginOnly?: string[]; exempt?: string[] } = {}): RequestHandler {
  const originOnly = o.sameOriginOnly ?? [];
  const exempt = new Set(o.exempt ?? []);
  return (req: Request, res: Response, next: NextFunction) => {
    const user = res.locals.user as AuthUser | undefined;
    if (!user || user.via !== 'session' || !isStateChanging(req.method) || exempt.has(req.path)) return next();
    if (originOnly.some((p) => req.path === p || req.path.startsWith(p + '/'))) {
      if (sameOriginProven(req)) return next();
      return next(new ForbiddenError('this request must come from a mapwatch page (same origin)'));
    }
    const token = given(req);
    if (token !== undefined && user.csrfToken && same(token, user.csrfToken)) return next();
    next(
      new ForbiddenError(
        token === undefined
          ? 'the form has no CSRF token (_csrf); reload the page and try again'
          : 'the CSRF token does not match this session; reload the page and try again',
      ),
    );
  };
}
