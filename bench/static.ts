/**
 * Static path: listing checks/s, CPU seconds per 1,000 checks and peak RSS on many local
 * fixture domains, four variants side by side on the same pages, all reading the same price:
 *
 * - raw limit:       undici.request + one cheerio.load + the JSON-LD offer price. No pipeline.
 * - crawlee:         @crawlee/cheerio CheerioCrawler, same JSON-LD price, robots.txt obeyed.
 * - mapwatch read:   readListing (fetchPage: address guard, robots.txt, domain gate, body caps,
 *                    charset, bot-wall check; extractOffers over every source) + compareToMap.
 *                    No database.
 * - mapwatch crawl:  crawlNow, the `mapwatch crawl` code path, on real Postgres: the above plus
 *                    the observation rows (reads that change no case are written in batches,
 *                    src/check/batch-observations.ts; a case change is its own transaction) and
 *                    site health, judged per batch of reads (src/health/batch-site-health.ts), in
 *                    the context openApp gives `mapwatch crawl` and the workers.
 *                    BENCH_PROFILE=<dir> writes a CPU profile of the crawl (support/profile-window.ts).
 *
 * Each variant is its own child process (its own peak RSS). CPU is the child's own user+system
 * time during the crawl; for `mapwatch crawl` the Postgres backends' CPU is shown apart.
 *
 * Politeness: mapwatch's gate is set per site to `rate_limit: { concurrency: 1, delay_ms: 0 }`
 * (one request in flight per domain, no delay between requests); with many domains and
 * round-robin listing order the gate never holds a request back. Crawlee has no per-domain limit
 * by default; the raw limit none at all.
 *
 *   node --import tsx bench/static.ts
 *   BENCH_STATIC_DOMAINS=100 BENCH_STATIC_LISTINGS=15 BENCH_STATIC_CONCURRENCY=16
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  argOf,
  envNumber,
  formatTable,
  processCpuSeconds,
  runPool,
  runVariantChild,
  type VariantReport,
} from './support/measure.js';
import {
  centsOf,
  type FixtureListing,
  fixtureListing,
  fixtureListings,
  fixturePriceOf,
  serveFixtureStores,
  staticPage,
} from './support/fixture-stores.js';
import { DEMO_PRODUCTS } from '../src/demo/storefronts/catalog.js';
import { profileWindow } from './support/profile-window.js';
import { recordStaticGoals } from './support/goals.js';
import { type EvidenceSnapshot, evidenceSnapshot } from './support/evidence-size.js';

const self = fileURLToPath(import.meta.url);
const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * What a variant child runs: the fixture listings are derived from the stores' origins (one per
 * domain) and the listings per domain, in round-robin domain order. A job file of every listing,
 * read back whole by the child, grew its memory with the sweep (issue 15, goal 6).
 */
interface Job {
  origins: string[];
  perDomain: number;
  concurrency: number;
  /** mapwatch crawl only: keep evidence (a local store, re-checks at once) and sweep twice (bench/growth.ts). */
  evidence?: boolean;
  /** The share of listings that are /sale/ pages priced below MAP (fixtureListings). */
  belowMapShare?: number;
}

const listingsOf = (job: Job): FixtureListing[] =>
  fixtureListings(job.origins, job.perDomain, 'static', { belowMapShare: job.belowMapShare });
const checksOf = (job: Job): number => job.origins.length * job.perDomain;

export const STATIC_VARIANTS = ['raw', 'crawlee', 'mapwatch-read', 'mapwatch-crawl'] as const;
type Variant = (typeof STATIC_VARIANTS)[number];

/** The JSON-LD offer price the raw limit and Crawlee read, with cheerio (Crawlee ships its own cheerio version). */
function jsonLdCents($: (selector: string) => { first(): { text(): string } }): number {
  const text = $('script[type="application/ld+json"]').first().text();
  try {
    const data = JSON.parse(text) as { offers?: { price?: string } };
    return centsOf(data.offers?.price);
  } catch {
    return NaN;
  }
}

function finish(
  variant: Variant,
  listings: number,
  correct: number,
  t0: number,
  cpu0: NodeJS.CpuUsage,
  note?: string,
): VariantReport {
  const cpu = process.cpuUsage(cpu0);
  return {
    variant,
    checks: listings,
    correct,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...(note ? { note } : {}),
  };
}

async function runRaw(job: Job): Promise<VariantReport> {
  const { request, Agent } = await import('undici');
  const { load } = await import('cheerio');
  const dispatcher = new Agent({ connections: 4 });
  const listings = listingsOf(job);
  let correct = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runPool(listings, job.concurrency, async (l) => {
    const res = await request(l.url, { dispatcher });
    const html = await res.body.text();
    if (jsonLdCents(load(html)) === l.priceMinor) correct++;
  });
  const r = finish('raw', listings.length, correct, t0, cpu0);
  await dispatcher.close();
  return r;
}

async function runCrawlee(job: Job): Promise<VariantReport> {
  process.env.CRAWLEE_STORAGE_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-crawlee-'));
  const { CheerioCrawler, Configuration, log } = await import('@crawlee/cheerio');
  log.setLevel(log.LEVELS.WARNING);
  const listings = listingsOf(job);
  const expected = new Map(listings.map((l) => [l.url, l.priceMinor]));
  let correct = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const crawler = new CheerioCrawler(
    {
      minConcurrency: job.concurrency,
      maxConcurrency: job.concurrency,
      respectRobotsTxtFile: true,
      maxRequestRetries: 1,
      requestHandler: async ({ $, request }) => {
        if (jsonLdCents($) === expected.get(request.url)) correct++;
      },
    },
    new Configuration({ persistStorage: false, purgeOnStart: true }),
  );
  const stats = await crawler.run(listings.map((l) => l.url));
  return finish(
    'crawlee',
    listings.length,
    correct,
    t0,
    cpu0,
    stats.requestsFailed ? `${stats.requestsFailed} failed` : undefined,
  );
}

/** Site configs for the fixture stores, as `mapwatch sites check` would load them (one domain's listings at a time). */
async function writeSites(job: Job, dir: string): Promise<void> {
  job.origins.forEach((origin, d) => {
    const ls = Array.from({ length: job.perDomain }, (_, n) =>
      fixtureListing(job.origins, d, n, 'static', { belowMapShare: job.belowMapShare }),
    );
    const yaml = [
      `reseller: "Reseller ${d}"`,
      `domain: "${new URL(origin).host}"`,
      'currency: USD',
      'rate_limit: { concurrency: 1, delay_ms: 0 }',
      'listings:',
      ...ls.map((l) => `  - { sku: ${l.sku}, url: "${l.url}" }`),
    ].join('\n');
    fs.writeFileSync(path.join(dir, `store-${d}.yaml`), yaml + '\n');
  });
}

async function runMapwatchRead(job: Job): Promise<VariantReport> {
  const { loadSites } = await import('../src/config/load-sites.js');
  const { readListing } = await import('../src/check/read-listing.js');
  const { judge } = await import('../src/check/check-listing.js');
  const { loadPolicy } = await import('../src/config/policy.js');
  const { InProcessDomainGate } = await import('../src/fetch/domain-gate.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-sites-'));
  await writeSites(job, dir);
  const { sites, problems } = loadSites(dir);
  if (problems.length) throw new Error(JSON.stringify(problems[0]));
  const gate = new InProcessDomainGate();
  for (const s of sites)
    gate.configure(s.config.domain, {
      concurrency: s.config.rate_limit.concurrency,
      delayMs: s.config.rate_limit.delay_ms,
    });
  const policy = loadPolicy({});
  const rules = new Map(
    DEMO_PRODUCTS.map((p, i) => [
      p.sku,
      {
        productId: i + 1,
        sku: p.sku,
        name: p.name,
        brand: 'Northwind',
        gtin: p.gtin,
        packSize: 1,
        mapIncludesVat: false,
        promos: [],
        mapPrices: [
          {
            currency: 'USD',
            mapMinor: Math.round(Number(p.mapUsd) * 100),
            listMinor: null,
            effectiveFrom: new Date('2025-01-01T00:00:00Z'),
            effectiveTo: null,
          },
        ],
      },
    ]),
  );
  const siteOf = new Map(sites.flatMap((s) => s.listings.map((l) => [l.url, s] as const)));
  const listings = listingsOf(job);
  let correct = 0;
  let compliant = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runPool(listings, job.concurrency, async (l) => {
    const site = siteOf.get(l.url)!;
    const r = rules.get(l.sku)!;
    const draft = await readListing(site, { url: l.url }, { gtin: r.gtin }, { allowPrivate: ['127.0.0.0/8'], gate });
    if (draft.amountMinor === l.priceMinor) correct++;
    if (judge(draft, site, { packSize: 1 }, r, policy)?.kind === 'compliant') compliant++;
  });
  return finish('mapwatch-read', listings.length, correct, t0, cpu0, `${compliant} compliant verdicts`);
}

async function runMapwatchCrawl(job: Job): Promise<VariantReport> {
  const { openDatabase } = await import('../src/db/connect.js');
  const { migrateToLatest } = await import('../src/db/migrate.js');
  const { syncSiteFiles } = await import('../src/config/sync-site-files.js');
  const { loadPolicy } = await import('../src/config/policy.js');
  const { openApp } = await import('../src/app/open-app.js');
  const { sweepSites } = await import('../src/check/crawl-now.js');
  const { boundHeapGrowth } = await import('../src/check/bound-heap-growth.js');
  const { LocalEvidenceStore } = await import('../src/evidence/evidence-store.js');
  const { sql } = await import('kysely');
  // The heap bound `mapwatch crawl` sets first thing (src/check/bound-heap-growth.ts): the child's
  // peak RSS is its whole life's. BENCH_HEAP_DEFAULT=1 keeps V8's defaults, to compare.
  if (!process.env.BENCH_HEAP_DEFAULT) boundHeapGrowth();
  const app = `mwbench_${randomBytes(4).toString('hex')}`;
  const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}application_name=${app}`;
  const h = await openDatabase({
    databaseUrl: url,
    schema: `bench_static_${randomBytes(4).toString('hex')}`,
    poolSize: job.concurrency,
  });
  try {
    await migrateToLatest(h.db, h.schema);
    await h.db
      .insertInto('products')
      .values(DEMO_PRODUCTS.map((p) => ({ sku: p.sku, name: p.name, brand: 'Northwind', gtin: p.gtin })))
      .execute();
    const ids = new Map((await h.db.selectFrom('products').select(['id', 'sku']).execute()).map((r) => [r.sku, r.id]));
    await h.db
      .insertInto('map_prices')
      .values(
        DEMO_PRODUCTS.map((p) => ({
          product_id: ids.get(p.sku)!,
          currency: 'USD',
          map_minor: Math.round(Number(p.mapUsd) * 100),
          effective_from: new Date('2025-01-01T00:00:00Z'),
        })),
      )
      .execute();
    await h.db
      .insertInto('resellers')
      .values(job.origins.map((_, d) => ({ name: `Reseller ${d}` })))
      .execute();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-sites-'));
    await writeSites(job, dir);
    // The first sync inserts every listing; it is not part of a recurring crawl.
    const first = await syncSiteFiles(dir, { db: async () => h.db });
    if (first.problems.length || first.skipped.length)
      throw new Error(JSON.stringify([...first.problems, ...first.skipped][0]));
    // Warm the pool so every backend exists, then note their CPU (they are separate processes).
    await Promise.all(Array.from({ length: job.concurrency }, () => sql`select pg_sleep(0.01)`.execute(h.db)));
    const backends = async () =>
      (
        await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${app}`.execute(h.db)
      ).rows.map((r) => r.pid);
    const pgCpu = async () => (await backends()).reduce((s, pid) => s + processCpuSeconds(pid), 0);
    const pg0 = await pgCpu();
    // Statements sent to Postgres during the crawl (BEGIN and COMMIT count): every query of the
    // pool goes through pg.Client#query.
    const { default: pg } = await import('pg');
    const query = pg.Client.prototype.query;
    let statements = 0;
    const kinds = new Map<string, number>(); // BENCH_STATEMENTS=<file>: which statements, per check
    pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
      statements++;
      if (process.env.BENCH_STATEMENTS) {
        const a = args[0] as string | { text?: string };
        const text = (typeof a === 'string' ? a : (a?.text ?? '?')).replace(/\s+/g, ' ').slice(0, 90);
        kinds.set(text, (kinds.get(text) ?? 0) + 1);
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // The context `mapwatch crawl` and the workers open: site health judged after the reads and
    // suppression asked on violations, and the crawl's own observation batch, sized to its
    // concurrency. No evidence store unless asked (only reads that open or update a case keep
    // evidence, and the compliant fixture opens none); with one, a violation is re-checked at once
    // (a site's default wait is 5 s) and the case it opens keeps the re-check's page as evidence.
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-evidence-'));
    const mw = await openApp({
      db: h,
      policy: loadPolicy({}),
      evidence: job.evidence ? new LocalEvidenceStore(storeDir) : false,
      ...(job.evidence && { recheckDelayMs: 0 }),
      observationBatch: false,
      fetchOptions: { allowPrivate: ['127.0.0.0/8'] },
    });
    // Results are counted as they come, not kept, and each one's expected price and verdict are
    // derived from its URL, not looked up in a list of every listing: a sweep's memory must not
    // grow with its size (issue 15, goal 6). As `mapwatch crawl` runs it: each config synced in
    // turn, kept without its listings, then the sweep reads the listings back a page at a time
    // (sync-site-files.ts). Right: the price the page shows, and the verdict that price calls for.
    const expected = fixturePriceOf(job.origins);
    let correct = 0;
    // BENCH_HEAP_TRACE=<file>: the child's RSS and V8 heap every second of the sweep (seconds, MB).
    const heapTrace = process.env.BENCH_HEAP_TRACE;
    const tracer =
      heapTrace &&
      setInterval(() => {
        const m = process.memoryUsage();
        const mb = (b: number) => (b / 2 ** 20).toFixed(0);
        const line = `${((performance.now() - t0) / 1000).toFixed(0)} rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external + m.arrayBuffers)}\n`;
        fs.appendFileSync(heapTrace, line);
      }, 1000);
    const sweep = async () => {
      const found = await syncSiteFiles(dir, { db: async () => h.db });
      return sweepSites(mw.ctx, found.sites, {
        concurrency: job.concurrency,
        keepResults: false,
        onResult: (r) => {
          const belowMap = new URL(r.url).pathname.startsWith('/sale/');
          if (r.draft.amountMinor === expected(r.url) && r.verdict?.kind === (belowMap ? 'violation' : 'compliant'))
            correct++;
        },
      });
    };
    // With evidence: a first sweep opens the cases, a second reads every listing again as a
    // recurring crawl does, each read of a listing with an open case keeping evidence.
    const snapshots: EvidenceSnapshot[] = [];
    const summary = await profileWindow('mapwatch-crawl', async () => {
      try {
        const first = await sweep();
        if (!job.evidence) return first;
        snapshots.push(await evidenceSnapshot(h.db, h.schema, storeDir));
        const second = await sweep();
        snapshots.push(await evidenceSnapshot(h.db, h.schema, storeDir));
        return { ...second, failures: [...first.failures, ...second.failures] };
      } finally {
        await mw.close();
      }
    });
    const sweeps = job.evidence ? 2 : 1;
    const report = finish('mapwatch-crawl', checksOf(job) * sweeps, 0, t0, cpu0);
    if (snapshots.length) report.evidence = snapshots;
    if (tracer) clearInterval(tracer);
    pg.Client.prototype.query = query;
    if (process.env.BENCH_STATEMENTS)
      fs.writeFileSync(
        process.env.BENCH_STATEMENTS,
        [...kinds]
          .sort((a, b) => b[1] - a[1])
          .map(([text, n]) => `${(n / report.checks).toFixed(3)} per check  ${text}\n`)
          .join(''),
      );
    const pgSeconds = (await pgCpu()) - pg0;
    report.serviceCpuSeconds = pgSeconds;
    const rows = await h.db
      .selectFrom('observations')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('listing_id').distinct().as('listings')])
      .executeTakeFirstOrThrow();
    // Right only if every listing was read once a sweep: as many listings read as checks, and each price right.
    report.correct = Math.min(correct, Number(rows.listings) * sweeps);
    const judged = await h.db
      .selectFrom('site_health')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const size = await sql<{ bytes: string }>`
      select pg_total_relation_size(format('%I.observations', ${h.schema}::text)::regclass) as bytes`.execute(h.db);
    report.observationRows = Number(rows.n);
    report.observationTableBytes = Number(size.rows[0]!.bytes);
    report.note = `${rows.n} observations written, ${judged.n} sites' health judged; ${(statements / report.checks).toFixed(2)} statements per check; Postgres backends ${pgSeconds.toFixed(2)} CPU s${summary.failures.length ? `; ${summary.failures.length} failures: ${summary.failures[0]!.message}` : ''}`;
    return report;
  } finally {
    await sql`drop schema ${sql.id(h.schema)} cascade`.execute(h.db).catch(() => {});
    await h.close();
  }
}

const RUNNERS: Record<Variant, (job: Job) => Promise<VariantReport>> = {
  raw: runRaw,
  crawlee: runCrawlee,
  'mapwatch-read': runMapwatchRead,
  'mapwatch-crawl': runMapwatchCrawl,
};

export interface StaticBenchOptions {
  domains?: number;
  perDomain?: number;
  variants?: readonly string[];
  /** This share of the listings priced below MAP (fixture-stores.ts, /sale/ pages). */
  belowMapShare?: number;
  /** mapwatch crawl: keep evidence and sweep twice (Job.evidence). */
  evidence?: boolean;
}

export interface StaticBenchResult {
  text: string;
  reports: VariantReport[];
}

/** checks/s of `variant` over checks/s of `base` (NaN when either is missing). */
export function speedRatio(reports: readonly VariantReport[], variant: string, base: string): number {
  const a = reports.find((r) => r.variant === variant);
  const b = reports.find((r) => r.variant === base);
  return a && b ? a.checks / a.seconds / (b.checks / b.seconds) : NaN;
}

export async function runStaticBench(opts: StaticBenchOptions = {}): Promise<StaticBenchResult> {
  const domains = opts.domains ?? envNumber('BENCH_STATIC_DOMAINS', 100);
  const perDomain = opts.perDomain ?? envNumber('BENCH_STATIC_LISTINGS', 15);
  const concurrency = envNumber('BENCH_STATIC_CONCURRENCY', 16);
  const only = opts.variants ?? process.env.BENCH_STATIC_VARIANTS?.split(',') ?? [...STATIC_VARIANTS];
  const stores = await serveFixtureStores(domains);
  const jobFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-static-')), 'job.json');
  const checks = stores.origins.length * perDomain;
  fs.writeFileSync(
    jobFile,
    JSON.stringify({
      origins: stores.origins,
      perDomain,
      concurrency,
      evidence: opts.evidence,
      belowMapShare: opts.belowMapShare,
    } satisfies Job),
  );
  const reports: VariantReport[] = [];
  try {
    for (const v of STATIC_VARIANTS.filter((x) => only.includes(x))) {
      // TMPDIR: the children's site configs and Crawlee's storage go in the job folder, removed below.
      reports.push(
        (
          await runVariantChild<VariantReport>(self, ['--variant', v, '--job', jobFile], {
            ...process.env,
            TMPDIR: path.dirname(jobFile),
          })
        ).report,
      );
    }
  } finally {
    await stores.close();
    fs.rmSync(path.dirname(jobFile), { recursive: true, force: true });
  }
  const raw = reports.find((r) => r.variant === 'raw');
  const crawlee = reports.find((r) => r.variant === 'crawlee');
  const rate = (r: VariantReport) => r.checks / r.seconds;
  const ratio = (r: VariantReport, base?: VariantReport) => (base ? `${(rate(r) / rate(base)).toFixed(2)}x` : '-');
  const pageKb = (Buffer.byteLength(staticPage(0, 0)) / 1024).toFixed(0);
  const text = formatTable(
    `Static path: ${checks} listing checks on ${domains} local domains (127.0.10.x), ~${pageKb} KB product pages, concurrency ${concurrency} for every variant`,
    ['variant', 'checks/s', 'CPU s/1000 checks', 'peak RSS MB', 'price right', 'vs raw', 'vs crawlee'],
    reports.map((r) => [
      r.variant,
      rate(r).toFixed(1),
      ((r.cpuSeconds / r.checks) * 1000).toFixed(2),
      r.peakRssMb.toFixed(0),
      `${r.correct}/${r.checks}`,
      ratio(r, raw),
      ratio(r, crawlee),
    ]),
    [
      'mapwatch gate: rate_limit { concurrency: 1, delay_ms: 0 } per site (one request in flight per domain); listings in round-robin domain order',
      ...reports.filter((r) => r.note).map((r) => `${r.variant}: ${r.note}`),
    ],
  );
  recordStaticGoals(reports); // the goals' table (bench/support/goals.ts)
  return { text: [text, capacityLines(reports)].join('\n'), reports };
}

/** Issue 15 goal 5: the CPU one checked listing costs, and what that gives per day on a 2-core machine. */
function capacityLines(reports: readonly VariantReport[]): string {
  const cores = 2;
  const lines = reports
    .filter((r) => r.variant.startsWith('mapwatch'))
    .map((r) => {
      const ms = ((r.cpuSeconds + (r.serviceCpuSeconds ?? 0)) / r.checks) * 1000;
      const pg = r.serviceCpuSeconds
        ? ` incl. ${((r.serviceCpuSeconds / r.checks) * 1000).toFixed(2)} ms Postgres`
        : '';
      const perDay = (cores * 86_400_000) / ms;
      return `  ${r.variant}: ${ms.toFixed(2)} CPU ms per checked listing${pg} -> ${(perDay / 1e6).toFixed(1)} M checks/day on ${cores} cores (goal: 10 M static)`;
    });
  return ['Capacity (CPU per checked listing; a day is 86,400 s on each core, fully used):', ...lines].join('\n');
}

const variant = argOf('variant') as Variant | undefined;
if (variant) {
  const job = JSON.parse(fs.readFileSync(argOf('job')!, 'utf8')) as Job;
  const report = await RUNNERS[variant](job);
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(0); // keep-alive sockets and pools must not hold the child open
} else if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  console.log((await runStaticBench()).text);
}
