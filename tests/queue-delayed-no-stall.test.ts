/**
 * A job moved to delayed for a long time (a domain's Retry-After) must not hold up the other
 * jobs. On the embedded PGlite, BullMQ's idle worker blocked until that job was due (its
 * NOTIFY wake-up never arrives there), so every new job waited with it (connection.ts).
 */
import { DelayedError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMBOS, openQueueEnv, type QueueEnv, waitFor } from './support/queue.js';

describe.each(COMBOS)('a long-delayed job on %s', (combo) => {
  let env: QueueEnv;
  beforeAll(async () => {
    env = await openQueueEnv(combo);
  });
  afterAll(() => env?.close());

  it('leaves the worker taking new and briefly delayed jobs', async () => {
    const done = new Set<string>();
    const t0 = Date.now();
    const name = `stall-${combo.replace(/\W/g, '-')}`;
    const worker = env.conn.newWorker(
      name,
      async (job, token) => {
        if (String(job.id).startsWith('busy')) {
          // what run-job.ts does for a domain under a two-minute Retry-After
          await job.moveToDelayed(Date.now() + 120_000, token);
          throw new DelayedError();
        }
        done.add(String(job.id));
      },
      { drainDelay: 1, concurrency: 4 },
    );
    const queue = env.conn.newQueue(name);
    try {
      await queue.addBulk([1, 2, 3].map((i) => ({ name: 'x', data: {}, opts: { jobId: `busy${i}` } })));
      // No polling meanwhile: a query on another connection could hand the worker a wake-up.
      await new Promise((r) => setTimeout(r, 1500));
      await queue.addBulk([
        { name: 'x', data: {}, opts: { jobId: 'now' } },
        { name: 'x', data: {}, opts: { jobId: 'soon', delay: 400 } },
      ]);
      await waitFor(async () => done.size === 2 || Date.now() - t0 > 12_000, 'the new jobs or 12 s', 15_000);
      expect([...done].sort()).toEqual(['now', 'soon']);
      expect(await queue.getJobCounts('delayed')).toMatchObject({ delayed: 3 }); // still waiting out their two minutes
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
