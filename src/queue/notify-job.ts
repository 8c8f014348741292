/** The notify job: sends the outbox once (issue 5's sendPendingNotifications). */
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { defineJob } from './job-registry.js';

export const notifyJob = defineJob({
  id: 'send-notifications',
  queue: 'notify',
  payload: z.object({}).passthrough(),
  // The outbox itself retries each message with backoff; the job only needs a couple of tries.
  options: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  },
  async handler(_data, { deps }) {
    if (!deps.sendNotifications) throw new InvalidInputError('this worker has no notifier configured');
    return deps.sendNotifications();
  },
});
