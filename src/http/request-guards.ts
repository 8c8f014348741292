/**
 * Guards every request to mapwatch's HTTP server passes before any route sees it:
 *
 * - Host allow-list. A browser on an attacker's page can reach 127.0.0.1 through DNS
 *   rebinding (evil.example resolves to 127.0.0.1 after the page loads); the request then
 *   carries `Host: evil.example`. Only the localhost names, the bound address and the
 *   names in MAPWATCH_ALLOWED_HOSTS are served; anything else gets 421.
 * - Cross-site request refusal for state-changing methods (anything but GET/HEAD/OPTIONS):
 *   `Sec-Fetch-Site` must be same-origin (or none: typed by hand, curl), an `Origin` must be
 *   one of the allowed hosts, and the body must not be a type a page can send cross-site
 *   without a CORS preflight (text/plain, form encodings). Basic-auth credentials are sent by
 *   the browser on its own, so authentication alone does not stop a forged request.
 *   The review app's own forms are the one exception: a form encoding passes when the
 *   request proves it comes from our origin (Sec-Fetch-Site: same-origin, or an Origin equal
 *   to the Host, which browsers send with every form POST). The real protection of those
 *   forms is the session's CSRF token (src/http/auth/check-csrf.ts); this check is the
 *   second fence. text/plain is never accepted.
 * - Behind a reverse proxy: "the Host" is `req.host`, which is X-Forwarded-Host only when the
 *   request's peer is a proxy listed in MAPWATCH_TRUST_PROXY (Express's "trust proxy"), else the
 *   Host header; with Secure cookies, a request such a proxy says came over plain HTTP is sent
 *   to HTTPS (the browser would drop the Secure session cookie).
 * - Admin authentication: a bearer token, or HTTP basic auth whose password is the token.
 *   Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Body types a cross-site page can POST without a CORS preflight. */
const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);
/** The encodings of an HTML form; accepted only from our own origin. */
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
export const LOCAL_HOST_NAMES = ['localhost', '127.0.0.1', '::1'];

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** Host name without port or IPv6 brackets, lower-cased; undefined when malformed. */
export function hostNameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const h = hostHeader.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(h);
  if (v6) return v6[1];
  const m = /^([a-z0-9.-]+)(?::\d+)?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, '') : undefined;
}

export function allowedHostSet(bound: string | undefined, extra: readonly string[]): Set<string> {
  const set = new Set(LOCAL_HOST_NAMES);
  // A wildcard bind address is not a name anyone types; only real addresses are added.
  if (bound && bound !== '0.0.0.0' && bound !== '::') set.add(bound.toLowerCase());
  for (const h of extra) {
    const name = hostNameOf(h);
    if (name) set.add(name);
  }
  return set;
}

/**
 * Whether the browser says the request comes from a page of this very origin: Sec-Fetch-Site
 * is same-origin, or the Origin header's host (with port) is the Host the request was sent
 * to. Requests typed by hand (curl) prove neither.
 */
export function sameOriginProven(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host === (requestHost(req) ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/** The Host the client asked for: X-Forwarded-Host from a trusted proxy, else the Host header. */
export function requestHost(req: Request): string | undefined {
  return req.host;
}

/**
 * With Secure cookies behind a trusted proxy: a request that proxy reports as plain HTTP
 * (X-Forwarded-Proto: http) goes to HTTPS; GET and HEAD are redirected (308, to the host the
 * guard before has allowed), anything else is refused. Without the header nothing is assumed.
 */
export function httpsBehindProxy(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.protocol !== 'http' || !req.get('x-forwarded-proto')) return next();
    if (req.method === 'GET' || req.method === 'HEAD')
      return res.redirect(308, `https://${requestHost(req) ?? ''}${req.originalUrl}`);
    refuse(res, 403, 'https_required', `${req.method} over plain HTTP is refused; use https://`);
  };
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ ok: false, code, error: message });
}

export function hostGuard(allowed: ReadonlySet<string>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const host = requestHost(req);
    const name = hostNameOf(host);
    if (name && allowed.has(name)) return next();
    refuse(
      res,
      421,
      'host_not_allowed',
      `Host "${String(host ?? '')}" is not served here; add it to MAPWATCH_ALLOWED_HOSTS if it is yours`,
    );
  };
}

export function crossSiteGuard(allowed: ReadonlySet<string>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!isStateChanging(req.method)) return next();
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return refuse(res, 403, 'cross_site', `a ${site} ${req.method} is refused (Sec-Fetch-Site)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let host: string | undefined;
      try {
        host = origin === 'null' ? undefined : hostNameOf(new URL(origin).host);
      } catch {
        host = undefined;
      }
      if (!host || !allowed.has(host) || hostNameOf(requestHost(req)) !== host) {
        return refuse(res, 403, 'cross_site', `a ${req.method} from origin ${origin} is refused`);
      }
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (FORM_TYPES.has(type) && sameOriginProven(req)) return next();
    if (SIMPLE_TYPES.has(type)) {
      return refuse(res, 415, 'content_type', `${type} is not accepted for ${req.method}; send application/json`);
    }
    next();
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Requires the admin token (bearer, or basic-auth password with any user name). */
export function adminAuth(token: string, realm = 'mapwatch'): RequestHandler {
  const want = digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    const h = req.headers.authorization ?? '';
    let given: string | undefined;
    const bearer = /^Bearer\s+(.+)$/i.exec(h);
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h);
    if (bearer) given = bearer[1]!.trim();
    else if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      given = i >= 0 ? decoded.slice(i + 1) : undefined;
    }
    if (given !== undefined && timingSafeEqual(digest(given), want)) return next();
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    refuse(res, 401, 'unauthenticated', 'admin credentials required (MAPWATCH_ADMIN_TOKEN)');
  };
}
