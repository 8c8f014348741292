/**
 * Browser path: mapwatch's browser read against Crawlee's PlaywrightCrawler on the same
 * JS-rendered pages (the price arrives by XHR after load), at equal concurrency, with the
 * same Chromium (/usr/bin/chromium or whatever mapwatch finds) and the same headless flags.
 *
 * - mapwatch:  readForCheck (the check's own read): BrowserPool (one Chromium, a warm context
 *              and page per site, at most BENCH_BROWSER_MAX_WARM idle, default the pool's 8),
 *              renderPage in extract mode (images/fonts/media blocked, goto `load`, then until
 *              the price is in the page with no request in flight and 500 ms quiet, or 150 ms when
 *              the page has nothing scheduled within the 500: settle-page.ts),
 *              extractOffers with `selectors.price`.
 * - crawlee:   PlaywrightCrawler, incognito page per request (a fresh context, as mapwatch),
 *              default fingerprints, `page.waitForSelector('.product-price')`, then its text.
 * - crawlee + networkidle: the same, waiting for network idle first, as mapwatch does.
 *
 * Pages/s, CPU seconds per 1,000 pages (the whole process tree: Node and every Chromium
 * process, less the Node process's own start-up), and peak RSS of the tree (sampled every
 * 250 ms by the parent).
 *
 *   node --import tsx bench/browser-vs-crawlee.ts
 *   BENCH_BROWSER_DOMAINS=10 BENCH_BROWSER_LISTINGS=5 BENCH_BROWSER_CONCURRENCY=4
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  argOf,
  describeTree,
  envNumber,
  formatTable,
  runPool,
  runVariantChild,
  type TreeMemory,
  type VariantReport,
} from './support/measure.js';
import { centsOf, type FixtureListing, fixtureListings, serveFixtureStores } from './support/fixture-stores.js';
import { recordBrowserGoals } from './support/goals.js';
import { DEMO_PRODUCTS } from '../src/demo/storefronts/catalog.js';

const self = fileURLToPath(import.meta.url);

interface Job {
  listings: FixtureListing[];
  concurrency: number;
}

export const BROWSER_VARIANTS = ['mapwatch', 'crawlee', 'crawlee-networkidle'] as const;
type Variant = (typeof BROWSER_VARIANTS)[number];

interface ChildReport extends VariantReport {
  /** CPU of this Node process before the crawl (module loading), subtracted from the tree's. */
  startupCpuSeconds: number;
}

function report(
  variant: Variant,
  job: Job,
  correct: number,
  t0: number,
  startupCpuSeconds: number,
  note?: string,
): ChildReport {
  const cpu = process.cpuUsage();
  return {
    variant,
    checks: job.listings.length,
    correct,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6 - startupCpuSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startupCpuSeconds,
    ...(note ? { note } : {}),
  };
}

/** Every module a variant's run imports: loaded by the run, and by the unmeasured warm-up run. */
const mapwatchModules = async () => ({
  ...(await import('../src/fetch/browser/browser-pool.js')),
  ...(await import('../src/check/read-for-check.js')),
  ...(await import('../src/config/site-config.schema.js')),
  ...(await import('../src/fetch/domain-gate.js')),
  ...(await import('../src/config/policy.js')),
});

const crawleeModules = async () => ({
  ...(await import('@crawlee/playwright')),
  chromium: (await import('playwright')).chromium,
  ...(await import('../src/fetch/browser/chromium-flags.js')),
  ...(await import('../src/fetch/browser/find-chromium.js')),
});

async function runMapwatch(job: Job): Promise<ChildReport> {
  const { BrowserPool, readForCheck, siteConfigSchema, InProcessDomainGate, loadPolicy } = await mapwatchModules();
  const gtin = new Map(DEMO_PRODUCTS.map((p) => [p.sku, p.gtin]));
  const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 0 } });
  const sites = new Map<string, import('../src/config/load-sites.js').LoadedSite>();
  for (const l of job.listings) {
    const host = new URL(l.url).host;
    if (sites.has(host)) continue;
    const config = siteConfigSchema.parse({
      reseller: `Reseller ${l.domain}`,
      domain: host,
      currency: 'USD',
      render: 'browser',
      selectors: { price: '.product-price' },
      rate_limit: { concurrency: 1, delay_ms: 0 },
    });
    sites.set(host, { name: `store-${l.domain}`, file: '-', config, listings: [], hash: '-' });
  }
  const maxWarm = process.env.BENCH_BROWSER_MAX_WARM;
  const maxWarmPages = process.env.BENCH_BROWSER_MAX_WARM_PAGES;
  const pool = new BrowserPool({
    maxContexts: job.concurrency,
    ...(maxWarm ? { maxWarm: Number(maxWarm) } : {}),
    ...(maxWarmPages ? { maxWarmPages: Number(maxWarmPages) } : {}),
  });
  const ctx = {
    db: undefined as never,
    policy: loadPolicy({}),
    fetchOptions: { allowPrivate: ['127.0.0.0/8'], gate },
    browser: pool,
  };
  const cpu0 = process.cpuUsage();
  const startup = (cpu0.user + cpu0.system) / 1e6;
  let correct = 0;
  let failed = '';
  const t0 = performance.now();
  try {
    await runPool(job.listings, job.concurrency, async (l) => {
      const read = await readForCheck(ctx, {
        site: sites.get(new URL(l.url).host)!,
        listing: { url: l.url },
        gtin: gtin.get(l.sku) ?? null,
        capture: false,
      });
      if (read.draft.amountMinor === l.priceMinor) correct++;
      else failed ||= `${read.draft.status}: ${read.draft.reason}`;
    });
    return report(
      'mapwatch',
      job,
      correct,
      t0,
      startup,
      failed ? `first miss: ${failed}` : `${pool.launches} Chromium launch(es)`,
    );
  } finally {
    await pool.close();
  }
}

async function runCrawlee(job: Job, waitForIdle: boolean): Promise<ChildReport> {
  process.env.CRAWLEE_STORAGE_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-crawlee-'));
  const { PlaywrightCrawler, Configuration, log, chromium, chromiumFlags, HEADLESS_ARGS, findChromium } =
    await crawleeModules();
  // BENCH_CRAWLEE_FLAGS=playwright: Crawlee as it was run before, with Playwright's feature list
  // untouched (so with the address-bar popup renderer per page), for comparison with old figures.
  const { args, ignoreDefaultArgs } =
    process.env.BENCH_CRAWLEE_FLAGS === 'playwright'
      ? { args: HEADLESS_ARGS, ignoreDefaultArgs: [] }
      : await chromiumFlags();
  log.setLevel(log.LEVELS.WARNING);
  const expected = new Map(job.listings.map((l) => [l.url, l.priceMinor]));
  const cpu0 = process.cpuUsage();
  const startup = (cpu0.user + cpu0.system) / 1e6;
  let correct = 0;
  const t0 = performance.now();
  const crawler = new PlaywrightCrawler(
    {
      minConcurrency: job.concurrency,
      maxConcurrency: job.concurrency,
      maxRequestRetries: 1,
      launchContext: {
        launcher: chromium,
        useIncognitoPages: true,
        launchOptions: { executablePath: findChromium(), headless: true, args, ignoreDefaultArgs },
      },
      requestHandler: async ({ page, request }) => {
        if (waitForIdle) await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
        const el = await page.waitForSelector('.product-price', { timeout: 15_000 });
        if (centsOf(await el.textContent()) === expected.get(request.url)) correct++;
      },
    },
    new Configuration({ persistStorage: false, purgeOnStart: true }),
  );
  const stats = await crawler.run(job.listings.map((l) => l.url));
  const variant = waitForIdle ? 'crawlee-networkidle' : 'crawlee';
  return report(
    variant,
    job,
    correct,
    t0,
    startup,
    stats.requestsFailed ? `${stats.requestsFailed} failed` : undefined,
  );
}

const RUNNERS: Record<Variant, (job: Job) => Promise<ChildReport>> = {
  mapwatch: runMapwatch,
  crawlee: (job) => runCrawlee(job, false),
  'crawlee-networkidle': (job) => runCrawlee(job, true),
};

export async function runBrowserVsCrawleeBench(): Promise<string> {
  const domains = envNumber('BENCH_BROWSER_DOMAINS', 10);
  const perDomain = envNumber('BENCH_BROWSER_LISTINGS', 5);
  const concurrency = envNumber('BENCH_BROWSER_CONCURRENCY', 4);
  const only = process.env.BENCH_BROWSER_VARIANTS?.split(',') ?? [...BROWSER_VARIANTS];
  const stores = await serveFixtureStores(domains);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-browser-'));
  const jobFile = path.join(dir, 'job.json');
  const listings = fixtureListings(stores.origins, perDomain, 'spa');
  fs.writeFileSync(jobFile, JSON.stringify({ listings, concurrency } satisfies Job));
  const rows: { r: ChildReport; cpu: number; rss: number; pss: number; procs: number; atPeak?: TreeMemory }[] = [];
  const env = { ...process.env, TMPDIR: dir };
  const variants = BROWSER_VARIANTS.filter((x) => only.includes(x));
  try {
    // tsx compiles each TypeScript module on its first import and caches the output under TMPDIR:
    // unwarmed, the first variant (mapwatch, all of whose modules are TypeScript) would pay for
    // esbuild in its CPU and carry esbuild's process in its memory tree, which Crawlee's
    // JavaScript never does. A run of each variant that only imports its modules, unmeasured,
    // fills the cache first (and the OS's file cache for both sides alike).
    for (const v of variants) await runVariantChild<{ warmed: string }>(self, ['--variant', v, '--warm'], env);
    for (const v of variants) {
      const out = await runVariantChild<ChildReport>(self, ['--variant', v, '--job', jobFile], env, {
        sampleTreeRss: true,
      });
      rows.push({
        r: out.report,
        cpu: out.treeCpuSeconds - out.report.startupCpuSeconds,
        rss: out.peakTreeRssMb,
        pss: out.peakTreePssMb,
        procs: out.peakProcesses,
        ...(out.atPeak ? { atPeak: out.atPeak } : {}),
      });
    }
  } finally {
    await stores.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rate = (r: ChildReport) => r.checks / r.seconds;
  const crawlee = rows.find((x) => x.r.variant === 'crawlee');
  const idle = rows.find((x) => x.r.variant === 'crawlee-networkidle');
  const ratio = (r: ChildReport, base?: { r: ChildReport }) => (base ? `${(rate(r) / rate(base.r)).toFixed(2)}x` : '-');
  // The goals' table (bench/support/goals.ts).
  recordBrowserGoals(
    rows.map(({ r, cpu, rss, pss }) => ({
      variant: r.variant,
      pagesPerSecond: rate(r),
      cpuSecondsPer1000: (cpu / r.checks) * 1000,
      peakRssMb: rss,
      peakPssMb: pss,
      correct: r.correct,
      checks: r.checks,
    })),
  );
  return formatTable(
    `Browser path: ${listings.length} JS-rendered pages (price by XHR) on ${domains} local domains, ${concurrency} concurrent pages for every variant, Chromium ${'headless'}`,
    [
      'variant',
      'pages/s',
      'CPU s/1000 pages (tree)',
      'peak RSS MB (tree sum)',
      'peak PSS MB (tree)',
      'processes',
      'price right',
      'vs crawlee',
      'vs crawlee+idle',
    ],
    rows.map(({ r, cpu, rss, pss, procs }) => [
      r.variant,
      rate(r).toFixed(2),
      ((cpu / r.checks) * 1000).toFixed(1),
      rss.toFixed(0),
      pss.toFixed(0),
      procs,
      `${r.correct}/${r.checks}`,
      ratio(r, crawlee),
      ratio(r, idle),
    ]),
    [
      'mapwatch waits until the price is in the page, no request is in flight and nothing changed for 500 ms, or for 150 ms when the page has nothing scheduled within the 500 (at most 5 s); crawlee waits only for the price element',
      'RSS (tree sum) counts memory shared between processes once per process; PSS divides it among them (/proc/<pid>/smaps_rollup)',
      ...rows.filter((x) => x.r.note).map((x) => `${x.r.variant}: ${x.r.note}`),
      ...rows.filter((x) => x.atPeak).map((x) => `${x.r.variant} at peak PSS: ${describeTree(x.atPeak!)}`),
    ],
  );
}

const variant = argOf('variant') as Variant | undefined;
if (variant && process.argv.includes('--warm')) {
  await (variant === 'mapwatch' ? mapwatchModules() : crawleeModules());
  process.stdout.write(JSON.stringify({ warmed: variant }) + '\n');
  process.exit(0);
} else if (variant) {
  const job = JSON.parse(fs.readFileSync(argOf('job')!, 'utf8')) as Job;
  const r = await RUNNERS[variant](job);
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
} else if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  console.log(await runBrowserVsCrawleeBench());
}
