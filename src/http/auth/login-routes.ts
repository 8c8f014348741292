/**
 * /login (the form, and signing in), /logout, and `/` (to the cases). A failed sign-in
 * answers the same, and takes about as long, whether the email is unknown, the password
 * wrong or the user disabled: the form must not tell an attacker which accounts exist.
 * The rate limit (login-rate-limit.ts) is checked first and answers 429.
 */
import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/tables.js';
import { safeNextPath } from '../handle-errors.js';
import { html, type SafeHtml } from '../html.js';
import { layout } from '../pages/layout.js';
import type { AuthUser } from './auth-user.js';
import { sessionIdOf } from './authenticate.js';
import { findUserByEmail } from './create-user.js';
import { createSession, endSession } from './create-session.js';
import { clearLoginFailures, type LoginLimits, loginLimited, recordLoginFailure } from './login-rate-limit.js';
import { burnVerification, hashPassword, needsRehash, verifyPassword } from './password-hash.js';
import type { SessionSettings } from './session-settings.js';

const loginForm = z.object({
  email: z.string().trim().toLowerCase().max(254).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).optional(),
});

export const WRONG_LOGIN = 'Email or password is wrong, or the account is disabled.';

export interface LoginDeps {
  db: Kysely<Database>;
  session: SessionSettings;
  limits: LoginLimits;
  /** Single sign-on is on: the form offers it (src/http/auth/oidc-routes.ts). */
  sso?: { label: string };
}

function loginPage(o: { email?: string; next: string; error?: string; sso?: { label: string } }): SafeHtml {
  return layout({
    title: 'Sign in',
    body: html`<section class="login">
      <h1>Sign in to mapwatch</h1>
      ${o.error ? html`<p class="flash flash-error" role="alert">${o.error}</p>` : ''}
      <form method="post" action="/login" class="stack">
        <input type="hidden" name="next" value="${o.next}" />
        <label
          >Email <input type="email" name="email" value="${o.email ?? ''}" autocomplete="username" required autofocus
        /></label>
        <label>Password <input type="password" name="password" autocomplete="current-password" required /></label>
        <button type="submit" class="primary">Sign in</button>
      </form>
      ${
        o.sso
          ? html`<p class="sso">
              <a class="button" href="/login/oidc?next=${encodeURIComponent(o.next)}">${o.sso.label}</a>
            </p>`
          : ''
      }
      <p class="hint">
        No account? An admin adds one with <code>mapwatch users add EMAIL --role ROLE --password-stdin</code>.
      </p>
    </section>`,
  });
}

/**
 * The address the rate limit counts: the socket's, or, when the peer is a proxy listed in
 * MAPWATCH_TRUST_PROXY, the nearest untrusted address in X-Forwarded-For (Express's req.ip), so
 * a client cannot pick its own by sending the header.
 */
function clientOf(req: Request): string {
  return (req.ip ?? req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

export function loginRoutes(deps: LoginDeps): Router {
  const router = Router();
  const { db } = deps;

  router.get('/', (_req, res) => res.redirect(303, '/cases'));

  router.get('/login', (req: Request, res: Response) => {
    const next = safeNextPath(req.query.next);
    if (res.locals.user) return res.redirect(303, next);
    res.type('html').send(loginPage({ next, sso: deps.sso }).value);
  });

  router.post('/login', async (req: Request, res: Response, nextFn) => {
    try {
      const form = loginForm.safeParse(req.body ?? {});
      const email = form.success ? form.data.email : '';
      const password = form.success ? form.data.password : '';
      const next = safeNextPath(form.success ? form.data.next : undefined);
      const client = clientOf(req);
      const answer = (status: number, error: string) =>
        res
          .status(status)
          .type('html')
          .send(loginPage({ email, next, error, sso: deps.sso }).value);
      if (await loginLimited(db, { email, client, limits: deps.limits })) {
        return answer(
          429,
          `Too many failed sign-ins for this email or from this address. Wait ${Math.round(deps.limits.windowMs / 60_000)} minutes and try again.`,
        );
      }
      const user = email && password ? await findUserByEmail(db, email) : undefined;
      let ok = false;
      if (user) ok = (await verifyPassword(password, user.password_hash)) && user.disabled_at === null;
      else await burnVerification(password);
      if (!user || !ok) {
        await recordLoginFailure(db, { email, client, limits: deps.limits });
        return answer(401, WRONG_LOGIN);
      }
      await clearLoginFailures(db, email);
      // Parameters raised since this hash was made: store one with today's, now that we know the password.
      if (needsRehash(user.password_hash))
        await db
          .updateTable('users')
          .set({ password_hash: await hashPassword(password) })
          .where('id', '=', user.id)
          .execute();
      // A new session for every sign-in (no fixation); the one this browser had, if any, ends.
      const previous = sessionIdOf(res);
      if (previous !== undefined) await db.deleteFrom('sessions').where('id', '=', previous).execute();
      await createSession(db, res, { userId: user.id, settings: deps.session });
      res.redirect(303, next);
    } catch (err) {
      nextFn(err);
    }
  });

  // The CSRF check (check-csrf.ts) has run before: a forged sign-out is refused like any form.
  router.post('/logout', async (_req: Request, res: Response, nextFn) => {
    try {
      const user = res.locals.user as AuthUser | undefined;
      const sessionId = sessionIdOf(res);
      if (user?.via === 'session' && sessionId !== undefined)
        await endSession(db, res, { sessionId, settings: deps.session });
      res.redirect(303, '/login');
    } catch (err) {
      nextFn(err);
    }
  });

  return router;
}
