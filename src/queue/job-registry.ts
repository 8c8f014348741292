/**
 * Every job type in one place: an id, the queue it runs on, a zod payload schema (checked
 * again when the job runs: a payload from an older or newer release must not be trusted),
 * default options, and the handler. Producers and workers both go through this table.
 */
import type { Job, JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { AppContext } from '../context.js';

export const QUEUE_NAMES = {
  crawl: 'mapwatch-crawl',
  notify: 'mapwatch-notify',
} as const;
export type QueueRole = keyof typeof QUEUE_NAMES;

export interface JobContext {
  job: Job;
  token?: string;
  deps: AppContext;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  id: string;
  queue: QueueRole;
  payload: S;
  /** Retries back off exponentially; non-retryable errors end the job at once (see worker.ts). */
  options: JobsOptions;
  handler: (data: z.output<S>, ctx: JobContext) => Promise<unknown>;
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

export const RETRY_DEFAULTS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000 },
  // Completed jobs are kept a day so a duplicate enqueue of the same slot (same job id) is a no-op.
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
