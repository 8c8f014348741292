/**
 * MAPWATCH_TRUST_PROXY: X-Forwarded-For, -Host and -Proto are believed only from a configured
 * proxy. Behind one (here: loopback, where the test client connects from), the login rate
 * limit counts the forwarded client (the nearest address the proxy did not add, so a client
 * cannot choose its own), the Host checks see the forwarded host, and with Secure cookies a
 * request the proxy reports as plain HTTP goes to HTTPS. Without the setting the same headers
 * change nothing: the limit counts the socket, the Host header decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProcessConfig } from '../src/config/process-config.js';
import { BACKENDS } from './support/db.js';
import { call, cookieFrom, startTestApp, type TestApp } from './support/app-server.js';

const limits = { windowMs: 15 * 60_000, perEmail: 100, perClient: 2 };
const PUBLIC = 'mapwatch.example';

describe('MAPWATCH_TRUST_PROXY in the process configuration', () => {
  it('takes proxy addresses, CIDR ranges and the named ranges, and refuses anything else by name', () => {
    expect(loadProcessConfig({}).MAPWATCH_TRUST_PROXY).toEqual([]);
    expect(
      loadProcessConfig({ MAPWATCH_TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.0.2.1, fd00::/8' }).MAPWATCH_TRUST_PROXY,
    ).toEqual(['loopback', '10.0.0.0/8', '192.0.2.1', 'fd00::/8']);
    expect(() => loadProcessConfig({ MAPWATCH_TRUST_PROXY: 'proxy.example' })).toThrow(
      /MAPWATCH_TRUST_PROXY: "proxy.example" is not an IP address/,
    );
    expect(() => loadProcessConfig({ MAPWATCH_TRUST_PROXY: '10.0.0.0/99' })).toThrow(
      /MAPWATCH_TRUST_PROXY: "10.0.0.0\/99" is not a valid CIDR range/,
    );
  });
});

describe.each(BACKENDS)('review app behind a reverse proxy (%s)', { timeout: 120_000 }, (backend) => {
  let proxied: TestApp;
  let direct: TestApp;
  let user: { email: string; password: string };

  beforeAll(async () => {
    const server = { allowedHosts: [PUBLIC], secureCookies: true, app: { loginLimits: limits } };
    proxied = await startTestApp(backend, { server: { ...server, trustProxy: ['loopback'] } });
    direct = await startTestApp(backend, { server });
    user = await proxied.addUser('viewer');
  });
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  const fail = (app: TestApp, n: number, forwardedFor: string) =>
    call(app.url, '/login', {
      form: { email: `nobody-${n}@test.example`, password: 'wrong-password' },
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('counts failed sign-ins per forwarded client, and a prepended address does not dodge the limit', async () => {
    expect((await fail(proxied, 1, '203.0.113.7')).status).toBe(401);
    // The client wrote the first address itself; the proxy appended the real one.
    expect((await fail(proxied, 2, '198.51.100.1, 203.0.113.7')).status).toBe(401);
    expect((await fail(proxied, 3, '203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy is not limited by that one.
    expect((await fail(proxied, 4, '203.0.113.8')).status).toBe(401);
  });

  it('without the setting, X-Forwarded-For is ignored: every attempt counts against the socket address', async () => {
    expect((await fail(direct, 1, '203.0.113.1')).status).toBe(401);
    expect((await fail(direct, 2, '203.0.113.2')).status).toBe(401);
    expect((await fail(direct, 3, '203.0.113.3')).status).toBe(429);
  });

  it('checks the forwarded host from the proxy, and only the Host header without the setting', async () => {
    const host = (app: TestApp, headers: Record<string, string>) =>
      call(app.url, '/login', { headers: { 'x-forwarded-proto': 'https', ...headers } });
    expect((await host(proxied, { 'x-forwarded-host': PUBLIC })).status).toBe(200);
    expect((await host(proxied, { 'x-forwarded-host': 'evil.example' })).status).toBe(421);
    expect((await host(proxied, { host: 'upstream.internal', 'x-forwarded-host': PUBLIC })).status).toBe(200);
    expect((await host(direct, { 'x-forwarded-host': 'evil.example' })).status).toBe(200);
    expect((await host(direct, { host: 'evil.example', 'x-forwarded-host': PUBLIC })).status).toBe(421);
  });

  it('sends plain HTTP to HTTPS when the proxy says so, and signs in over HTTPS with the Secure cookie', async () => {
    const viaProxy = (proto: string, o: Parameters<typeof call>[2] = {}) =>
      call(proxied.url, '/login', {
        ...o,
        headers: { 'x-forwarded-host': PUBLIC, 'x-forwarded-proto': proto, ...o.headers },
      });
    const plain = await viaProxy('http');
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://${PUBLIC}/login`);
    const post = await viaProxy('http', { form: { email: user.email, password: user.password } });
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body)).toMatchObject({ code: 'https_required' });
    // A form the browser posts on https://mapwatch.example: Origin is the public origin.
    const signIn = await viaProxy('https', {
      form: { email: user.email, password: user.password },
      headers: { origin: `https://${PUBLIC}`, 'sec-fetch-site': '', 'x-forwarded-for': '203.0.113.50' },
    });
    expect(signIn.status, signIn.body.slice(0, 200)).toBe(303);
    expect(cookieFrom(signIn)).toMatch(/^__Host-mapwatch_session=/);
    // Not from a trusted proxy, the same header means nothing.
    expect((await call(direct.url, '/login', { headers: { 'x-forwarded-proto': 'http' } })).status).toBe(200);
  });
});
