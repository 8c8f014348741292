/**
 * The HTTP server `mapwatch serve` runs: `/healthz` (database and queue backend reachable)
 * and the review app with its API (src/http/build-app.ts: sign-in, pages, /api/v1, and
 * bull-board at /queues for ops and admin users, or the admin token when enabled). Binds to
 * 127.0.0.1 by default. Every request first passes the Host allow-list (DNS rebinding) and,
 * if it changes state, the cross-site checks (src/http/request-guards.ts). Behind a reverse
 * proxy listed in MAPWATCH_TRUST_PROXY, those see the forwarded host and client address.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import express from 'express';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { buildApp, type AppDeps } from './build-app.js';
import { allowedHostSet, crossSiteGuard, hostGuard, httpsBehindProxy } from './request-guards.js';
import { securityHeaders } from './security-headers.js';
import { UserError } from '../errors.js';

export interface HttpServerOptions {
  /** What the review app and the API work on (database, policy, hooks), from openApp(). */
  ctx: AppContext;
  queues: Queue[];
  host?: string;
  port?: number;
  /** bull-board at /queues also takes this admin token (MAPWATCH_QUEUE_UI=1 plus MAPWATCH_ADMIN_TOKEN). */
  queueUi?: { token: string };
  /** Host names served besides localhost and the bound address (MAPWATCH_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  /** Secure session cookie and HSTS (default: MAPWATCH_SECURE_COOKIES of ctx.config). */
  secureCookies?: boolean;
  /** Reverse proxies whose X-Forwarded-* headers are believed (default: MAPWATCH_TRUST_PROXY of ctx.config). */
  trustProxy?: readonly string[];
  /** Session and login-limit settings for tests; see AppDeps. */
  app?: Pick<AppDeps, 'session' | 'loginLimits' | 'oidc'>;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(o: HttpServerOptions): Promise<RunningHttpServer> {
  const app = express();
  app.disable('x-powered-by');
  const secureCookies = o.secureCookies ?? o.ctx.config?.MAPWATCH_SECURE_COOKIES ?? false;
  const hosts = allowedHostSet(o.host ?? '127.0.0.1', o.allowedHosts ?? []);
  // Off unless configured: then req.ip, req.host and req.protocol (which the guards, the login
  // limit and the HTTPS redirect read) take X-Forwarded-* only from a request whose peer is one
  // of these proxies; the review app (a sub-app) inherits the setting.
  const trustProxy = o.trustProxy ?? o.ctx.config?.MAPWATCH_TRUST_PROXY ?? [];
  app.set('trust proxy', trustProxy.length ? [...trustProxy] : false);
  // Headers first, so even a refused request carries them.
  app.use(securityHeaders({ hsts: secureCookies }));
  app.use(hostGuard(hosts));
  if (secureCookies && trustProxy.length) app.use(httpsBehindProxy());
  app.use(crossSiteGuard(hosts));
  app.get('/healthz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(o.ctx.db);
      checks.database = 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
    }
    try {
      await Promise.all(o.queues.map((q) => q.getJobCounts('waiting')));
      checks.queues = 'ok';
    } catch (err) {
      checks.queues = (err as Error).message;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ ok, ...checks });
  });
  app.use(buildApp({ ctx: o.ctx, queues: o.queues, secureCookies, queueUi: o.queueUi, ...o.app }));
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 8080;
  // Express 5 hands a listen error (a port in use) to this callback, not to an 'error' event.
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => {
      if (!err) return resolve(s);
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL'
          ? new UserError(
              `--port/--host: cannot listen on ${host}:${port} (${code}); choose another port with --port, or stop what uses it`,
            )
          : err,
      );
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
