/**
 * The review app served in-process for tests: a test database (Postgres schema or embedded
 * PGlite, see ./db.ts), the real HTTP server (src/http/http-server.ts) on 127.0.0.1 port 0,
 * and helpers to add users, sign in like a browser (cookie + CSRF token) and make API
 * tokens. Requests go through `call()`, a raw HTTP client, so a test sets Origin,
 * Sec-Fetch-Site and Cookie exactly as a browser would.
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import { openApp } from '../../src/app/open-app.js';
import { loadProcessConfig } from '../../src/config/process-config.js';
import type { AppContext } from '../../src/context.js';
import type { DbHandle } from '../../src/db/connect.js';
import { createApiToken } from '../../src/http/auth/create-api-token.js';
import { createUser } from '../../src/http/auth/create-user.js';
import type { UserRole } from '../../src/http/auth/permissions.js';
import { type HttpServerOptions, type RunningHttpServer, startHttpServer } from '../../src/http/http-server.js';
import { type Backend, openTestDb } from './db.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A form (urlencoded) or JSON body. */
  form?: Record<string, string>;
  json?: unknown;
  /** A signed-in browser: sends its cookie, and for forms Origin + Sec-Fetch-Site of our own origin. */
  as?: Browser;
}

export interface Browser {
  cookie: string;
  csrf: string;
}

export function call(base: string, path: string, o: CallOptions = {}): Promise<Reply> {
  const u = new URL(path, base);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (o.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers.origin = u.origin;
    headers['sec-fetch-site'] = 'same-origin';
    body = new URLSearchParams(o.form).toString();
  } else if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  if (o.as) headers.cookie = o.as.cookie;
  // An empty value removes a header the options above added (a request with no Origin at all).
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (v === '') delete headers[k];
    else headers[k] = v;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? (body !== undefined ? 'POST' : 'GET'),
        headers,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The `name=value` of a Set-Cookie header, or undefined. */
export function cookieFrom(r: Reply): string | undefined {
  const set = r.headers['set-cookie'] ?? [];
  const c = set.find((s) => /^(__Host-)?mapwatch_session=mws_/.test(s));
  return c?.split(';')[0];
}

export interface TestApp {
  h: DbHandle;
  ctx: AppContext;
  url: string;
  server: RunningHttpServer;
  /** A user with a generated password. */
  addUser(role: UserRole, email?: string): Promise<{ email: string; password: string }>;
  /** Signs in through POST /login; throws unless it worked. */
  signIn(email: string, password: string): Promise<Browser>;
  apiToken(email: string, name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApp(
  backend: Backend,
  o: { queues?: Queue[]; server?: Partial<HttpServerOptions> } = {},
): Promise<TestApp> {
  const h = await openTestDb(backend);
  const app = await openApp({ config: loadProcessConfig({}), db: h, evidence: false, health: false });
  const server = await startHttpServer({ ctx: app.ctx, queues: o.queues ?? [], port: 0, ...o.server });
  let n = 0;
  const t: TestApp = {
    h,
    ctx: app.ctx,
    url: server.url,
    server,
    async addUser(role, email) {
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      const u = await createUser(h.db, { email: email ?? `${role}-${++n}@test.example`, role, password });
      return { email: u.email, password };
    },
    async signIn(email, password) {
      const r = await call(server.url, '/login', { form: { email, password } });
      const cookie = cookieFrom(r);
      if (r.status !== 303 || !cookie)
        throw new Error(`sign-in of ${email} failed: ${r.status} ${r.body.slice(0, 300)}`);
      const hash = createHash('sha256').update(cookie.split('=')[1]!).digest('hex');
      const s = await h.db
        .selectFrom('sessions')
        .select('csrf_token')
        .where('token_sha256', '=', hash)
        .executeTakeFirstOrThrow();
      return { cookie, csrf: s.csrf_token };
    },
    async apiToken(email, name) {
      return (await createApiToken(h.db, { email, name })).token;
    },
    async close() {
      await server.close();
      await app.close();
      await h.close();
    },
  };
  return t;
}
