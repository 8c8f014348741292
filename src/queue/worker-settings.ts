/**
 * BullMQ lock and stalled-job settings for `mapwatch worker`, from the environment.
 *
 * How a job's lock works: the worker holds a lock of `lockDuration` on every active job and
 * renews it every lockDuration/2 from a timer on its event loop. Every `stalledInterval`, some
 * worker looks for active jobs whose lock has lapsed, marks them, and on the next pass moves
 * them back to waiting (at most `maxStalledCount` times, then they fail). So a worker killed
 * mid-job has that job running again elsewhere after about lockDuration + 2 × stalledInterval.
 *
 * Why long waits never stall a healthy job: a re-check's wait (`recheck.delay_ms`, up to 10 min)
 * is spent delayed in the queue, not inside the job (job-deferred-error.ts), and browser pages
 * render in Chromium's own processes, so nothing blocks the event loop that renews the lock;
 * tests/queue-reliability.test.ts runs a re-check delay longer than the lock and sees no stall. Only a blocked event loop can stall a healthy job:
 * the CPU-bound step is extracting one page (at most 5 MiB; well under a second), which the
 * 60 s default lock leaves ample slack for, even on a loaded machine.
 */
import { loadProcessConfig, type ProcessConfig, processConfig } from '../config/process-config.js';

export interface LockSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/** The lock settings from a parsed configuration. */
export function lockSettingsFrom(c: ProcessConfig): LockSettings {
  return {
    lockDurationMs: c.MAPWATCH_JOB_LOCK_MS,
    stalledIntervalMs: c.MAPWATCH_STALLED_INTERVAL_MS,
    maxStalledCount: c.MAPWATCH_MAX_STALLED,
  };
}

/** From an environment (default: this process's). */
export function loadLockSettings(source?: NodeJS.ProcessEnv): LockSettings {
  return lockSettingsFrom(source ? loadProcessConfig(source) : processConfig());
}
