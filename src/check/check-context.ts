/**
 * What a listing check needs besides the listing itself: a view of the one context type
 * (src/context.ts), built by the composition root (src/app/open-app.ts).
 */
import type { CaseChange } from '../cases/record-observation.js';
import type { AppContext } from '../context.js';
import type { Fetcher } from '../fetch/fetch-page.js';
import type { ReadSlots } from './read-slots.js';

export type { CaseChange, Fetcher };

export type CheckContext = Pick<
  AppContext,
  | 'db'
  | 'policy'
  | 'fetchOptions'
  | 'fetcher'
  | 'health'
  | 'siteHealth'
  | 'isSuppressed'
  | 'onCaseChange'
  | 'observationBatch'
  | 'openCases'
  | 'browser'
  | 'evidence'
  | 'recheckDelayMs'
  | 'config'
> & {
  /** A sweep's reads in flight (read-slots.ts); none: every check reads at once. */
  readSlots?: ReadSlots;
  /**
   * Given by a queue job: rather than wait out a re-check's delay while holding the worker, the
   * check calls this once its first read is stored, and it throws (the job is run again after
   * `waitMs` and resumes at the stored read). Without it the check waits in process.
   */
  deferRecheck?: (waitMs: number) => never;
};
