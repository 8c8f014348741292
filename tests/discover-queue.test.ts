/**
 * Discovery as a scheduled job: the scheduler keeps a `discover-<site>` job scheduler on the
 * site's own `discover.schedule` (apart from its crawl), drops it with the section, and a
 * worker runs a `discover-site` job to the same result as `mapwatch discover`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSiteFile } from '../src/config/load-sites.js';
import { waitForJob } from '../src/demo/run-sweep.js';
import { crawlSiteData } from '../src/queue/crawl-jobs.js';
import { discoverSiteJob } from '../src/queue/discover-job.js';
import { startWorkers } from '../src/queue/worker.js';
import { discoverSchedulerIdFor, SiteScheduler } from '../src/schedule/scheduler.js';
import { type DiscoveryStore, productsCsv, startDiscoveryStore } from './support/discovery-store.js';
import { type Combo, comboRuns, openQueueEnv, type QueueEnv } from './support/queue.js';
import { tmpDir } from './support/tmp.js';

const combos = (['pglite+pg-queue'] as Combo[]).filter(comboRuns);

describe.each(combos)('the discovery job on %s', { timeout: 120_000 }, (combo) => {
  let env: QueueEnv;
  let store: DiscoveryStore;
  let crawlers: string;
  const yaml = (discover: string) => `reseller: Test Shop
domain: "${store.server.host}"
currency: USD
schedule: "0 3 * * *"
rate_limit: { concurrency: 1, delay_ms: 5 }
${discover}`;

  beforeAll(async () => {
    env = await openQueueEnv(combo);
    store = await startDiscoveryStore();
    const dir = tmpDir({ 'products.csv': productsCsv(), 'resellers.csv': 'name\nTest Shop\n' });
    await importProducts(env.h.db, path.join(dir, 'products.csv'));
    await importResellers(env.h.db, path.join(dir, 'resellers.csv'));
    crawlers = tmpDir({});
  });
  afterAll(async () => {
    await env?.close();
    await store?.server.close();
  });

  it('keeps a discovery scheduler on its own cron, and drops it with the section', async () => {
    const file = path.join(crawlers, 'shop.yaml');
    fs.writeFileSync(file, yaml(`discover:\n  base_url: "${store.server.origin}"\n  schedule: "30 1 * * *"\n`));
    const s = new SiteScheduler({ db: env.h.db, crawlQueue: env.queues.crawl, dir: crawlers });
    expect(await s.reload(true)).toEqual([]);
    const byKey = new Map((await env.queues.crawl.getJobSchedulers(0, -1)).map((j) => [j.key, j]));
    expect(byKey.get('site-shop')).toMatchObject({ pattern: '0 3 * * *' });
    expect(byKey.get(discoverSchedulerIdFor('shop'))).toMatchObject({
      pattern: '30 1 * * *',
      name: discoverSiteJob.id,
    });

    fs.writeFileSync(file, yaml(`listings:\n  - { sku: NW-HP100, url: "${store.server.origin}/p/nw-hp100" }\n`));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await s.reload(true)).toEqual([]);
    const keys = (await env.queues.crawl.getJobSchedulers(0, -1)).map((j) => j.key);
    expect(keys).toEqual(['site-shop']);
  });

  it('a worker runs the discover-site job: pages found, matched and made listings', async () => {
    const file = path.join(crawlers, 'shop.yaml');
    fs.writeFileSync(file, yaml(`discover:\n  base_url: "${store.server.origin}"\n  shopify: true\n`));
    const site = loadSiteFile(file).site!;
    const s = new SiteScheduler({ db: env.h.db, crawlQueue: env.queues.crawl, dir: crawlers });
    expect(await s.reload(true)).toEqual([]);
    const workers = startWorkers(env.conn, env.deps, { concurrency: 1, drainDelaySeconds: 0.3, roles: ['crawl'] });
    try {
      await env.queues.crawl.add(discoverSiteJob.id, crawlSiteData(site), {
        ...discoverSiteJob.options,
        jobId: 'discover-now',
      });
      const r = (await waitForJob(env.queues.crawl, 'discover-now', 90_000)) as {
        matched: number;
        pendingLeft: number;
      };
      expect(r.pendingLeft).toBe(0);
      expect(r.matched).toBeGreaterThan(20);
      // Each match is an active listing; the one the earlier config listed (then dropped) is
      // reused, not doubled, and is discovery's now.
      const listings = await env.h.db
        .selectFrom('discovered_pages as d')
        .innerJoin('listings as l', 'l.id', 'd.listing_id')
        .select(['l.discovered', 'l.active'])
        .where('d.state', '=', 'matched')
        .execute();
      expect(listings.length).toBe(r.matched);
      expect(listings.every((l) => l.active)).toBe(true);
      expect(listings.every((l) => l.discovered)).toBe(true);
    } finally {
      await workers.close();
    }
  });
});
