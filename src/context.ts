/**
 * The one context type: everything a stage may use besides its own arguments, built once
 * per process by the composition root (src/app/open-app.ts) from the validated process
 * configuration. The check pipeline, the job handlers, `mapwatch crawl`, the demo, the
 * tests and the benchmarks all take this type (or a `Pick` of it).
 *
 * The optional hooks are where later stages plug in without the check knowing about them:
 * - `onCaseChange` runs inside the observation's transaction, so whatever it writes (an
 *   outbox row, an audit record) commits or rolls back with the case change;
 * - `isSuppressed` lets site health stop a site with broken extraction from opening cases
 *   while its reads are still recorded; `health` makes every check update site health.
 *
 * It lives at the root of src/ because it names types of many stages and belongs to none.
 */
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { ObservationWriter } from './check/batch-observations.js';
import type { OpenCaseLookup } from './check/prefetch-open-cases.js';
import type { OnCaseChange } from './cases/record-observation.js';
import type { ComparePolicy } from './config/policy.js';
import type { ProcessConfig } from './config/process-config.js';
import type { Database } from './db/tables.js';
import type { EvidenceStore } from './evidence/evidence-store.js';
import type { BrowserPool } from './fetch/browser/browser-pool.js';
import type { Fetcher, FetchOptions } from './fetch/fetch-page.js';
import type { GateStore } from './queue/gate-store.js';
import type { SiteHealthWriter } from './health/batch-site-health.js';
import type { HealthThresholds } from './health/judge-site-health.js';
import type { QueueRole } from './queue/job-registry.js';
import type { SharedGateOptions } from './queue/shared-domain-gate.js';

export interface AppContext {
  /** The process configuration this context was built from (absent in hand-built test contexts). */
  config?: ProcessConfig;
  db: Kysely<Database>;
  policy: ComparePolicy;
  /** Fetch settings for every read; `gate` is set per crawl or per job. */
  fetchOptions: FetchOptions;
  /** Replaces the static fetcher (tests, benchmarks). */
  fetcher?: Fetcher;
  /** Set: every check re-evaluates its site's health (suppression and ops alerts). */
  health?: HealthThresholds;
  /**
   * Set (with `health`): checks note their site, and the noted sites are judged together, once a
   * second (src/health/batch-site-health.ts). Absent: each check judges its site itself.
   */
  siteHealth?: SiteHealthWriter;
  isSuppressed?: (siteId: number) => boolean | Promise<boolean>;
  onCaseChange?: OnCaseChange;
  /**
   * Set: reads that change no case are written in batches (src/check/batch-observations.ts); a
   * check still returns only once its row is written. Absent: every read is its own transaction.
   */
  observationBatch?: ObservationWriter;
  /**
   * Set by a crawl: listings' open cases read a window of checks at a time, in one statement
   * (src/check/prefetch-open-cases.ts). Absent: each check reads its listing's open case.
   */
  openCases?: OpenCaseLookup;
  /** Chromium for `render: browser` sites, the static fallback and screenshots. Absent: those reads are `error`. */
  browser?: BrowserPool;
  /** Where evidence files go. Absent: no evidence is captured. */
  evidence?: EvidenceStore;
  /** Overrides every site's `recheck.delay_ms` (the wait before the confirming read). */
  recheckDelayMs?: number;
  /** Producers, for handlers that enqueue follow-up jobs (the site fan-out). */
  queues?: Record<QueueRole, Queue>;
  /** Where the cross-worker domain gate keeps its slots (Redis or the database). */
  gateStore?: GateStore;
  gateOptions?: SharedGateOptions;
  /** Sends the outbox once; the notify job calls it. */
  sendNotifications?: () => Promise<unknown>;
  /** Queues last week's KPI report per recipient; the weekly report job calls it. */
  queueWeeklyReports?: () => Promise<unknown>;
}
