/**
 * The KPI rollup job: brings daily_rollups up to date (yesterday, today, and any older day
 * that got a late read). The scheduler runs it every 15 minutes; it is idempotent, so a
 * second replica or a retry only repeats the same result.
 */
import { z } from 'zod';
import { rollUpDue } from '../kpis/roll-up-due.js';
import { defineJob } from './job-registry.js';

export const rollupJob = defineJob({
  id: 'rollup-kpis',
  queue: 'notify',
  payload: z.object({}).passthrough(),
  options: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 30_000 },
    removeOnComplete: { count: 200 },
    removeOnFail: { count: 200 },
  },
  async handler(_data, { deps }) {
    return rollUpDue(deps.db, { timeZone: deps.config?.MAPWATCH_REPORT_TIME_ZONE ?? 'UTC' });
  },
});
