/**
 * One demo sweep through the real queue path: a `crawl-site` job per site (what each
 * site's job scheduler fires at a cron slot), which the workers fan out into one
 * `crawl-listing` job per listing. The demo picks the slot itself, so a sweep is run at
 * the moment the story needs it (before and after Shifty's redesign) instead of waiting
 * for a cron tick. It waits until every listing job of the slot has finished.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { LoadedSite } from '../config/load-sites.js';
import type { Database } from '../db/tables.js';
import { UserError } from '../errors.js';
import { crawlListingJobId, crawlSiteData, crawlSiteJob } from '../queue/crawl-jobs.js';

export interface SweepResult {
  slot: number;
  listings: number;
  failed: { jobId: string; reason: string }[];
  ms: number;
}

export async function runSweep(
  db: Kysely<Database>,
  crawl: Queue,
  sites: readonly LoadedSite[],
  slot: number,
  opts: { timeoutMs?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<SweepResult> {
  const started = Date.now();
  for (const site of sites) {
    await crawl.add(crawlSiteJob.id, crawlSiteData(site, slot), {
      ...crawlSiteJob.options,
      jobId: `sweep-${slot}-${site.name}`,
    });
  }
  // The listing jobs' ids follow from site, listing and slot (see crawl-jobs.ts).
  const rows = await db
    .selectFrom('listings')
    .innerJoin('sites', 'sites.id', 'listings.site_id')
    .select(['listings.id', 'listings.site_id'])
    .where(
      'sites.name',
      'in',
      sites.map((s) => s.name),
    )
    .where('listings.active', '=', true)
    .execute();
  const pending = new Set(rows.map((r) => crawlListingJobId(r.site_id, r.id, slot)));
  const total = pending.size;
  const failed: SweepResult['failed'] = [];
  const deadline = started + (opts.timeoutMs ?? 180_000);
  while (pending.size) {
    for (const id of [...pending]) {
      const job = await crawl.getJob(id);
      if (!job) continue; // not fanned out yet
      const state = await job.getState();
      if (state === 'completed') pending.delete(id);
      else if (state === 'failed') {
        pending.delete(id);
        failed.push({ jobId: id, reason: job.failedReason ?? 'failed' });
      }
    }
    opts.onProgress?.(total - pending.size, total);
    if (!pending.size) break;
    if (Date.now() > deadline) {
      throw new UserError(
        `demo sweep did not finish within ${Math.round((opts.timeoutMs ?? 180_000) / 1000)} s; still waiting for ${[...pending].join(', ')}`,
      );
    }
    await sleep(250);
  }
  return { slot, listings: total, failed, ms: Date.now() - started };
}

/** Waits for one job to finish and returns its return value (or throws with its failure). */
export async function waitForJob(queue: Queue, jobId: string, timeoutMs = 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : 'unknown';
    // Read again: a job that finished between getJob and getState still holds its old (null) return value.
    if (job && state === 'completed') return (await queue.getJob(jobId))?.returnvalue ?? job.returnvalue;
    if (job && state === 'failed') throw new UserError(`job ${jobId} failed: ${job.failedReason}`);
    if (Date.now() > deadline)
      throw new UserError(`job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s (state: ${state})`);
    await sleep(200);
  }
}
