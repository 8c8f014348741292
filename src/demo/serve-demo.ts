/**
 * `mapwatch demo --serve`: after the demo's sweeps, the review app on the demo workspace, in
 * the same process (the embedded database admits one), with the demo's workers still
 * running. One user per role, each with a fresh random password printed once, so a newcomer
 * can see what each role may do. Runs until SIGINT or SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import type { App } from '../app/open-app.js';
import { createUser } from '../http/auth/create-user.js';
import { USER_ROLES, type UserRole } from '../http/auth/permissions.js';
import { startHttpServer } from '../http/http-server.js';

export interface DemoLogin {
  role: UserRole;
  email: string;
  password: string;
}

export interface DemoServer {
  url: string;
  logins: DemoLogin[];
  close(): Promise<void>;
}

export async function serveDemo(app: App, o: { host: string; port: number }): Promise<DemoServer> {
  const logins: DemoLogin[] = [];
  for (const role of USER_ROLES) {
    const password = randomBytes(12).toString('base64url');
    const u = await createUser(app.ctx.db, { email: `${role}@demo.example`, role, password });
    logins.push({ role, email: u.email, password });
  }
  const srv = await startHttpServer({
    ctx: app.ctx,
    queues: Object.values(app.ctx.queues ?? {}),
    host: o.host,
    port: o.port,
    secureCookies: false,
  });
  return { url: srv.url, logins, close: () => srv.close() };
}
