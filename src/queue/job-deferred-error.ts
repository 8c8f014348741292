/**
 * A job that has nothing to do until later and should not hold a worker's slot meanwhile: the
 * re-check before accusing waits `recheck.delay_ms` (up to 10 minutes) between its two reads.
 * Thrown by the job, after its first read is stored; run-job.ts moves the job to delayed for
 * `waitMs` (no attempt used), and the job's next run resumes at the stored read
 * (find-stored-read.ts: `awaiting_recheck`), so the wait costs the worker nothing.
 */
export class JobDeferredError extends Error {
  readonly retryable = true;
  constructor(
    readonly waitMs: number,
    readonly why: string,
  ) {
    super(`${why}: the job waits ${Math.round(waitMs)} ms in the queue`);
    this.name = 'JobDeferredError';
  }
}
