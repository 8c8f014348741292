/** The registry: every job type mapwatch runs, by id. */
import { crawlListingJob, crawlSiteJob } from './crawl-jobs.js';
import { discoverSiteJob } from './discover-job.js';
import type { JobDefinition } from './job-registry.js';
import { notifyJob } from './notify-job.js';
import { retentionJob } from './retention-job.js';
import { rollupJob } from './rollup-job.js';
import { weeklyReportJob } from './weekly-report-job.js';

export const JOBS: ReadonlyMap<string, JobDefinition> = new Map(
  (
    [
      crawlSiteJob,
      crawlListingJob,
      discoverSiteJob,
      notifyJob,
      rollupJob,
      weeklyReportJob,
      retentionJob,
    ] as unknown as JobDefinition[]
  ).map((j) => [j.id, j]),
);
