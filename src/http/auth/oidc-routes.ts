/**
 * "Sign in with SSO": the OpenID Connect authorization-code flow with PKCE, state and nonce
 * (openid-client). GET /login/oidc sends the browser to the provider; the provider sends it
 * back to /auth/oidc/callback, where the code is exchanged, the ID token checked (issuer,
 * audience, signature, nonce), the role worked out from the claim (oidc-settings.ts), and a
 * session made exactly as a password sign-in makes one.
 *
 * The flow's secrets (state, nonce, PKCE verifier, where to go next) ride in a short-lived
 * HttpOnly cookie scoped to the callback path, so any instance behind a proxy can finish a
 * flow another one started. SameSite=Lax: the provider's redirect back is a top-level GET.
 */
import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { Database } from '../../db/tables.js';
import { InvalidInputError, MapwatchError, UnavailableError } from '../../errors.js';
import { safeNextPath } from '../handle-errors.js';
import { sessionIdOf } from './authenticate.js';
import { createSession } from './create-session.js';
import { OIDC_CALLBACK_PATH, type OidcSettings, roleForClaim } from './oidc-settings.js';
import { readCookie, type SessionSettings } from './session-settings.js';
import { signInSsoUser } from './sign-in-sso-user.js';

const FLOW_TTL_S = 600;

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

function flowCookieName(session: SessionSettings): string {
  return session.secureCookies ? '__Secure-mapwatch_oidc' : 'mapwatch_oidc';
}

function flowCookie(session: SessionSettings, value: string, maxAgeS: number): string {
  const parts = [
    `${flowCookieName(session)}=${value}`,
    `Path=${OIDC_CALLBACK_PATH}`,
    `Max-Age=${maxAgeS}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (session.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

function readFlow(req: Request, session: SessionSettings): Flow | undefined {
  const raw = readCookie(req.headers.cookie, flowCookieName(session));
  if (!raw) return undefined;
  try {
    const f = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flow>;
    if (typeof f.state === 'string' && typeof f.nonce === 'string' && typeof f.verifier === 'string')
      return { state: f.state, nonce: f.nonce, verifier: f.verifier, next: safeNextPath(f.next) };
  } catch {
    // a cookie we did not write: same as none
  }
  return undefined;
}

/** Discovery once per process; a failure is retried on the next sign-in, not cached. */
function providerConfig(s: OidcSettings): () => Promise<oidc.Configuration> {
  let pending: Promise<oidc.Configuration> | undefined;
  // http:// is accepted for a provider on this machine only (a development or test IdP).
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(s.issuer.hostname) || /^127\./.test(s.issuer.hostname);
  return () => {
    pending ??= oidc
      .discovery(s.issuer, s.clientId, s.clientSecret, undefined, {
        execute: s.issuer.protocol === 'http:' && loopback ? [oidc.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        pending = undefined;
        throw new UnavailableError(
          `the identity provider ${s.issuer.href} did not answer its discovery document: ${(err as Error).message}`,
          { cause: err },
        );
      });
    return pending;
  };
}

export function oidcRoutes(deps: { db: Kysely<Database>; session: SessionSettings; settings: OidcSettings }): Router {
  const router = Router();
  const { settings, session } = deps;
  const config = providerConfig(settings);

  router.get('/login/oidc', async (req: Request, res: Response, nextFn) => {
    try {
      const flow: Flow = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        next: safeNextPath(req.query.next),
      };
      const url = oidc.buildAuthorizationUrl(await config(), {
        redirect_uri: settings.redirectUrl.href,
        scope: settings.scopes,
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      });
      res.append(
        'Set-Cookie',
        flowCookie(session, Buffer.from(JSON.stringify(flow)).toString('base64url'), FLOW_TTL_S),
      );
      res.redirect(303, url.href);
    } catch (err) {
      nextFn(err);
    }
  });

  router.get(OIDC_CALLBACK_PATH, async (req: Request, res: Response, nextFn) => {
    try {
      const flow = readFlow(req, session);
      res.append('Set-Cookie', flowCookie(session, '', 0));
      if (!flow)
        throw new InvalidInputError('this SSO sign-in expired or was started in another browser; sign in again');
      // The URL the provider redirected to, rebuilt from the configured one: never from Host.
      const current = new URL(settings.redirectUrl.href);
      current.search = new URL(req.originalUrl, 'http://callback.invalid').search;
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(await config(), current, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
      } catch (err) {
        if (err instanceof MapwatchError) throw err;
        throw new InvalidInputError(`the SSO sign-in could not be completed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      let claims: Record<string, unknown> = { ...tokens.claims() };
      // Many providers put groups and email in userinfo only.
      if (claims[settings.roleClaim] === undefined || claims.email === undefined) {
        const info = await oidc.fetchUserInfo(await config(), tokens.access_token, String(claims.sub));
        claims = { ...info, ...claims };
      }
      const user = await signInSsoUser(deps.db, {
        email: claims.email,
        emailVerified: claims.email_verified,
        role: roleForClaim(settings.roles, claims[settings.roleClaim]),
        roleClaim: settings.roleClaim,
      });
      const previous = sessionIdOf(res);
      if (previous !== undefined) await deps.db.deleteFrom('sessions').where('id', '=', previous).execute();
      await createSession(deps.db, res, { userId: user.id, settings: session });
      res.redirect(303, flow.next);
    } catch (err) {
      nextFn(err);
    }
  });

  return router;
}
