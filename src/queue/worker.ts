/**
 * `mapwatch worker`: one BullMQ Worker per queue role, all dispatching through the job
 * registry. Close() stops taking jobs and waits for the active ones (SIGTERM), so a
 * deploy never leaves a job half-done; a job whose process died anyway (SIGKILL, power
 * loss) is found stalled once its lock expires and run again by another worker, where
 * the read key makes the second run write nothing twice.
 *
 * Browser work must not starve lock renewal: renewal runs on this process's event loop,
 * and playwright drives Chromium out of process, so page rendering never blocks it; the
 * lock is still generous (lockDuration) so a busy event loop has slack. The settings and
 * their reasoning are in worker-settings.ts.
 */
import type { Worker } from 'bullmq';
import type { JobDefinition, QueueRole } from './job-registry.js';
import { QUEUE_NAMES } from './job-registry.js';
import { JOBS } from './jobs.js';
import { type QueueConnection, UNRELIABLE_POLL_SECONDS } from './connection.js';
import { runJob } from './run-job.js';
import type { AppContext } from '../context.js';
import { redactUrl } from '../redact-url.js';

export interface WorkerOptions {
  /** Crawl jobs in flight in this process (across domains; each domain keeps its own limit). */
  concurrency?: number;
  roles?: QueueRole[];
  jobs?: ReadonlyMap<string, JobDefinition>;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /**
   * Seconds an idle worker blocks before looking for jobs again (BullMQ default 5). On the
   * embedded PGlite, BullMQ's LISTEN/NOTIFY wake-up never arrives (the socket server hands a
   * notification to the client that caused it), so a short value keeps new jobs prompt.
   */
  drainDelaySeconds?: number;
}

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(conn: QueueConnection, deps: AppContext, opts: WorkerOptions = {}): RunningWorkers {
  const jobs = opts.jobs ?? JOBS;
  const roles = opts.roles ?? (['crawl', 'notify'] as QueueRole[]);
  // Without working notifications an idle worker would block for its whole drain delay (up to
  // the next scheduled job) and miss new work; a one-second poll keeps it prompt.
  const drainDelaySeconds =
    opts.drainDelaySeconds ?? (conn.notificationsUnreliable ? UNRELIABLE_POLL_SECONDS : undefined);
  const workers = roles.map((role) =>
    conn.newWorker(QUEUE_NAMES[role], (job, token) => runJob(jobs, deps, job, token), {
      concurrency: role === 'crawl' ? (opts.concurrency ?? 8) : 1,
      lockDuration: opts.lockDurationMs ?? 60_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: opts.maxStalledCount ?? 2,
      ...(drainDelaySeconds ? { drainDelay: drainDelaySeconds } : {}),
      autorun: true,
    }),
  );
  for (const w of workers) w.on('error', (err) => process.stderr.write(`mapwatch worker: ${redactUrl(err.message)}\n`));
  let closing: Promise<void> | undefined;
  return {
    workers,
    close: () => (closing ??= Promise.all(workers.map((w) => w.close())).then(() => {})),
  };
}
