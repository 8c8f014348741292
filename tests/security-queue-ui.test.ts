/**
 * Attacks on the queue UI, its API and the job payloads, against real Postgres and Redis:
 * - DNS rebinding: a request whose Host is not ours is refused, whatever its path;
 * - the queue UI is off unless enabled, and then needs the admin token;
 * - a cross-site or text/plain POST (what any web page can send) adds no job;
 * - a job added with its own config (login steps with value_env: MAPWATCH_SMTP_URL) or a
 *   forged config hash is refused by the worker, and the attacker's form server sees nothing;
 * - value_env may only name MAPWATCH_SITE_<NAME>_* (a config error otherwise);
 * - job data (schedulers and fanned-out jobs) carries no headers or secrets;
 * - a job scheduler removed through the UI is re-created on the next reload, and a removed
 *   site's scheduler is removed.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteFile, loadSites } from '../src/config/load-sites.js';
import { syncSites } from '../src/config/sync-sites.js';
import { crawlListingJob, crawlSiteData, crawlSiteJob } from '../src/queue/crawl-jobs.js';
import { startWorkers } from '../src/queue/worker.js';
import { queueUiSettings } from '../src/http/queue-ui-settings.js';
import { type RunningHttpServer, startHttpServer } from '../src/http/http-server.js';
import { NOTIFY_SCHEDULER_ID, SiteScheduler } from '../src/schedule/scheduler.js';
import { openQueueEnv, type QueueEnv, seedCatalog, siteYaml, waitFor } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const TOKEN = 'test-admin-token-0123456789';
const SECRET_HEADER = 'Bearer hdr-secret-7f3a9c';

interface Reply {
  status: number;
  body: string;
}

/** A raw HTTP request, so the test controls Host, Origin and Sec-Fetch-Site exactly as a browser would send them. */
function request(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: o.method ?? 'GET', headers: o.headers },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

describe('queue UI and job payloads under attack (Postgres + Redis)', () => {
  let env: QueueEnv;
  let shop: TestServer;
  let attacker: TestServer;
  let dir: string;
  let open: RunningHttpServer;
  let closed: RunningHttpServer;

  beforeAll(async () => {
    env = await openQueueEnv('postgres+redis');
    await seedCatalog(env.h, ['Q1', 'Q2']);
    shop = await startServer({
      '/p/q1': { body: productPage({ name: 'Q1', price: '120.00' }) },
      '/p/q2': { body: productPage({ name: 'Q2', price: '120.00' }) },
    });
    // The host an attacker's job would send a browser to, to collect what gets typed in.
    attacker = await startServer({ '/login': { body: '<html><form><input id="u"></form></html>' } });
    dir = tmpDir({
      'qshop.yaml':
        siteYaml({
          host: shop.host,
          origin: shop.origin,
          paths: [
            ['Q1', '/p/q1'],
            ['Q2', '/p/q2'],
          ],
        }) + `headers: { Authorization: "${SECRET_HEADER}", Cookie: "sid=cookie-secret-51be" }\n`,
    });
    const queues = Object.values(env.queues).filter((q) => typeof q === 'object') as never;
    open = await startHttpServer({ ctx: env.deps, queues, port: 0, queueUi: { token: TOKEN } });
    closed = await startHttpServer({ ctx: env.deps, queues, port: 0 });
  });

  afterAll(async () => {
    await open?.close();
    await closed?.close();
    await env?.close();
    await shop?.close();
    await attacker?.close();
  });

  it('a rebinding Host is refused on every path; our own Host is served', async () => {
    const host = new URL(open.url).host;
    expect((await request(`${open.url}/healthz`, { headers: { host } })).status).toBe(200);
    expect(
      (await request(`${open.url}/healthz`, { headers: { host: `localhost:${new URL(open.url).port}` } })).status,
    ).toBe(200);
    for (const p of ['/healthz', '/queues', '/queues/api/queues']) {
      const r = await request(`${open.url}${p}`, {
        headers: { host: 'rebind.attacker.example:' + new URL(open.url).port, authorization: basic(TOKEN) },
      });
      expect(r.status, p).toBe(421);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'host_not_allowed' });
    }
  });

  it('the queue UI is off unless enabled, and needs the admin token when on', async () => {
    const off = await request(`${closed.url}/queues/api/queues`, { headers: { authorization: basic(TOKEN) } });
    expect(off.status).toBe(404);
    expect(off.body).toMatch(/MAPWATCH_QUEUE_UI=1/);
    const add = await request(`${closed.url}/queues/api/queues/mapwatch-crawl/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'junk', data: {} }),
    });
    expect(add.status).toBe(404);
    expect((await request(`${open.url}/queues/api/queues`)).status).toBe(401);
    expect(
      (await request(`${open.url}/queues/api/queues`, { headers: { authorization: basic('wrong') } })).status,
    ).toBe(401);
    expect((await request(`${open.url}/queues/api/queues`, { headers: { authorization: basic(TOKEN) } })).status).toBe(
      200,
    );
    expect(
      (await request(`${open.url}/queues/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    // Switching it on without a real token is a start-up error, not an open UI.
    expect(() => queueUiSettings({ MAPWATCH_QUEUE_UI: '1' })).toThrow(/MAPWATCH_ADMIN_TOKEN/);
    expect(() => queueUiSettings({ MAPWATCH_QUEUE_UI: '1', MAPWATCH_ADMIN_TOKEN: 'short' })).toThrow(/at least 16/);
    expect(queueUiSettings({})).toBeUndefined();
  });

  it('text/plain and cross-site POSTs add no job, even with the browser sending basic-auth', async () => {
    const before = await env.queues.crawl.count();
    const url = `${open.url}/queues/api/queues/mapwatch-crawl/add`;
    const body = JSON.stringify({ name: 'junk', data: { x: 1 } });
    const attempts: Record<string, string>[] = [
      { 'content-type': 'text/plain', authorization: basic(TOKEN) },
      { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(TOKEN) },
      { 'content-type': 'application/json', authorization: basic(TOKEN), 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'application/json', authorization: basic(TOKEN), origin: 'http://attacker.example' },
      { 'content-type': 'application/json', authorization: basic(TOKEN), origin: 'null' },
    ];
    for (const headers of attempts) {
      const r = await request(url, { method: 'POST', headers, body });
      expect([403, 415], JSON.stringify(headers)).toContain(r.status);
    }
    // A scheduler cannot be removed cross-site either.
    const rm = await request(`${open.url}/queues/api/queues/mapwatch-crawl/job-schedulers/site-qshop/remove`, {
      method: 'PUT',
      headers: { authorization: basic(TOKEN), 'sec-fetch-site': 'same-site' },
    });
    expect(rm.status).toBe(403);
    expect(await env.queues.crawl.count()).toBe(before);
  });

  it('value_env may only name MAPWATCH_SITE_<NAME>_*: MAPWATCH_SMTP_URL is a config error with its line', () => {
    const yaml = (name: string) =>
      siteYaml({ host: shop.host, origin: shop.origin, paths: [['Q1', '/p/q1']] }) +
      `render: browser
browser:
  login:
    url: "${attacker.origin}/login"
    steps:
      - { fill: "#u", value_env: ${name} }
`;
    const d = tmpDir({
      'evil-shop.yaml': yaml('MAPWATCH_SMTP_URL'),
      'good-shop.yaml': yaml('MAPWATCH_SITE_GOOD_SHOP_USER'),
    });
    const bad = loadSiteFile(path.join(d, 'evil-shop.yaml'));
    expect(bad.site).toBeUndefined();
    expect(bad.problems).toEqual([
      expect.objectContaining({
        field: 'browser.login.steps[0].value_env',
        line: expect.any(Number),
        message: expect.stringMatching(/"MAPWATCH_SMTP_URL" is not allowed.*MAPWATCH_SITE_EVIL_SHOP_\*/),
      }),
    ]);
    expect(loadSiteFile(path.join(d, 'good-shop.yaml')).problems).toEqual([]);
  });

  it('a job added through the API with its own config, or a forged hash, is refused; the attacker sees nothing', async () => {
    const [synced] = await syncSites(env.h.db, loadSites(dir).sites);
    const l = synced!.listings[0]!;
    const ref = { site: 'qshop', configHash: synced!.site.hash, siteId: synced!.id, slot: 99, listingId: l.id };
    const evilConfig = {
      ...synced!.site.config,
      domain: attacker.host,
      render: 'browser',
      browser: { login: { url: `${attacker.origin}/login`, steps: [{ fill: '#u', value_env: 'MAPWATCH_SMTP_URL' }] } },
    };
    const add = (jobId: string, data: unknown) =>
      request(`${open.url}/queues/api/queues/mapwatch-crawl/add`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(TOKEN), 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify({ name: crawlListingJob.id, data, options: { jobId, attempts: 3 } }),
      });
    // What an old payload looked like: the whole config inside the job.
    expect((await add('evil-config', { ...ref, config: evilConfig })).status).toBe(200);
    expect((await add('evil-hash', { ...ref, configHash: 'f'.repeat(64) })).status).toBe(200);
    const workers = startWorkers(env.conn, env.deps, { concurrency: 2, roles: ['crawl'] });
    try {
      await waitFor(
        async () =>
          (
            await Promise.all(
              ['evil-config', 'evil-hash'].map(async (id) => (await env.queues.crawl.getJob(id))!.getState()),
            )
          ).every((s) => s === 'failed'),
        'both forged jobs to fail',
      );
    } finally {
      await workers.close();
    }
    const cfgJob = (await env.queues.crawl.getJob('evil-config'))!;
    expect(cfgJob.failedReason).toMatch(/invalid payload: .*config/);
    expect(cfgJob.attemptsMade).toBe(1); // refused at once, never retried
    const hashJob = (await env.queues.crawl.getJob('evil-hash'))!;
    expect(hashJob.failedReason).toMatch(/queued for config ffffffffffff, but .*qshop\.yaml is now/);
    expect(hashJob.attemptsMade).toBe(1);
    expect(attacker.hits.get('/login') ?? 0).toBe(0);
    expect(shop.hits.get('/p/q1') ?? 0).toBe(0);
  });

  it('job data carries references only: no headers, cookies or steps in schedulers or fanned-out jobs', async () => {
    const sched = new SiteScheduler({
      db: env.h.db,
      crawlQueue: env.queues.crawl,
      notifyQueue: env.queues.notify,
      dir,
    });
    expect(await sched.reload(true)).toEqual([]);
    const [s] = loadSites(dir).sites;
    await env.queues.crawl.add(crawlSiteJob.id, crawlSiteData(s!, 123), { ...crawlSiteJob.options, jobId: 'fan-123' });
    const workers = startWorkers(env.conn, env.deps, { concurrency: 2, roles: ['crawl'] });
    try {
      await waitFor(async () => (await env.queues.crawl.getJob('fan-123'))?.finishedOn, 'the fan-out');
      await waitFor(
        async () =>
          (await env.queues.crawl.getJobs(['completed'])).filter((j) => j.name === crawlListingJob.id).length >= 2,
        'both listing jobs',
      );
    } finally {
      await workers.close();
    }
    // Everything mapwatch itself queued (the forged jobs of the previous test excluded).
    const jobs = (await env.queues.crawl.getJobs(['completed', 'failed', 'waiting', 'delayed'], 0, -1)).filter(
      (j) => !j.id?.startsWith('evil-'),
    );
    const schedulers = await env.queues.crawl.getJobSchedulers(0, -1);
    const everything = JSON.stringify([jobs.map((j) => j.data), schedulers]);
    expect(everything).not.toContain('hdr-secret');
    expect(everything).not.toContain('cookie-secret');
    expect(everything).not.toMatch(/"headers"|"steps"|"config"/);
    for (const j of jobs.filter((j) => j.name === crawlListingJob.id && j.id?.startsWith('crawl-')))
      expect(Object.keys(j.data as object).sort()).toEqual(['configHash', 'listingId', 'site', 'siteId', 'slot']);
    // The page really was read with the configured header: it lives in the trusted config, not the job.
    expect(shop.hits.get('/p/q1')).toBe(1);
    await sched.stop();
  });

  it('a scheduler removed through the UI is re-created on the next reload; a removed site loses its scheduler', async () => {
    const changes: string[] = [];
    const sched = new SiteScheduler({
      db: env.h.db,
      crawlQueue: env.queues.crawl,
      notifyQueue: env.queues.notify,
      dir,
      onChange: (c) => changes.push(`${c.action} ${c.site}`),
    });
    await sched.reload(true);
    const ids = async () => (await env.queues.crawl.getJobSchedulers(0, -1)).map((s) => s.key).sort();
    expect(await ids()).toEqual(['site-qshop']);
    const rm = await request(`${open.url}/queues/api/queues/mapwatch-crawl/job-schedulers/site-qshop/remove`, {
      method: 'PUT',
      headers: { authorization: basic(TOKEN), 'sec-fetch-site': 'same-origin' },
    });
    expect(rm.status).toBeLessThan(300);
    await env.queues.notify.removeJobScheduler(NOTIFY_SCHEDULER_ID);
    expect(await ids()).toEqual([]);
    // No file changed: the reload still puts both back.
    expect(await sched.reload()).toEqual([]);
    expect(await ids()).toEqual(['site-qshop']);
    expect(await env.queues.notify.getJobScheduler(NOTIFY_SCHEDULER_ID)).toBeDefined();
    expect(changes).toContain('restored qshop');
    // A scheduler whose payload was edited (here: back to a whole config) is rewritten too.
    const [s] = loadSites(dir).sites;
    await env.queues.crawl.upsertJobScheduler(
      'site-qshop',
      { pattern: s!.config.schedule },
      { name: crawlSiteJob.id, data: { ...crawlSiteData(s!), config: { headers: { x: 'y' } } } },
    );
    await sched.reload();
    expect((await env.queues.crawl.getJobScheduler('site-qshop'))?.template?.data).toEqual(crawlSiteData(s!));
    // The site's file goes: its scheduler goes.
    fs.rmSync(path.join(dir, 'qshop.yaml'));
    await sched.reload();
    expect(await ids()).toEqual([]);
    expect(changes).toContain('removed qshop');
    await sched.stop();
  });
});
