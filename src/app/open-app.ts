/**
 * The composition root: the one place that builds the database, the queues, the browser
 * pool, the evidence store, the mail transport and the policy from one validated process
 * configuration, and hands them out as the one context type (src/context.ts). The CLI
 * commands, the worker, scheduler and serve, the demo, the tests and the benchmarks all
 * open the app here; nothing else constructs these by hand.
 *
 * Everything the app opened, it closes (in reverse order); what a caller passed in (a
 * database handle, a browser pool) stays the caller's to close.
 */
import type { AppContext } from '../context.js';
import { ObservationBatch, type ObservationBatchOptions } from '../check/batch-observations.js';
import { type ComparePolicy, policyFrom } from '../config/policy.js';
import { type ProcessConfig, processConfig } from '../config/process-config.js';
import type { DbHandle } from '../db/connect.js';
import { openAppDb } from './open-app-db.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import { openEvidenceStore } from '../evidence/open-evidence-store.js';
import type { BrowserPool, BrowserPoolOptions } from '../fetch/browser/browser-pool.js';
import type { FetchOptions } from '../fetch/fetch-page.js';
import { SiteHealthBatch } from '../health/batch-site-health.js';
import { makeIsSuppressed } from '../health/is-suppressed.js';
import { flushLearning } from '../learn/write-learning.js';
import { type HealthThresholds, healthThresholdsFrom } from '../health/judge-site-health.js';
import type { MailTransport } from '../notify/mail-transport.js';
import type { NotifyConfig } from '../notify/notify-config.js';
import type { QueueConnection } from '../queue/connection.js';

export interface OpenAppOptions {
  /** Default: this process's configuration. */
  config?: ProcessConfig;
  /** An open database to use (and not close); default: the configured one, migrated. */
  db?: DbHandle;
  /** Open the queues (Redis with REDIS_URL, else BullMQ's PostgreSQL backend on the app database). */
  queues?: boolean | { redisUrl?: string | false; prefix?: string };
  /**
   * Chromium: 'auto' makes a pool that launches on first use when a Chromium is found
   * (none found: browser sites record an error); a pool is used as given; default none.
   */
  browser?: 'auto' | BrowserPool | false | { auto: BrowserPoolOptions };
  /** Default: the configured store (MAPWATCH_EVIDENCE_URL, else `<data dir>/evidence`). false: no evidence. */
  evidence?: EvidenceStore | false;
  /**
   * Notifications: 'eager' reads the notify config now (a bad config stops the command);
   * 'lazy' reads it at the first case change or send, so a worker without one still crawls;
   * a NotifyConfig is used as given; false: no outbox rows and no sending.
   */
  notify?: 'eager' | 'lazy' | false | NotifyConfig;
  /** Default: SMTP with MAPWATCH_SMTP_URL, else `.eml` files in `<data dir>/outbox`. */
  mail?: MailTransport;
  policy?: ComparePolicy;
  /** Default: from the configuration. false: reads do not update site health. */
  health?: HealthThresholds | false;
  /** Merged over the configured allow-list and User-Agent. */
  fetchOptions?: Partial<FetchOptions>;
  /** How long a site's suppression is cached (default 5 s). */
  suppressionCacheMs?: number;
  recheckDelayMs?: number;
  fetcher?: AppContext['fetcher'];
  /** Reads that change no case are written in batches (default 16 rows / 100 ms); false: one transaction each. */
  observationBatch?: ObservationBatchOptions | false;
}

export interface App {
  ctx: AppContext;
  config: ProcessConfig;
  db: DbHandle;
  conn?: QueueConnection;
  /** Migrations applied when the app opened its own database. */
  applied: string[];
  /** Things the user should know (e.g. no Chromium found), for the caller to print. */
  warnings: string[];
  close(): Promise<void>;
}

export async function openApp(opts: OpenAppOptions = {}): Promise<App> {
  const config = opts.config ?? processConfig();
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  const warnings: string[] = [];
  try {
    let db: DbHandle;
    let applied: string[] = [];
    if (opts.db) db = opts.db;
    else {
      const h = await openAppDb(config);
      closers.push(() => h.close());
      db = h;
      applied = h.applied;
    }
    const policy = opts.policy ?? policyFrom(config);
    const ctx: AppContext = {
      config,
      db: db.db,
      policy,
      fetchOptions: {
        allowPrivate: config.MAPWATCH_ALLOW_PRIVATE,
        userAgent: config.MAPWATCH_USER_AGENT,
        ...opts.fetchOptions,
      },
      fetcher: opts.fetcher,
      health: opts.health === false ? undefined : (opts.health ?? healthThresholdsFrom(config)),
      isSuppressed: makeIsSuppressed(db.db, { cacheMs: opts.suppressionCacheMs }),
      evidence: opts.evidence === false ? undefined : (opts.evidence ?? openEvidenceStore(config)),
      recheckDelayMs: opts.recheckDelayMs,
    };
    if (ctx.health) {
      // Closed after the observation batch (closers run in reverse): the last reads are judged too.
      const judged = new SiteHealthBatch(db.db, ctx.health);
      ctx.siteHealth = judged;
      closers.push(() => judged.close());
    }
    // Learning still queued (write-learning.ts) is written before the last reads are judged and
    // the database closes (closers run in reverse).
    closers.push(() => flushLearning(db.db));
    if (opts.observationBatch !== false) {
      // Closed before the database (closers run in reverse), so nothing buffered is left unwritten.
      const batch = new ObservationBatch(db.db, opts.observationBatch ?? {});
      ctx.observationBatch = batch;
      closers.push(() => batch.close());
    }

    if (opts.browser === 'auto' || (typeof opts.browser === 'object' && opts.browser && 'auto' in opts.browser)) {
      const { BrowserPool } = await import('../fetch/browser/browser-pool.js');
      try {
        const pool = new BrowserPool(opts.browser === 'auto' ? {} : opts.browser.auto);
        ctx.browser = pool;
        closers.push(() => pool.close());
      } catch (err) {
        warnings.push(`${(err as Error).message}; \`render: browser\` sites will be recorded as errors`);
      }
    } else if (opts.browser) ctx.browser = opts.browser;

    if (opts.notify) await wireNotify(ctx, config, opts, closers);

    let conn: QueueConnection | undefined;
    if (opts.queues) {
      const q = typeof opts.queues === 'object' ? opts.queues : {};
      const [{ openQueueConnection }, { makeGateStore, openQueues }] = await Promise.all([
        import('../queue/connection.js'),
        import('../queue/open-queues.js'),
      ]);
      const redisUrl = q.redisUrl === false ? undefined : (q.redisUrl ?? config.REDIS_URL);
      const c = await openQueueConnection({ redisUrl, db, prefix: q.prefix });
      conn = c;
      closers.push(() => c.close());
      warnings.push(...c.warnings);
      const queues = openQueues(c);
      closers.push(() => queues.closeAll());
      ctx.queues = { crawl: queues.crawl, notify: queues.notify };
      ctx.gateStore = makeGateStore(c, db.db);
    }
    return { ctx, config, db, conn, applied, warnings, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The notifier's two hooks: outbox rows inside each case change, and the send the notify job runs. */
async function wireNotify(
  ctx: AppContext,
  config: ProcessConfig,
  opts: OpenAppOptions,
  closers: (() => Promise<unknown>)[],
): Promise<void> {
  const [{ makeNotifyOnCaseChange }, { sendPendingNotifications }, { loadNotifyConfig }, { createMailTransport }] =
    await Promise.all([
      import('../notify/on-case-change.js'),
      import('../notify/send-pending.js'),
      import('../notify/notify-config.js'),
      import('../notify/mail-transport.js'),
    ]);
  const given = typeof opts.notify === 'object' ? opts.notify : undefined;
  const withStore = (c: NotifyConfig): NotifyConfig => ({
    ...c,
    evidenceStore: c.evidenceStore ?? ctx.evidence,
    browser: c.browser ?? ctx.browser,
  });
  let cfg: NotifyConfig | undefined = given ? withStore(given) : undefined;
  if (opts.notify === 'eager') cfg = withStore(loadNotifyConfig());
  const notifyConfig = () => (cfg ??= withStore(loadNotifyConfig()));
  let hook: AppContext['onCaseChange'];
  if (cfg) hook = makeNotifyOnCaseChange(cfg, ctx.policy.severityOrder);
  ctx.onCaseChange = async (trx, change) => {
    hook ??= makeNotifyOnCaseChange(notifyConfig(), ctx.policy.severityOrder);
    return hook(trx, change);
  };
  let transport = opts.mail;
  ctx.sendNotifications = async () => {
    if (!transport) {
      const t = createMailTransport({ smtpUrl: config.MAPWATCH_SMTP_URL, dataDir: config.dataDir });
      transport = t;
      closers.push(async () => t.close());
    }
    return sendPendingNotifications(ctx.db, { config: notifyConfig(), transport });
  };
  ctx.queueWeeklyReports = async () => {
    const { enqueueWeeklyReports } = await import('../notify/enqueue-weekly-reports.js');
    const r = await enqueueWeeklyReports(ctx.db, notifyConfig(), { timeZone: config.MAPWATCH_REPORT_TIME_ZONE });
    return { week: r.week.from, queued: r.queued.length, existing: r.existing.length };
  };
}
