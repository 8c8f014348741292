/**
 * The review app's and the API's answer to anything that went wrong. Under /api (and the
 * JSON of /queues) it is JSON `{ok:false, code, error}` with the status of the error's code
 * (src/errors.ts: 400, 401, 403, 404, 409, 503); for pages a small HTML page in the
 * layout, and a 401 sends the browser to /login with the page to come back to. Errors that
 * are not ours are `internal`: a 500 that says nothing about the server (no stack, no
 * message), logged to stderr for the operator.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthUser } from './auth/auth-user.js';
import { type ErrorCode, MapwatchError, NotFoundError, UnauthorizedError } from '../errors.js';
import { html } from './html.js';
import { layout } from './pages/layout.js';
import { redactUrl } from '../redact-url.js';

/** A `next` path after sign-in: only a same-origin relative path; anything else goes to /cases. */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
    return '/cases';
  // No control characters (header splitting) and no backslashes (browsers read \ as /).
  if (/[\u0000-\u001f\u007f\\]/.test(next) || next.length > 2000) return '/cases';
  return next;
}

export function isApiRequest(req: Request): boolean {
  const p = req.originalUrl;
  return p === '/api' || p.startsWith('/api/') || p.startsWith('/queues/api/');
}

/**
 * Nothing matched. A visitor who is not signed in is sent to sign in instead (a 401), so
 * the app does not show strangers which pages exist, and a bookmark leads through /login.
 */
export function notFound(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    next(
      !res.locals.user && !isApiRequest(req)
        ? new UnauthorizedError('sign in to see this page')
        : new NotFoundError(
            isApiRequest(req) ? `no API route ${req.method} ${req.path}` : `there is no page at ${req.path}`,
          ),
    );
}

interface HttpFailure {
  status: number;
  code: ErrorCode;
  message: string;
}

function failureOf(err: unknown): HttpFailure {
  if (err instanceof MapwatchError && err.code !== 'internal')
    return { status: err.httpStatus, code: err.code, message: err.message };
  // body-parser: malformed JSON or form body, or one too large.
  const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
  if (e?.expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return { status: e.status, code: 'invalid_input', message: `request body: ${e.message ?? 'malformed'}` };
  return { status: 500, code: 'internal', message: 'internal error; the server log says more' };
}

export function handleErrors(): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const f = failureOf(err);
    if (f.code === 'internal')
      process.stderr.write(
        `mapwatch: internal error on ${req.method} ${redactUrl(req.originalUrl)}: ${redactUrl((err as Error)?.message ?? String(err))}\n`,
      );
    if (isApiRequest(req)) {
      res.status(f.status).json({ ok: false, code: f.code, error: f.message });
      return;
    }
    if (f.status === 401) {
      const back = req.method === 'GET' ? `?next=${encodeURIComponent(safeNextPath(req.originalUrl))}` : '';
      res.redirect(303, `/login${back}`);
      return;
    }
    const user = res.locals.user as AuthUser | undefined;
    const title = TITLES[f.code] ?? 'Error';
    res
      .status(f.status)
      .type('html')
      .send(
        layout({
          title,
          user,
          body: html`<section class="error-page">
            <h1>${title}</h1>
            <p>${f.message}</p>
            <p><a href="${user ? '/cases' : '/login'}">${user ? 'Back to the cases' : 'Sign in'}</a></p>
          </section>`,
        }).value,
      );
  };
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  invalid_input: 'That did not work',
  not_found: 'Not found',
  conflict: 'Not possible right now',
  forbidden: 'Not allowed',
  unavailable: 'Temporarily unavailable',
  internal: 'Something went wrong',
};
