/**
 * `mapwatch scheduler`: keeps one BullMQ job scheduler per site, with the site's cron
 * (`schedule`), which fires a `crawl-site` job at every slot. BullMQ's job schedulers are
 * keyed by id (`site-<name>`) and make one job per slot (`repeat:<id>:<millis>`), so any
 * number of scheduler replicas enqueue each slot once.
 *
 * crawlers/ is re-read whenever a file changes (polled: fs.watch misses edits on network
 * and container volumes). A file that stops being valid is reported with its file, line
 * and field, and the site keeps running on its last good config; a deleted file stops
 * its site's schedule.
 *
 * It also keeps the notify job's scheduler (`notify-every-minute`): once a minute a
 * `send-notifications` job sends the outbox, queues the digests due in each recipient's time
 * zone, and the site alerts. One id, one job per slot, so replicas add it once too. The KPI
 * rollup and the daily evidence retention job are kept the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobSchedulerJson, Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import { listConfigFiles, type LoadedSite, loadSiteFile } from '../config/load-sites.js';
import { syncSites } from '../config/sync-sites.js';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { crawlSiteData, crawlSiteJob } from '../queue/crawl-jobs.js';
import { discoverSiteJob } from '../queue/discover-job.js';
import { notifyJob } from '../queue/notify-job.js';
import { retentionJob } from '../queue/retention-job.js';
import { rollupJob } from '../queue/rollup-job.js';
import { weeklyReportJob } from '../queue/weekly-report-job.js';

export interface SchedulerOptions {
  db: Kysely<Database>;
  crawlQueue: Queue;
  /** When given, the notify job is scheduled on it (every minute unless `notifyPattern`). */
  notifyQueue?: Queue;
  notifyPattern?: string;
  /** The zone of reporting days (MAPWATCH_REPORT_TIME_ZONE): the weekly report fires on its Mondays. */
  reportTimeZone?: string;
  dir: string;
  pollMs?: number;
  onProblem?: (p: InputProblem) => void;
  onChange?: (e: { site: string; action: 'scheduled' | 'updated' | 'restored' | 'removed'; schedule?: string }) => void;
}

export const schedulerIdFor = (site: string): string => `site-${site}`;
/** A site's discovery runs on its own cron (`discover.schedule`), under its own scheduler id. */
export const discoverSchedulerIdFor = (site: string): string => `discover-${site}`;
export const NOTIFY_SCHEDULER_ID = 'notify-every-minute';
/** The KPI rollup, every 15 minutes on the notify queue (migrations/20261201260000). */
export const ROLLUP_SCHEDULER_ID = 'rollup-kpis-every-15-minutes';
const ROLLUP_PATTERN = '0 */15 * * * *';
/**
 * The weekly KPI report, Mondays at 00:30 in the reporting zone: the week is over and its
 * last rollup is due. Each recipient's message is due at their own `digest_at`.
 */
export const WEEKLY_REPORT_SCHEDULER_ID = 'weekly-report-mondays';
const WEEKLY_REPORT_PATTERN = '0 30 0 * * 1';
/** Evidence retention (src/queue/retention-job.ts), daily at 03:17 UTC, off the hour. */
export const RETENTION_SCHEDULER_ID = 'purge-evidence-daily';
const RETENTION_PATTERN = '0 17 3 * * *';

export class SiteScheduler {
  /** Last good config per file. */
  private readonly good = new Map<string, LoadedSite>();
  private readonly scheduled = new Map<string, string>(); // site name → config hash
  private signature = '';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly o: SchedulerOptions) {}

  /**
   * Keeps the notify job's scheduler (idempotent: same id on every replica). Checked on every
   * reload, so one removed through a queue UI or by hand comes back within a poll.
   */
  async scheduleNotify(): Promise<void> {
    if (!this.o.notifyQueue) return;
    const pattern = this.o.notifyPattern ?? '0 * * * * *';
    const existing = await this.o.notifyQueue.getJobScheduler(NOTIFY_SCHEDULER_ID);
    if (!existing || existing.pattern !== pattern)
      await this.o.notifyQueue.upsertJobScheduler(
        NOTIFY_SCHEDULER_ID,
        { pattern },
        { name: notifyJob.id, data: {}, opts: notifyJob.options },
      );
    const rollup = await this.o.notifyQueue.getJobScheduler(ROLLUP_SCHEDULER_ID);
    if (!rollup || rollup.pattern !== ROLLUP_PATTERN)
      await this.o.notifyQueue.upsertJobScheduler(
        ROLLUP_SCHEDULER_ID,
        { pattern: ROLLUP_PATTERN },
        { name: rollupJob.id, data: {}, opts: rollupJob.options },
      );
    const tz = this.o.reportTimeZone ?? 'UTC';
    const weekly = await this.o.notifyQueue.getJobScheduler(WEEKLY_REPORT_SCHEDULER_ID);
    if (!weekly || weekly.pattern !== WEEKLY_REPORT_PATTERN || (weekly.tz ?? 'UTC') !== tz)
      await this.o.notifyQueue.upsertJobScheduler(
        WEEKLY_REPORT_SCHEDULER_ID,
        { pattern: WEEKLY_REPORT_PATTERN, tz },
        { name: weeklyReportJob.id, data: {}, opts: weeklyReportJob.options },
      );
    const retention = await this.o.notifyQueue.getJobScheduler(RETENTION_SCHEDULER_ID);
    if (!retention || retention.pattern !== RETENTION_PATTERN)
      await this.o.notifyQueue.upsertJobScheduler(
        RETENTION_SCHEDULER_ID,
        { pattern: RETENTION_PATTERN, tz: 'UTC' },
        { name: retentionJob.id, data: {}, opts: retentionJob.options },
      );
  }

  /**
   * Re-reads crawlers/ when a file changed, then reconciles the queue's job schedulers with
   * the configs (always, even when no file changed: a scheduler removed or edited in the
   * queue would otherwise silently stop its site). Returns the problems found in this pass.
   */
  async reload(force = false): Promise<InputProblem[]> {
    await this.scheduleNotify();
    const files = listConfigFiles(this.o.dir);
    const sig = files.map((f) => `${f}:${statSig(f)}`).join('|');
    const problems: InputProblem[] = [];
    if (force || sig !== this.signature) {
      this.signature = sig;
      problems.push(...(await this.loadFiles(files)));
    }
    await this.reconcile(files);
    for (const p of problems) this.o.onProblem?.(p);
    return problems;
  }

  private async loadFiles(files: string[]): Promise<InputProblem[]> {
    const problems: InputProblem[] = [];
    for (const file of files) {
      const r = loadSiteFile(file);
      const site = r.site;
      // The site config schema checks `schedule` with cron-parser, the parser BullMQ schedules with.
      const found = [...r.problems];
      if (site && !found.length && this.good.get(file)?.hash !== site.hash) {
        try {
          await syncSites(this.o.db, [site]);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          found.push(...err.problems);
        }
      }
      if (found.length) {
        problems.push(...found);
        if (this.good.has(file))
          found.forEach((p) =>
            problems.push({
              file: p.file,
              message: `keeps running on its last good config (${this.good.get(file)!.name})`,
            }),
          );
        continue;
      }
      this.good.set(file, site!);
    }
    for (const file of [...this.good.keys()]) if (!files.includes(file)) this.good.delete(file);
    return problems;
  }

  /** Makes the queue's `site-*` job schedulers exactly the wanted ones (by id, cron and payload). */
  private async reconcile(files: string[]): Promise<void> {
    const wanted = new Map<string, LoadedSite>();
    for (const s of this.good.values()) if (!wanted.has(s.name)) wanted.set(s.name, s);
    const existing = new Map<string, JobSchedulerJson>();
    for (const s of await this.o.crawlQueue.getJobSchedulers(0, -1)) existing.set(String(s.key ?? s.id), s);
    for (const [name, site] of wanted) {
      const data = crawlSiteData(site);
      const have = existing.get(schedulerIdFor(name));
      const same =
        have &&
        have.pattern === site.config.schedule &&
        (have.template?.data !== undefined
          ? JSON.stringify(have.template.data) === JSON.stringify(data)
          : this.scheduled.get(name) === site.hash);
      if (same) {
        this.scheduled.set(name, site.hash);
        continue;
      }
      await this.o.crawlQueue.upsertJobScheduler(
        schedulerIdFor(name),
        { pattern: site.config.schedule },
        { name: crawlSiteJob.id, data, opts: crawlSiteJob.options },
      );
      this.o.onChange?.({
        site: name,
        action:
          this.scheduled.get(name) === site.hash ? 'restored' : this.scheduled.has(name) ? 'updated' : 'scheduled',
        schedule: site.config.schedule,
      });
      this.scheduled.set(name, site.hash);
    }
    // Discovery: one scheduler per site with a discover: section, on its own cron.
    for (const [name, site] of wanted) {
      const discover = site.config.discover;
      if (!discover) continue;
      const data = crawlSiteData(site);
      const have = existing.get(discoverSchedulerIdFor(name));
      if (have && have.pattern === discover.schedule && JSON.stringify(have.template?.data) === JSON.stringify(data))
        continue;
      await this.o.crawlQueue.upsertJobScheduler(
        discoverSchedulerIdFor(name),
        { pattern: discover.schedule },
        { name: discoverSiteJob.id, data, opts: discoverSiteJob.options },
      );
    }
    // Sites whose file is gone (not merely invalid) stop; so do schedulers left by an earlier run.
    const stillFiled = new Set(files.map((f) => path.basename(f).replace(/\.ya?ml$/i, '')));
    for (const id of existing.keys()) {
      const d = /^discover-(.+)$/.exec(id);
      if (d && !stillFiled.has(d[1]!) && !wanted.get(d[1]!)?.config.discover) {
        await this.o.crawlQueue.removeJobScheduler(id);
        continue;
      }
      if (d && wanted.has(d[1]!) && !wanted.get(d[1]!)!.config.discover) {
        await this.o.crawlQueue.removeJobScheduler(id); // the site dropped its discover: section
        continue;
      }
      const m = /^site-(.+)$/.exec(id);
      if (!m || wanted.has(m[1]!) || stillFiled.has(m[1]!)) continue;
      await this.o.crawlQueue.removeJobScheduler(id);
      this.scheduled.delete(m[1]!);
      this.o.onChange?.({ site: m[1]!, action: 'removed' });
    }
  }

  start(): void {
    const tick = () => {
      this.running = this.reload()
        .catch((err) => this.o.onProblem?.({ file: this.o.dir, message: `reload failed: ${(err as Error).message}` }))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.o.pollMs ?? 5_000);
        }) as Promise<void>;
    };
    this.timer = setTimeout(tick, this.o.pollMs ?? 5_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  sites(): LoadedSite[] {
    return [...this.good.values()];
  }
}

function statSig(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'gone';
  }
}
