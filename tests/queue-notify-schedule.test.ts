/**
 * The scheduler keeps the notify job on a job scheduler (every minute by default), and a
 * worker wired the way `mapwatch worker` wires it sends the outbox when that job fires:
 * a pending outbox row ends up as an .eml file in the data dir's outbox folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../src/config/env.js';
import { emlFileName } from '../src/notify/mail-transport.js';
import { enqueueMessage } from '../src/notify/enqueue-message.js';
import { notifyJob } from '../src/queue/notify-job.js';
import { openApp } from '../src/app/open-app.js';
import { startWorkers } from '../src/queue/worker.js';
import {
  NOTIFY_SCHEDULER_ID,
  RETENTION_SCHEDULER_ID,
  ROLLUP_SCHEDULER_ID,
  SiteScheduler,
  WEEKLY_REPORT_SCHEDULER_ID,
} from '../src/schedule/scheduler.js';
import { type Combo, comboRuns, openQueueEnv, type QueueEnv, waitFor } from './support/queue.js';
import { tmpDir } from './support/tmp.js';

const combos = (['pglite+pg-queue', 'postgres+redis'] as Combo[]).filter(comboRuns);

describe.each(combos)('the notify job on a schedule, on %s', (combo) => {
  let env: QueueEnv;
  beforeAll(async () => {
    env = await openQueueEnv(combo);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the scheduler registers the notify job every minute, once however many replicas run', async () => {
    const crawlers = tmpDir({});
    const s1 = new SiteScheduler({
      db: env.h.db,
      crawlQueue: env.queues.crawl,
      notifyQueue: env.queues.notify,
      reportTimeZone: 'America/New_York',
      dir: crawlers,
    });
    const s2 = new SiteScheduler({
      db: env.h.db,
      crawlQueue: env.queues.crawl,
      notifyQueue: env.queues.notify,
      reportTimeZone: 'America/New_York',
      dir: crawlers,
    });
    expect(await s1.reload(true)).toEqual([]);
    expect(await s2.reload(true)).toEqual([]);
    const all = await env.queues.notify.getJobSchedulers(0, -1);
    // The notify job, the KPI rollup every 15 minutes, the weekly report and the daily evidence
    // retention: one of each, not one per replica.
    expect(all.map((s) => s.key).sort()).toEqual(
      [NOTIFY_SCHEDULER_ID, ROLLUP_SCHEDULER_ID, WEEKLY_REPORT_SCHEDULER_ID, RETENTION_SCHEDULER_ID].sort(),
    );
    expect(all.find((s) => s.key === RETENTION_SCHEDULER_ID)).toMatchObject({
      pattern: '0 17 3 * * *',
      name: 'purge-evidence',
    });
    expect(all.find((s) => s.key === ROLLUP_SCHEDULER_ID)).toMatchObject({
      pattern: '0 */15 * * * *',
      name: 'rollup-kpis',
    });
    const weekly = all.find((s) => s.key === WEEKLY_REPORT_SCHEDULER_ID)!;
    expect(weekly).toMatchObject({ pattern: '0 30 0 * * 1', tz: 'America/New_York', name: 'weekly-report' });
    // Its next run is a Monday at 00:30 in New York, whatever the zone of this machine.
    const local = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(Number(weekly.next)));
    expect(local).toBe('Mon 00:30');
    const schedulers = all.filter((s) => s.key === NOTIFY_SCHEDULER_ID);
    expect(schedulers[0]).toMatchObject({ key: NOTIFY_SCHEDULER_ID, pattern: '0 * * * * *', name: notifyJob.id });
    const next = Number(schedulers[0]!.next);
    expect(next).toBeGreaterThan(Date.now() - 1000);
    expect(next).toBeLessThanOrEqual(Date.now() + 61_000);
    // Exactly one job is waiting for the next minute, not one per replica.
    const delayed = (await env.queues.notify.getJobs(['delayed', 'waiting'], 0, -1)).filter(
      (j) => j.name === notifyJob.id,
    );
    expect(delayed).toHaveLength(1);
  });

  it('a worker runs the scheduled notify job and delivers a pending outbox row to the .eml outbox', async () => {
    const dataDir = tmpDir({});
    const e = loadEnv({ MAPWATCH_DATA_DIR: dataDir });
    const { id } = await enqueueMessage(
      env.h.db,
      {
        kind: 'alert',
        key: `sched-test-${combo}`,
        to: 'ops@brand.example',
        subject: 'scheduled send',
        text: 'sent by the scheduled notify job',
      },
      'mapwatch <mapwatch@brand.example>',
    );
    const row = await env.h.db
      .selectFrom('outbox')
      .select(['message_id', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    // Every second instead of every minute, so the test need not wait for the minute.
    const sched = new SiteScheduler({
      db: env.h.db,
      crawlQueue: env.queues.crawl,
      notifyQueue: env.queues.notify,
      notifyPattern: '*/1 * * * * *',
      dir: tmpDir({}),
    });
    await sched.reload(true);
    const notifier = await openApp({ config: e, db: env.h, notify: 'lazy', evidence: false, health: false });
    const workers = startWorkers(
      env.conn,
      { ...env.deps, onCaseChange: notifier.ctx.onCaseChange, sendNotifications: notifier.ctx.sendNotifications },
      { roles: ['notify'] },
    );
    try {
      await waitFor(
        async () =>
          (await env.h.db.selectFrom('outbox').select('status').where('id', '=', id).executeTakeFirstOrThrow())
            .status === 'sent',
        'the outbox row to be sent by the scheduled job',
        60_000,
      );
    } finally {
      await env.queues.notify.removeJobScheduler(NOTIFY_SCHEDULER_ID);
      await workers.close();
    }
    const eml = fs.readFileSync(path.join(dataDir, 'outbox', emlFileName(row.message_id)), 'utf8');
    expect(eml).toMatch(/^Subject: scheduled send/m);
    expect(eml).toContain('sent by the scheduled notify job');
    const done = (await env.queues.notify.getJobs(['completed'], 0, -1)).filter((j) => j.name === notifyJob.id);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.some((j) => (j.returnvalue as { sent?: number }).sent === 1)).toBe(true);
  });
});
