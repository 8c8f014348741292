/**
 * Single sign-on through a real OpenID Connect provider (oidc-provider, run here on
 * 127.0.0.2, so the provider is another site than the app on 127.0.0.1) and real Chromium:
 * the whole authorization-code flow with PKCE, the role taken from the `groups` claim,
 * refusals (no mapped group, a disabled account, a flow from another browser, a forged
 * state), and the settings' error messages.
 */
import http from 'node:http';
import net from 'node:net';
import Provider from 'oidc-provider';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProcessConfig } from '../src/config/process-config.js';
import { disableUser } from '../src/http/auth/disable-user.js';
import { oidcSettingsFrom, parseRoleRules, roleForClaim, type OidcSettings } from '../src/http/auth/oidc-settings.js';
import { call, startTestApp, type TestApp } from './support/app-server.js';
import { BACKENDS } from './support/db.js';
import { launchChromium } from './support/review-app.js';

/** Who the provider knows: the login typed on its form → groups. */
const GROUPS: Record<string, string[]> = {
  clara: ['staff', 'pricing'],
  otto: ['ops-team'],
  mallory: ['marketing'],
  dora: ['pricing'],
};

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startProvider(redirectUri: string): Promise<{ issuer: string; close(): Promise<void> }> {
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  const issuer = `http://127.0.0.2:${(server.address() as net.AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'mapwatch',
        client_secret: 'test-client-secret-0123456789',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    scopes: ['openid', 'email', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: `${id}@northwind.example`,
          email_verified: true,
          groups: GROUPS[id] ?? [],
        }),
      };
    },
    cookies: { keys: ['test-cookie-key-0123456789'] },
  });
  handler = provider.callback();
  return { issuer, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('SSO settings', () => {
  const base = {
    MAPWATCH_OIDC_ISSUER: 'https://id.northwind.example/realms/staff',
    MAPWATCH_OIDC_CLIENT_ID: 'mapwatch',
    MAPWATCH_OIDC_REDIRECT_URL: 'https://mapwatch.northwind.example/auth/oidc/callback',
    MAPWATCH_OIDC_ROLES: 'mw-admins=admin, pricing=compliance, *=viewer',
  };

  it('is off without an issuer, and complete settings parse', () => {
    expect(oidcSettingsFrom(loadProcessConfig({}))).toBeUndefined();
    const s = oidcSettingsFrom(loadProcessConfig(base))!;
    expect(s.roles).toEqual([
      { value: 'mw-admins', role: 'admin' },
      { value: 'pricing', role: 'compliance' },
      { value: '*', role: 'viewer' },
    ]);
    expect(s.scopes).toBe('openid email profile');
    expect(s.roleClaim).toBe('groups');
  });

  it('names the missing or wrong variable', () => {
    const without = (k: keyof typeof base) => () => oidcSettingsFrom(loadProcessConfig({ ...base, [k]: '' }));
    expect(without('MAPWATCH_OIDC_CLIENT_ID')).toThrow(/MAPWATCH_OIDC_CLIENT_ID is required with MAPWATCH_OIDC_ISSUER/);
    expect(without('MAPWATCH_OIDC_REDIRECT_URL')).toThrow(/MAPWATCH_OIDC_REDIRECT_URL is required/);
    expect(without('MAPWATCH_OIDC_ROLES')).toThrow(/MAPWATCH_OIDC_ROLES is required/);
    expect(() =>
      oidcSettingsFrom(loadProcessConfig({ ...base, MAPWATCH_OIDC_REDIRECT_URL: 'https://m.example/callback' })),
    ).toThrow(/path must be \/auth\/oidc\/callback/);
    expect(() => parseRoleRules('pricing=manager')).toThrow(/"pricing=manager" must look like CLAIM_VALUE=ROLE/);
    expect(() => parseRoleRules('=admin')).toThrow(/must look like/);
    expect(() => loadProcessConfig({ MAPWATCH_OIDC_ISSUER: 'not a url' })).toThrow(/MAPWATCH_OIDC_ISSUER/);
  });

  it('maps claims: a list or one value, the first matching rule, a wildcard, nothing', () => {
    const rules = parseRoleRules('mw-admins=admin,pricing=compliance,ops=ops');
    expect(roleForClaim(rules, ['ops', 'pricing'])).toBe('compliance');
    expect(roleForClaim(rules, 'ops')).toBe('ops');
    expect(roleForClaim(rules, ['marketing'])).toBeUndefined();
    expect(roleForClaim(rules, undefined)).toBeUndefined();
    expect(roleForClaim(rules, [{ value: 'mw-admins' }])).toBeUndefined();
    expect(roleForClaim(parseRoleRules('ops=ops,*=viewer'), [])).toBe('viewer');
  });
});

describe.each(BACKENDS)('SSO sign-in through a real provider and Chromium (%s)', { timeout: 180_000 }, (backend) => {
  let app: TestApp;
  let provider: { issuer: string; close(): Promise<void> };
  let browser: Browser;
  let settings: OidcSettings;

  beforeAll(async () => {
    const port = await freePort('127.0.0.1');
    const redirect = `http://127.0.0.1:${port}/auth/oidc/callback`;
    provider = await startProvider(redirect);
    settings = oidcSettingsFrom(
      loadProcessConfig({
        MAPWATCH_OIDC_ISSUER: provider.issuer,
        MAPWATCH_OIDC_CLIENT_ID: 'mapwatch',
        MAPWATCH_OIDC_CLIENT_SECRET: 'test-client-secret-0123456789',
        MAPWATCH_OIDC_REDIRECT_URL: redirect,
        MAPWATCH_OIDC_SCOPES: 'openid email groups',
        MAPWATCH_OIDC_ROLES: 'mw-admins=admin,pricing=compliance,ops-team=ops',
      }),
    )!;
    app = await startTestApp(backend, { server: { port, app: { oidc: settings } } });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await provider?.close();
  });

  /** Clicks "Sign in with SSO" and signs in at the provider as `login`; returns the page. */
  async function ssoSignIn(login: string, next = '/cases') {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/login?next=${encodeURIComponent(next)}`);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.waitForURL((u) => u.host === new URL(provider.issuer).host);
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'anything');
    await page.click('button[type=submit]');
    // The provider asks to confirm the scopes once per account.
    await page.waitForLoadState();
    if (new URL(page.url()).host === new URL(provider.issuer).host) await page.click('button[type=submit]');
    await page.waitForURL((u) => u.host === new URL(app.url).host);
    return { page, context };
  }

  async function userRow(email: string) {
    return app.h.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  it('the sign-in page offers SSO; the provider signs clara in with the role of her group', async () => {
    const { page, context } = await ssoSignIn('clara', '/findings');
    expect(new URL(page.url()).pathname).toBe('/findings');
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    expect(me).toMatchObject({ email: 'clara@northwind.example', role: 'compliance', via: 'session' });
    const row = await userRow('clara@northwind.example');
    expect(row?.role).toBe('compliance');
    // An account made by SSO has no password anyone could guess or use.
    const pw = await call(app.url, '/login', { form: { email: 'clara@northwind.example', password: '!sso' } });
    expect(pw.status).toBe(401);
    await context.close();
  });

  it('takes the role from the claim on every sign-in', async () => {
    GROUPS.otto = ['ops-team'];
    await (await ssoSignIn('otto')).context.close();
    expect((await userRow('otto@northwind.example'))?.role).toBe('ops');
    GROUPS.otto = ['ops-team', 'mw-admins'];
    const { page, context } = await ssoSignIn('otto');
    expect(await page.evaluate(async () => (await fetch('/api/v1/me')).json())).toMatchObject({ role: 'admin' });
    await context.close();
  });

  it('refuses a person whose groups map to no role, and makes no account', async () => {
    const { page, context } = await ssoSignIn('mallory');
    expect(await page.locator('h1').textContent()).toBe('Not allowed');
    expect(await page.locator('.error-page').textContent()).toContain(
      'mallory@northwind.example has no mapwatch role: its "groups" claim matches none of MAPWATCH_OIDC_ROLES',
    );
    expect(await userRow('mallory@northwind.example')).toBeUndefined();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    expect(me).toBe(401);
    await context.close();
  });

  it('refuses a disabled account', async () => {
    await (await ssoSignIn('dora')).context.close();
    await disableUser(app.h.db, 'dora@northwind.example');
    const { page, context } = await ssoSignIn('dora');
    expect(await page.locator('.error-page').textContent()).toContain('the account dora@northwind.example is disabled');
    await context.close();
  });

  it('refuses a callback without its flow cookie, and one with a forged state', async () => {
    const bare = await call(app.url, '/auth/oidc/callback?code=x&state=y');
    expect(bare.status).toBe(400);
    expect(bare.body).toContain('expired or was started in another browser');
    const start = await call(app.url, '/login/oidc?next=/cases');
    expect(start.status).toBe(303);
    expect(start.headers.location).toMatch(/code_challenge_method=S256/);
    const flow = start.headers['set-cookie']!.find((c) => c.startsWith('mapwatch_oidc='))!;
    expect(flow).toMatch(/Path=\/auth\/oidc\/callback; Max-Age=600; HttpOnly; SameSite=Lax/);
    const forged = await call(app.url, '/auth/oidc/callback?code=x&state=forged', {
      headers: { cookie: flow.split(';')[0]! },
    });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('the SSO sign-in could not be completed');
    expect(forged.headers['set-cookie']?.join('\n') ?? '').not.toMatch(/mapwatch_session=mws_/);
  });
});
