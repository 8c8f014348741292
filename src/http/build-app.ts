/**
 * The review app and the REST API as one express application, built from the app context
 * (src/app/open-app.ts). `startHttpServer` mounts it after the Host and cross-site guards.
 * Each area adds its router here: auth (login, logout, sessions, tokens), the pages, and
 * /api/v1. Area routers never build their own dependencies; they get them from `deps`.
 */
import express, { type Express } from 'express';
import type { Queue } from 'bullmq';
import type { AppContext } from '../context.js';

export interface AppDeps {
  ctx: AppContext;
  queues: Queue[];
  /** Set the session cookie's Secure flag (behind HTTPS). */
  secureCookies: boolean;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  void deps;
  // auth: mounts cookie/session/token parsing, CSRF, /login, /logout (helper "auth")
  // pages: /cases, /cases/:id, /findings, /resellers, /sites, /outbox (helpers "cases", "pages")
  // api:   /api/v1/... and /api/v1/openapi.json (helpers "cases", "pages")
  return app;
}
