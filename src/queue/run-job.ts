/**
 * Runs one BullMQ job through the registry: find the definition, check the payload again,
 * call the handler, and turn its errors into what BullMQ should do next:
 * - DomainBusyError → the job moves to delayed until the domain is free (no attempt used);
 * - JobDeferredError → the same, for as long as the job asked (a re-check's delay);
 * - an error that says retrying cannot help (`retryable: false`, e.g. a config error or an
 *   invalid payload) → UnrecoverableError, with the original as `cause`;
 * - anything else → rethrown, so BullMQ retries it with exponential backoff.
 */
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { formatProblem, InputError, isUnrecoverable } from '../errors.js';
import type { JobDefinition } from './job-registry.js';
import { JobDeferredError } from './job-deferred-error.js';
import { DomainBusyError } from './shared-domain-gate.js';
import type { AppContext } from '../context.js';

export function unrecoverable(message: string, cause: unknown): UnrecoverableError {
  const e = new UnrecoverableError(message);
  (e as Error).cause = cause;
  return e;
}

export async function runJob(
  jobs: ReadonlyMap<string, JobDefinition>,
  deps: AppContext,
  job: Job,
  token?: string,
): Promise<unknown> {
  const def = jobs.get(job.name);
  if (!def) throw unrecoverable(`unknown job type "${job.name}"`, undefined);
  const parsed = def.payload.safeParse(job.data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      file: `job ${job.name}#${job.id}`,
      field: i.path.join('.') || undefined,
      message: i.message,
    }));
    throw unrecoverable(`invalid payload: ${problems.map(formatProblem).join('; ')}`, new InputError(problems));
  }
  try {
    return await def.handler(parsed.data, { job, token, deps });
  } catch (err) {
    if (err instanceof DomainBusyError || err instanceof JobDeferredError) {
      // A little jitter so jobs for one domain don't all wake in the same millisecond.
      await job.moveToDelayed(Date.now() + err.waitMs + Math.floor(Math.random() * 250), token);
      throw new DelayedError();
    }
    if (isUnrecoverable(err)) {
      throw unrecoverable((err as Error).message, err);
    }
    throw err;
  }
}
