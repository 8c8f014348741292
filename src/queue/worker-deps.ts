/**
 * What job handlers need from the process that runs them, built once per worker:
 * the database, policy, fetch settings, the shared domain gate's store, site-health
 * thresholds, and the notify hooks.
 */
import type { Kysely } from 'kysely';
import type { Queue } from 'bullmq';
import type { ComparePolicy } from '../config/policy.js';
import type { Database } from '../db/tables.js';
import type { FetchOptions } from '../fetch/fetch-page.js';
import type { HealthThresholds } from '../health/judge-site-health.js';
import type { Fetcher, PipelineContext } from '../check/check-context.js';
import type { GateStore } from './gate-store.js';
import type { QueueRole } from './job-registry.js';
import type { SharedGateOptions } from './shared-domain-gate.js';

export interface WorkerDeps {
  db: Kysely<Database>;
  policy: ComparePolicy;
  fetchOptions: Omit<FetchOptions, 'gate'>;
  fetcher?: Fetcher;
  gateStore: GateStore;
  gateOptions?: SharedGateOptions;
  health: HealthThresholds;
  /** Producers, for handlers that enqueue follow-up jobs (the site fan-out). */
  queues: Record<QueueRole, Queue>;
  onCaseChange?: PipelineContext['onCaseChange'];
  /** Sends the outbox once; the notify job calls it. */
  sendNotifications?: () => Promise<unknown>;
  isSuppressed?: PipelineContext['isSuppressed'];
  /** Chromium for `render: browser` sites and screenshots; absent: those reads are `error` and no screenshots are taken. */
  browser?: PipelineContext['browser'];
  /** Where evidence files go; absent: no evidence is captured. */
  evidence?: PipelineContext['evidence'];
  /** Overrides every site's `recheck.delay_ms`. */
  recheckDelayMs?: number;
}
