/**
 * BullMQ lock and stalled-job settings for `mapwatch worker`, from the environment.
 *
 * How a job's lock works: the worker holds a lock of `lockDuration` on every active job and
 * renews it every lockDuration/2 from a timer on its event loop. Every `stalledInterval`, some
 * worker looks for active jobs whose lock has lapsed, marks them, and on the next pass moves
 * them back to waiting (at most `maxStalledCount` times, then they fail). So a worker killed
 * mid-job has that job running again elsewhere after about lockDuration + 2 × stalledInterval.
 *
 * Why long waits never stall a healthy job: a re-check wait (`recheck.delay_ms`, up to 10 min)
 * is a timer, and browser pages render in Chromium's own processes, so neither blocks the
 * event loop that renews the lock; tests/queue-reliability.test.ts runs a re-check wait
 * longer than the lock and sees no stall. Only a blocked event loop can stall a healthy job:
 * the CPU-bound step is extracting one page (at most 5 MiB; well under a second), which the
 * 60 s default lock leaves ample slack for, even on a loaded machine.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';

const ms = (min: number) => z.coerce.number().int().min(min).max(3_600_000);

const settingsSchema = z
  .object({
    MAPWATCH_JOB_LOCK_MS: ms(1000).default(60_000),
    MAPWATCH_STALLED_INTERVAL_MS: ms(500).default(30_000),
    MAPWATCH_MAX_STALLED: z.coerce.number().int().min(1).max(100).default(2),
  })
  .refine((s) => s.MAPWATCH_STALLED_INTERVAL_MS <= s.MAPWATCH_JOB_LOCK_MS, {
    message:
      'must not be longer than MAPWATCH_JOB_LOCK_MS (a lapsed lock would go unnoticed for longer than the lock itself)',
    path: ['MAPWATCH_STALLED_INTERVAL_MS'],
  });

export interface LockSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

export function loadLockSettings(source: NodeJS.ProcessEnv = process.env): LockSettings {
  const pick = (k: string) => (source[k] === '' ? undefined : source[k]);
  const parsed = settingsSchema.safeParse({
    MAPWATCH_JOB_LOCK_MS: pick('MAPWATCH_JOB_LOCK_MS'),
    MAPWATCH_STALLED_INTERVAL_MS: pick('MAPWATCH_STALLED_INTERVAL_MS'),
    MAPWATCH_MAX_STALLED: pick('MAPWATCH_MAX_STALLED'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  return {
    lockDurationMs: s.MAPWATCH_JOB_LOCK_MS,
    stalledIntervalMs: s.MAPWATCH_STALLED_INTERVAL_MS,
    maxStalledCount: s.MAPWATCH_MAX_STALLED,
  };
}
