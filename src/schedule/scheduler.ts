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
 * zone, and the site alerts. One id, one job per slot, so replicas add it once too.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import { listConfigFiles, type LoadedSite, loadSiteFile } from '../config/load-sites.js';
import { syncSites } from '../config/sync-sites.js';
import type { Database } from '../db/tables.js';
import { InputError, type InputProblem } from '../errors.js';
import { crawlSiteJob } from '../queue/crawl-jobs.js';
import { notifyJob } from '../queue/notify-job.js';

export interface SchedulerOptions {
  db: Kysely<Database>;
  crawlQueue: Queue;
  /** When given, the notify job is scheduled on it (every minute unless `notifyPattern`). */
  notifyQueue?: Queue;
  notifyPattern?: string;
  dir: string;
  pollMs?: number;
  onProblem?: (p: InputProblem) => void;
  onChange?: (e: { site: string; action: 'scheduled' | 'updated' | 'removed'; schedule?: string }) => void;
}

export const schedulerIdFor = (site: string): string => `site-${site}`;
export const NOTIFY_SCHEDULER_ID = 'notify-every-minute';

export class SiteScheduler {
  /** Last good config per file. */
  private readonly good = new Map<string, LoadedSite>();
  private readonly scheduled = new Map<string, string>(); // site name → config hash
  private signature = '';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private notifyScheduled = false;

  constructor(private readonly o: SchedulerOptions) {}

  /** Keeps the notify job's scheduler (idempotent: same id on every replica). */
  async scheduleNotify(): Promise<void> {
    if (!this.o.notifyQueue || this.notifyScheduled) return;
    await this.o.notifyQueue.upsertJobScheduler(
      NOTIFY_SCHEDULER_ID,
      { pattern: this.o.notifyPattern ?? '0 * * * * *' },
      { name: notifyJob.id, data: {}, opts: notifyJob.options },
    );
    this.notifyScheduled = true;
  }

  /** Loads crawlers/ now and (re)schedules; returns the problems found in this pass. */
  async reload(force = false): Promise<InputProblem[]> {
    await this.scheduleNotify();
    const files = listConfigFiles(this.o.dir);
    const sig = files.map((f) => `${f}:${statSig(f)}`).join('|');
    if (!force && sig === this.signature) return [];
    this.signature = sig;
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

    const wanted = new Map<string, LoadedSite>();
    for (const s of this.good.values()) if (!wanted.has(s.name)) wanted.set(s.name, s);
    for (const [name, site] of wanted) {
      if (this.scheduled.get(name) === site.hash) continue;
      const { listings: _l, ...rest } = site.config;
      await this.o.crawlQueue.upsertJobScheduler(
        schedulerIdFor(name),
        { pattern: site.config.schedule },
        {
          name: crawlSiteJob.id,
          data: { site: name, config: { ...rest, listings: [] }, configHash: site.hash },
          opts: crawlSiteJob.options,
        },
      );
      this.o.onChange?.({
        site: name,
        action: this.scheduled.has(name) ? 'updated' : 'scheduled',
        schedule: site.config.schedule,
      });
      this.scheduled.set(name, site.hash);
    }
    // Sites whose file is gone (not merely invalid) stop; so do schedulers left by an earlier run.
    const stillFiled = new Set(files.map((f) => path.basename(f).replace(/\.ya?ml$/i, '')));
    for (const s of await this.o.crawlQueue.getJobSchedulers(0, -1)) {
      const id = s.key ?? s.id;
      const m = /^site-(.+)$/.exec(String(id ?? ''));
      if (!m || wanted.has(m[1]!) || stillFiled.has(m[1]!)) continue;
      await this.o.crawlQueue.removeJobScheduler(String(id));
      this.scheduled.delete(m[1]!);
      this.o.onChange?.({ site: m[1]!, action: 'removed' });
    }
    for (const p of problems) this.o.onProblem?.(p);
    return problems;
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
