/**
 * The review app and the REST API as one express application, built from the app context
 * (src/app/open-app.ts). `startHttpServer` mounts it after the Host and cross-site guards.
 * Each area adds its router here: auth (login, logout, sessions, tokens), the pages, and
 * /api/v1. Area routers never build their own dependencies; they get them from `deps`.
 *
 * Order matters: security headers, body parsing, who is asking (session or API token),
 * the CSRF check, then the routes, then 404 and the error handler (JSON under /api, an
 * HTML page or a redirect to /login elsewhere).
 */
import express, { type Express } from 'express';
import type { Queue } from 'bullmq';
import type { AppContext } from '../context.js';
import { authApi } from './api/auth-api.js';
import { casesApi } from './api/cases-api.js';
import { kpisApi } from './api/kpis-api.js';
import { dashboardPages } from './pages/dashboard-pages.js';
import { authenticate } from './auth/authenticate.js';
import { checkCsrf } from './auth/check-csrf.js';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './auth/login-rate-limit.js';
import { loginRoutes } from './auth/login-routes.js';
import { oidcRoutes } from './auth/oidc-routes.js';
import { oidcSettingsFrom, type OidcSettings } from './auth/oidc-settings.js';
import { casesPages } from './pages/cases-pages.js';
import { sessionSettings, type SessionSettings } from './auth/session-settings.js';
import { handleErrors, notFound } from './handle-errors.js';
import { queueBoard } from './queue-board.js';
import { securityHeaders } from './security-headers.js';
import { serveAssets } from './serve-assets.js';
import { discoveredApi } from './api/discovered-api.js';
import { findingsApi } from './api/findings-api.js';
import { openApiRouter } from './api/openapi.js';
import { noticeLetterApi } from './api/notice-letter-api.js';
import { outboxApi } from './api/outbox-api.js';
import { resellersApi } from './api/resellers-api.js';
import { sitesApi } from './api/sites-api.js';
import { discoveredPages } from './pages/discovered-pages.js';
import { findingsPages } from './pages/findings-pages.js';
import { evidenceFilesPages } from './pages/evidence-files-pages.js';
import { outboxPages } from './pages/outbox-pages.js';
import { resellersPages } from './pages/resellers-pages.js';
import { siteTestBodyParsers, sitesPages } from './pages/sites-pages.js';

export interface AppDeps {
  ctx: AppContext;
  queues: Queue[];
  /** Set the session cookie's Secure flag (behind HTTPS). */
  secureCookies: boolean;
  /** MAPWATCH_ADMIN_TOKEN when MAPWATCH_QUEUE_UI=1: bull-board also takes that token. */
  queueUi?: { token: string };
  /** Session lifetime and idle timeout (defaults: 12 h, 2 h). */
  session?: Partial<Omit<SessionSettings, 'secureCookies'>>;
  /** Login rate limits (default: 10 failures per email, 50 per address, in 15 minutes). */
  loginLimits?: LoginLimits;
  /** Single sign-on (default: from the MAPWATCH_OIDC_* settings of ctx.config; off when unset). */
  oidc?: OidcSettings;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const session = sessionSettings({ ...deps.session, secureCookies: deps.secureCookies });
  app.use(securityHeaders({ hsts: deps.secureCookies }));
  app.use('/assets', serveAssets());
  // Browsers ask for it on every page; no icon, and no sign-in redirect or 404 in the log.
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  app.use(siteTestBodyParsers()); // a saved page is bigger than the default body limits
  app.use(express.urlencoded({ extended: false, limit: '100kb' }), express.json({ limit: '1mb' }));
  app.use(authenticate(deps.ctx.db, session));
  app.use(checkCsrf({ sameOriginOnly: ['/queues'], exempt: ['/login'] }));
  // auth: /, /login, /logout, and bull-board for ops and admin
  const sso = deps.oidc ?? oidcSettingsFrom(deps.ctx.config);
  app.use(
    loginRoutes({
      db: deps.ctx.db,
      session,
      limits: deps.loginLimits ?? DEFAULT_LOGIN_LIMITS,
      sso: sso && { label: sso.label },
    }),
  );
  if (sso) app.use(oidcRoutes({ db: deps.ctx.db, session, settings: sso }));
  app.use(queueBoard({ queues: deps.queues, adminToken: deps.queueUi?.token }));
  app.use('/api/v1', authApi(deps.ctx.db));
  app.use('/api/v1', kpisApi(deps.ctx.db));
  app.use(dashboardPages(deps.ctx));
  // pages: /cases, /cases/:id, /findings, /resellers, /sites, /outbox, /discovered (helpers "cases", "pages")
  // api:   /api/v1/... and /api/v1/openapi.json (helpers "cases", "pages")
  app.use(casesPages(deps));
  app.use(evidenceFilesPages(deps));
  app.use(findingsPages(deps), resellersPages(deps), sitesPages(deps), outboxPages(deps), discoveredPages(deps));
  app.use('/api/v1', casesApi(deps), noticeLetterApi(deps));
  app.use('/api/v1', openApiRouter(), findingsApi(deps), resellersApi(deps), sitesApi(deps), outboxApi(deps));
  app.use('/api/v1', discoveredApi(deps));
  app.use(notFound(), handleErrors());
  return app;
}
