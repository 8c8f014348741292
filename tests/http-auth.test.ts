/**
 * Sign-in, sessions, CSRF, API tokens and security headers of the review app, against the
 * real HTTP server on 127.0.0.1 and a real database (a Postgres schema and embedded PGlite).
 * Requests are raw HTTP, so each sets Cookie, Origin and Sec-Fetch-Site as a browser would.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/http/security-headers.js';
import { WRONG_LOGIN } from '../src/http/auth/login-routes.js';
import { disableUser } from '../src/http/auth/disable-user.js';
import { revokeApiToken } from '../src/http/auth/revoke-api-token.js';
import { hashPassword, needsRehash, verifyPassword } from '../src/http/auth/password-hash.js';
import { BACKENDS } from './support/db.js';
import { type Browser, call, cookieFrom, startTestApp, type TestApp } from './support/app-server.js';

const escapedWrong = WRONG_LOGIN.replace(/'/g, '&#39;');

describe.each(BACKENDS)('review app sign-in and access (%s)', { timeout: 120_000 }, (backend) => {
  let app: TestApp;
  let admin: { email: string; password: string };
  let ops: { email: string; password: string };
  let viewer: { email: string; password: string };

  beforeAll(async () => {
    // Small limits, so reaching them takes a few scrypt verifications, not ten.
    app = await startTestApp(backend, {
      server: { app: { loginLimits: { windowMs: 15 * 60_000, perEmail: 3, perClient: 6 } } },
    });
    admin = await app.addUser('admin', 'Admin@Test.Example');
    ops = await app.addUser('ops');
    viewer = await app.addUser('viewer');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('signs in with the right password; a wrong password and an unknown email get the same answer', async () => {
    const page = await call(app.url, '/login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post" action="/login"');

    // Email in another case: one account.
    const ok = await call(app.url, '/login', {
      form: { email: 'ADMIN@test.example', password: admin.password, next: '/cases?status=open' },
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/cases?status=open');
    const set = ok.headers['set-cookie']!.join('\n');
    expect(set).toMatch(/mapwatch_session=mws_[\w-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax/);
    expect(set).not.toMatch(/Secure/);
    const me = await call(app.url, '/api/v1/me', { headers: { cookie: cookieFrom(ok)! } });
    expect(JSON.parse(me.body)).toEqual({
      id: expect.any(Number),
      email: 'admin@test.example',
      role: 'admin',
      via: 'session',
    });

    const wrong = await call(app.url, '/login', { form: { email: viewer.email, password: 'not-the-password' } });
    const unknown = await call(app.url, '/login', { form: { email: 'nobody@test.example', password: 'whatever-pw' } });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toContain(escapedWrong);
      expect(cookieFrom(r)).toBeUndefined();
    }
    // Same page apart from the email echoed back into the form.
    const strip = (r: { body: string }) => r.body.replace(/value="[^"]*@test\.example"/, '');
    expect(strip(wrong)).toBe(strip(unknown));

    // An open redirect through ?next is not possible.
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const r = await call(app.url, '/login', { form: { email: ops.email, password: ops.password, next } });
      expect(r.headers.location, next).toBe('/cases');
    }
  });

  it('a page without a session redirects to /login with the way back; the API answers 401 JSON', async () => {
    const page = await call(app.url, '/no-such-page?x=1');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fno-such-page%3Fx%3D1');
    expect((await call(app.url, '/')).headers.location).toBe('/cases');
    const api = await call(app.url, '/api/v1/me');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ ok: false, code: 'unauthorized' });
    const signedIn = await app.signIn(viewer.email, viewer.password);
    const missing = await call(app.url, '/no-such-page', { as: signedIn });
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<h1>Not found</h1>');
    const apiMissing = await call(app.url, '/api/v1/no-such-thing', { as: signedIn });
    expect(apiMissing.status).toBe(404);
    expect(JSON.parse(apiMissing.body)).toMatchObject({ ok: false, code: 'not_found' });
  });

  it('rate-limits failed sign-ins per email and per address with a 429, even for the right password', async () => {
    const victim = await app.addUser('compliance');
    for (let i = 0; i < 3; i++)
      expect(
        (await call(app.url, '/login', { form: { email: victim.email, password: `guess-${i}-xxxx` } })).status,
      ).toBe(401);
    const limited = await call(app.url, '/login', { form: { email: victim.email, password: victim.password } });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatch(/Too many failed sign-ins .* Wait 15 minutes/);
    expect(cookieFrom(limited)).toBeUndefined();
    // Other emails from this address: the per-address limit (6) counts the earlier failures too.
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i++)
      status = (await call(app.url, '/login', { form: { email: `spray-${i}@test.example`, password: 'x-xxxxxxxx' } }))
        .status;
    expect(status).toBe(429);
    // The limit lives in the database: clearing it (the window passing) lets the user in.
    await app.h.db.deleteFrom('login_failures').execute();
    await app.signIn(victim.email, victim.password);
  });

  it('sign-out ends the session for good, and needs the CSRF token', async () => {
    const b = await app.signIn(ops.email, ops.password);
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(200);
    const forged = await call(app.url, '/logout', { as: b, form: {} });
    expect(forged.status).toBe(403);
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(200);
    const out = await call(app.url, '/logout', { as: b, form: { _csrf: b.csrf } });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(out.headers['set-cookie']!.join('\n')).toMatch(/mapwatch_session=; Path=\/; Max-Age=0/);
    // The old cookie, replayed, is nobody.
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(401);
  });

  it('signing in again from a signed-in browser starts a new session and ends the old one', async () => {
    const b = await app.signIn(ops.email, ops.password);
    // A stale sign-in tab: POST /login with the session cookie and no CSRF token is fine.
    const again = await call(app.url, '/login', { as: b, form: { email: ops.email, password: ops.password } });
    expect(again.status).toBe(303);
    const fresh = cookieFrom(again)!;
    expect(fresh).not.toBe(b.cookie);
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(401);
    expect((await call(app.url, '/api/v1/me', { headers: { cookie: fresh } })).status).toBe(200);
  });

  it('CSRF: a session form POST without the token or with a wrong one is 403; cross-site forms are refused first', async () => {
    const b: Browser = await app.signIn(viewer.email, viewer.password);
    const none = await call(app.url, '/logout', { as: b, form: { x: '1' } });
    expect(none.status).toBe(403);
    expect(none.body).toContain('no CSRF token');
    const wrong = await call(app.url, '/logout', { as: b, form: { _csrf: 'A'.repeat(43) } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('does not match');
    const header = await call(app.url, '/logout', { as: b, json: {}, headers: { 'x-csrf-token': 'nope' } });
    expect(header.status).toBe(403);
    // A form from another site, even with the right token, never gets past the cross-site guard.
    const cross = await call(app.url, '/logout', {
      as: b,
      form: { _csrf: b.csrf },
      headers: { origin: 'http://attacker.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.body)).toMatchObject({ code: 'cross_site' });
    // A form with no proof of origin at all (no Origin, no Sec-Fetch-Site) is refused as before.
    const bare = await call(app.url, '/logout', {
      as: b,
      form: { _csrf: b.csrf },
      headers: { origin: '', 'sec-fetch-site': '' },
    });
    expect(bare.status).toBe(415);
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(200);
    // The header form works for scripts.
    const ok = await call(app.url, '/logout', { as: b, json: {}, headers: { 'x-csrf-token': b.csrf } });
    expect(ok.status).toBe(303);
  });

  it('every response carries the security headers, CSP included; the assets are served', async () => {
    for (const p of ['/login', '/healthz', '/api/v1/me', '/assets/app.css', '/nowhere']) {
      const r = await call(app.url, p);
      expect(r.headers['content-security-policy'], p).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers['x-content-type-options'], p).toBe('nosniff');
      expect(r.headers['referrer-policy'], p).toBe('same-origin');
      expect(r.headers['x-frame-options'], p).toBe('DENY');
      expect(r.headers['strict-transport-security'], p).toBeUndefined();
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    const css = await call(app.url, '/assets/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    expect((await call(app.url, '/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await call(app.url, '/assets/../package.json')).status).not.toBe(200);
  });

  it('API tokens: none or revoked → 401, a role without the right → 403, and no CSRF needed', async () => {
    const adminToken = await app.apiToken(admin.email, 'ci');
    const viewerToken = await app.apiToken(viewer.email);
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await call(app.url, '/api/v1/users')).status).toBe(401);
    const bad = await call(app.url, '/api/v1/users', { headers: bearer('mwt_' + 'x'.repeat(43)) });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, code: 'unauthorized' });
    const list = await call(app.url, '/api/v1/users', { headers: bearer(adminToken) });
    expect(list.status).toBe(200);
    const users = (JSON.parse(list.body) as { users: { email: string; role: string }[] }).users;
    expect(users.map((u) => u.email)).toContain(viewer.email);
    expect(list.body).not.toMatch(/scrypt|password/);
    const denied = await call(app.url, '/api/v1/users', { headers: bearer(viewerToken) });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(JSON.parse((await call(app.url, '/api/v1/me', { headers: bearer(viewerToken) })).body)).toMatchObject({
      role: 'viewer',
      via: 'token',
    });
    // A malformed body is a 400 naming the body, in the API's error shape.
    const broken = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL('/api/v1/me', app.url);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { ...bearer(viewerToken), 'content-type': 'application/json' },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{"not json');
    });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({
      ok: false,
      code: 'invalid_input',
      error: expect.stringMatching(/^request body: /),
    });
    expect(broken.body).not.toMatch(/\bat .*\.js:\d+/);
    // A token request needs no CSRF token (no browser sends Authorization on its own).
    const post = await call(app.url, '/logout', { json: {}, headers: bearer(viewerToken) });
    expect(post.status).toBe(303);
    // Only the hash is stored.
    const stored = await app.h.db.selectFrom('api_tokens').select('token_sha256').execute();
    expect(JSON.stringify(stored)).not.toContain(adminToken.slice(4));
    const id = (await app.h.db.selectFrom('api_tokens').select('id').where('name', '=', 'ci').executeTakeFirstOrThrow())
      .id;
    await revokeApiToken(app.h.db, id);
    expect((await call(app.url, '/api/v1/me', { headers: bearer(adminToken) })).status).toBe(401);
  });

  it('bull-board: ops and admin sessions get in, a viewer gets 403, anonymous gets nothing', async () => {
    const o = await app.signIn(ops.email, ops.password);
    const board = await call(app.url, '/queues', { as: o });
    expect(board.status).toBe(200);
    expect(board.body).toMatch(/<html/i);
    // bull-board's page needs its <base href> and inline styles; its scripts are still same-origin only.
    const csp = String(board.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("base-uri 'self'");
    const v = await app.signIn(viewer.email, viewer.password);
    expect((await call(app.url, '/queues', { as: v })).status).toBe(403);
    expect((await call(app.url, '/queues/api/queues', { as: v })).status).toBe(403);
    expect((await call(app.url, '/queues/api/queues')).status).toBe(404);
    // bull-board's own script cannot send our CSRF token; a session request there must prove its origin.
    const put = (headers: Record<string, string>) =>
      call(app.url, '/queues/api/queues/none/pause', { method: 'PUT', as: o, headers });
    expect((await put({})).status).toBe(403);
    expect((await put({ 'sec-fetch-site': 'same-origin' })).status).not.toBe(403);
  });

  it('a disabled user cannot sign in, and their sessions and tokens stop working', async () => {
    const u = await app.addUser('compliance');
    const b = await app.signIn(u.email, u.password);
    const token = await app.apiToken(u.email);
    await disableUser(app.h.db, u.email);
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(401);
    expect((await call(app.url, '/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const r = await call(app.url, '/login', { form: { email: u.email, password: u.password } });
    expect(r.status).toBe(401);
    expect(r.body).toContain(escapedWrong);
  });

  it('an idle or expired session is nobody, and its row goes', async () => {
    const b = await app.signIn(viewer.email, viewer.password);
    const old = new Date(Date.now() - 3 * 3600_000);
    await app.h.db.updateTable('sessions').set({ last_seen_at: old }).where('csrf_token', '=', b.csrf).execute();
    expect((await call(app.url, '/api/v1/me', { as: b })).status).toBe(401);
    expect(await app.h.db.selectFrom('sessions').select('id').where('csrf_token', '=', b.csrf).execute()).toEqual([]);
    const c = await app.signIn(viewer.email, viewer.password);
    await app.h.db.updateTable('sessions').set({ expires_at: new Date() }).where('csrf_token', '=', c.csrf).execute();
    expect((await call(app.url, '/api/v1/me', { as: c })).status).toBe(401);
  });
});

describe('password hashes', () => {
  it('are scrypt with their parameters in the string, salted, and verified in constant time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'not a hash')).toBe(false);
    // Weaker parameters still verify, and are marked for an upgrade at the next sign-in.
    const weak = await hashPassword('pw', { ln: 10, r: 8, p: 1 });
    expect(await verifyPassword('pw', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(a)).toBe(false);
    // A tampered row cannot make a login allocate gigabytes.
    expect(await verifyPassword('pw', weak.replace('ln=10', 'ln=30'))).toBe(false);
  });
});
