/**
 * The weekly report job: queues last week's KPI report for every recipient (idempotent per
 * recipient and week, so a retry or a second scheduler replica queues nothing twice). The
 * scheduler fires it early on Mondays in the reporting time zone; each message is due at the
 * recipient's own `digest_at`, and the notify job sends it then.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { defineJob } from './job-registry.js';

export const weeklyReportJob = defineJob({
  id: 'weekly-report',
  queue: 'notify',
  payload: z.object({}).passthrough(),
  options: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  },
  async handler(_data, { deps }) {
    if (!deps.queueWeeklyReports) throw new InvalidInputError('this worker has no notifier configured');
    return deps.queueWeeklyReports();
  },
});
