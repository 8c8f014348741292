/**
 * `mapwatch demo`: the whole product on the embedded default, against nine realistic
 * reseller storefronts served on loopback addresses. No Docker, no Postgres server, no
 * Redis: the database is PGlite, and the queues are BullMQ's PostgreSQL backend on it.
 *
 * What runs is what a deployment runs: catalog CSVs go through the importers, site
 * configs are YAML files loaded by the SiteScheduler (which syncs them and registers each
 * site's cron schedule), sweeps are `crawl-site` jobs fanned out by in-process workers
 * into `crawl-listing` jobs, browser sites and screenshots use a Chromium pool, evidence
 * goes to a content-addressed store, and mail goes through the outbox to .eml files.
 * Everything lands in one workspace folder the user can open and query afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importMapPrices } from '../catalog/import-map-prices.js';
import { importProducts } from '../catalog/import-products.js';
import { importPromos } from '../catalog/import-promos.js';
import { importResellers } from '../catalog/import-resellers.js';
import { loadSites } from '../config/load-sites.js';
import { type App, openApp } from '../app/open-app.js';
import { loadProcessConfig } from '../config/process-config.js';
import { syncSites } from '../config/sync-sites.js';
import { InputError } from '../errors.js';
import { LocalEvidenceStore } from '../evidence/evidence-store.js';
import { loadNotifyConfig } from '../notify/notify-config.js';
import { notifyJob } from '../queue/notify-job.js';
import { startWorkers } from '../queue/worker.js';
import { observationBatchFor } from '../check/batch-observations.js';
import { SiteScheduler } from '../schedule/scheduler.js';
import { discoverSites } from '../discover/discover-sites.js';
import type { DiscoverySummary } from '../discover/run-discovery.js';
import { collectDemoReport, type DemoPaths, type DemoReport } from './collect-demo-report.js';
import { runSweep, type SweepResult, waitForJob } from './run-sweep.js';
import { siteConfigYaml } from './site-configs.js';
import { mapPricesCsv, productsCsv, promosCsv, resellersCsv } from './storefronts/catalog.js';
import { serveStorefronts } from './storefronts/serve-storefronts.js';

export interface DemoOptions {
  /** Where everything goes; default: a new folder under the system temp dir. */
  workspace?: string;
  log?: (line: string) => void;
  /**
   * Runs after the summary is collected, while the demo's app (database, queues, workers)
   * and storefronts are still up: `mapwatch demo --serve` starts the review app here. The
   * demo closes everything when it returns.
   */
  afterRun?: (result: DemoResult, app: App) => Promise<void>;
}

export interface DemoResult {
  report: DemoReport;
  sweeps: SweepResult[];
  /** Discovery on the sites whose config has a discover: section (before the first sweep). */
  discovery: DiscoverySummary[];
  totalMs: number;
  browser: boolean;
}

/** Crawl jobs the demo's workers run at once (the demo must stay quick on a 2-core machine). */
const DEMO_WORKERS = 6;

const NOTIFY_YAML = `# What the demo's notifier does. Mail goes to .eml files in ./outbox (set
# MAPWATCH_SMTP_URL to send real mail instead).
notify:
  from: "mapwatch demo <mapwatch@northwind.example>"
  company: Northwind Audio
  ops: [ops@northwind.example]          # site-health alerts, discovery's listing changes
  alerts: { min_severity: low }          # an alert for every new case
  recipients:
    - email: pricing@northwind.example
      name: Northwind pricing team
      time_zone: UTC
      digest_at: "00:00"                 # so the daily digest is always due in the demo
`;

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const startedAt = new Date();
  const log = opts.log ?? (() => {});
  const workspace = path.resolve(opts.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mapwatch-demo-')));
  const paths: DemoPaths = {
    workspace,
    crawlers: path.join(workspace, 'crawlers'),
    catalog: path.join(workspace, 'catalog'),
    config: path.join(workspace, 'mapwatch.config.yaml'),
    evidence: path.join(workspace, 'evidence'),
    screenshots: path.join(workspace, 'screenshots'),
    outbox: path.join(workspace, 'outbox'),
  };
  for (const dir of [paths.crawlers, paths.catalog]) fs.mkdirSync(dir, { recursive: true });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const stores = await serveStorefronts();
    closers.push(() => stores.close());
    log(
      `Started ${stores.stores.length} demo storefronts on ${stores.stores.map((s) => s.host.split(':')[0]).join(', ')}`,
    );

    // The catalog, as CSV files imported by the normal importers.
    const csv = {
      'products.csv': productsCsv(),
      'resellers.csv': resellersCsv(),
      'map-prices.csv': mapPricesCsv(),
      'promos.csv': promosCsv(startedAt),
    };
    for (const [file, text] of Object.entries(csv)) fs.writeFileSync(path.join(paths.catalog, file), text);
    for (const s of stores.stores) fs.writeFileSync(path.join(paths.crawlers, `${s.store.id}.yaml`), siteConfigYaml(s));
    fs.writeFileSync(paths.config, NOTIFY_YAML);

    const allowPrivate = stores.stores.map((s) => s.host.split(':')[0]!);
    // The embedded default, whatever the environment says: a demo must not touch a real
    // database or Redis. The documented defaults too, so every run tells the same story.
    const config = loadProcessConfig({ MAPWATCH_DATA_DIR: workspace, MAPWATCH_CRAWLERS_DIR: paths.crawlers });
    const evidence = new LocalEvidenceStore(paths.evidence);
    const app = await openApp({
      config,
      queues: { redisUrl: false },
      // Two pages at once: the demo must stay quick on a 2-core machine.
      browser: { auto: { maxContexts: 2 } },
      evidence,
      notify: loadNotifyConfig(paths.config),
      fetchOptions: { allowPrivate, timeoutMs: 15_000 },
      suppressionCacheMs: 0,
      observationBatch: observationBatchFor(DEMO_WORKERS),
    });
    closers.push(() => app.close());
    for (const w of app.warnings)
      log(
        `warning: ${w}\n  The JS-rendered and price-in-cart stores will be recorded as errors, and no screenshots taken.`,
      );
    const db = app.ctx.db;
    const conn = app.conn!;
    const queues = app.ctx.queues!;
    const rows = [
      await importProducts(db, path.join(paths.catalog, 'products.csv')),
      await importResellers(db, path.join(paths.catalog, 'resellers.csv')),
      await importMapPrices(db, path.join(paths.catalog, 'map-prices.csv')),
      await importPromos(db, path.join(paths.catalog, 'promos.csv')),
    ].map((r) => r.rows);
    log(
      `Imported the catalog from ${paths.catalog}: ${rows[0]} products, ${rows[1]} resellers, ${rows[2]} MAP prices, ${rows[3]} promo window`,
    );

    const loaded = loadSites(paths.crawlers);
    if (loaded.problems.length) throw new InputError(loaded.problems);
    const sites = loaded.sites;
    await syncSites(db, sites);
    log(`Loaded ${sites.length} site configs from ${paths.crawlers} (queues: ${conn.describe})`);

    // Sites with a discover: section list no pages: discovery finds them and matches them to the catalog.
    const { runs: discovery } = await discoverSites(app.ctx, sites);
    for (const d of discovery)
      log(
        `Discovered ${d.found} product page(s) on ${d.site}: ${d.matched} matched to the catalog and listed, ${d.review} for review`,
      );

    // Idle workers look for jobs every 0.3 s: on PGlite, BullMQ's NOTIFY wake-up does not arrive (see worker.ts).
    const workers = startWorkers(conn, app.ctx, { concurrency: DEMO_WORKERS, drainDelaySeconds: 0.3 });
    closers.push(() => workers.close());

    const progress = (label: string) => (done: number, total: number) =>
      log(`${label}: ${done}/${total} listings checked`);
    const sweeps: SweepResult[] = [];
    log('Sweep 1: every site, through the crawl queue…');
    sweeps.push(
      await runSweep(db, queues.crawl, sites, startedAt.getTime(), { onProgress: throttle(progress('  sweep 1')) }),
    );
    await app.ctx.siteHealth?.flush();
    log(`Sweep 1 done in ${(sweeps[0]!.ms / 1000).toFixed(1)} s. Now Shifty Sounds ships its redesign…`);
    stores.shiftLayouts();
    log('Sweep 2: every site again…');
    sweeps.push(
      await runSweep(db, queues.crawl, sites, startedAt.getTime() + 1, { onProgress: throttle(progress('  sweep 2')) }),
    );
    log(
      `Sweep 2 done in ${(sweeps[1]!.ms / 1000).toFixed(1)} s. Sending alerts, site alerts and the digest through the notify queue…`,
    );
    // Site health is judged in batches (batch-site-health.ts): judge the sweep's last reads now, so
    // their site alerts exist before the notify job looks for them.
    await app.ctx.siteHealth?.flush();
    await queues.notify.add(notifyJob.id, {}, { ...notifyJob.options, jobId: `demo-notify-${startedAt.getTime()}` });
    await waitForJob(queues.notify, `demo-notify-${startedAt.getTime()}`);

    // Now register each site's cron schedule, as `mapwatch serve` would, so the workspace is ready to
    // run on. Not before the sweeps: a far-future scheduled job makes an idle PGlite worker sleep until it.
    const scheduler = new SiteScheduler({ db, crawlQueue: queues.crawl, dir: paths.crawlers });
    const problems = await scheduler.reload(true);
    if (problems.length) throw new InputError(problems);

    const report = await collectDemoReport(db, paths, startedAt);
    const result = {
      report,
      sweeps,
      discovery,
      totalMs: Date.now() - startedAt.getTime(),
      browser: app.ctx.browser !== undefined,
    };
    if (opts.afterRun) await opts.afterRun(result, app);
    return result;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
  }
}

/** Progress lines only when the count changes, so a long wait does not flood the terminal. */
function throttle(fn: (done: number, total: number) => void): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    if (done === last) return;
    last = done;
    fn(done, total);
  };
}
