/**
 * `mapwatch demo`: the whole pipeline on the embedded default, against the bundled
 * example storefronts: import a catalog from CSV, write site configs, crawl, show cases.
 * Everything lands in a fresh workspace folder the user can inspect afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importMapPrices } from '../catalog/import-map-prices.js';
import { importProducts } from '../catalog/import-products.js';
import { importPromos } from '../catalog/import-promos.js';
import { importResellers } from '../catalog/import-resellers.js';
import { InputError } from '../errors.js';
import { loadSites } from '../config/load-sites.js';
import { loadPolicy } from '../config/policy.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { listCases, type CaseRow } from '../review/list-cases.js';
import { crawlNow, type CrawlSummary } from '../schedule/crawl-now.js';
import { createMailTransport } from '../notify/mail-transport.js';
import { notifySchema } from '../notify/notify-config.js';
import { makeNotifyOnCaseChange } from '../notify/on-case-change.js';
import { sendPendingNotifications } from '../notify/send-pending.js';
import { EXAMPLES_DIR, exampleSiteConfigs, startExampleStore } from './example-store.js';

export interface DemoResult {
  workspace: string;
  summary: CrawlSummary;
  cases: CaseRow[];
}

/** A promo window around "now", in New York time, so the demo always has one in effect. */
function promoCsv(now: Date): string {
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  return `sku,kind,percent_off,starts_at,ends_at,time_zone,note\nNW-AMP5,lower,10,${day(-1)}T00:00,${day(7)}T00:00,America/New_York,Holiday amplifier event\n`;
}

export async function runDemo(opts: { workspace?: string; log?: (line: string) => void } = {}): Promise<DemoResult> {
  const log = opts.log ?? (() => {});
  const workspace = opts.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mapwatch-demo-'));
  const crawlers = path.join(workspace, 'crawlers');
  const catalog = path.join(workspace, 'catalog');
  fs.mkdirSync(crawlers, { recursive: true });
  fs.mkdirSync(catalog, { recursive: true });

  const store = await startExampleStore();
  const handle = await openDatabase({ dataDir: path.join(workspace, 'pgdata') });
  try {
    log(`Example storefronts on ${store.origin}; workspace ${workspace}`);
    for (const [file, yaml] of Object.entries(exampleSiteConfigs(store.host))) fs.writeFileSync(path.join(crawlers, file), yaml);
    for (const f of ['products.csv', 'resellers.csv', 'map-prices.csv']) fs.copyFileSync(path.join(EXAMPLES_DIR, 'catalog', f), path.join(catalog, f));
    fs.writeFileSync(path.join(catalog, 'promos.csv'), promoCsv(new Date()));

    await migrateToLatest(handle.db, handle.schema);
    const imported = [
      await importProducts(handle.db, path.join(catalog, 'products.csv')),
      await importResellers(handle.db, path.join(catalog, 'resellers.csv')),
      await importMapPrices(handle.db, path.join(catalog, 'map-prices.csv')),
      await importPromos(handle.db, path.join(catalog, 'promos.csv')),
    ];
    log(`Imported ${imported.map((r) => r.rows).join(' + ')} catalog rows (products, resellers, MAP prices, promo windows)`);

    const { sites, problems } = loadSites(crawlers);
    if (problems.length) throw new InputError(problems);
    log(`Crawling ${sites.reduce((n, s) => n + s.listings.length, 0)} listings on ${sites.length} sites…`);
    const policy = loadPolicy();
    // One pricing manager who gets alerts and a digest; mail lands as .eml files in the workspace.
    const notify = notifySchema.parse({ company: 'Northwind Audio', alerts: { min_severity: policy.severityOrder[0] }, recipients: [{ email: 'pricing@northwind.example', digest_at: '00:00' }] });
    const summary = await crawlNow(handle.db, sites, {
      policy,
      onCaseChange: makeNotifyOnCaseChange(notify, policy.severityOrder),
      fetchOptions: { allowPrivate: ['127.0.0.1'] },
    });
    const mail = await sendPendingNotifications(handle.db, { transport: createMailTransport({ dataDir: workspace }), config: notify });
    log(`Wrote ${mail.sent} email(s) (alerts and the daily digest) as .eml files to ${path.join(workspace, 'outbox')}`);
    const cases = await listCases(handle.db, { status: 'open' });
    return { workspace, summary, cases };
  } finally {
    await handle.close();
    await store.close();
  }
}
