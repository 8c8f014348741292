/**
 * Everything a listing check needs besides the listing itself, built once per crawl or
 * per worker. The optional hooks are where later stages plug in without the check
 * knowing about them:
 * - `onCaseChange` runs inside the observation's transaction, so whatever it writes
 *   (an outbox row, an audit record) commits or rolls back with the case change;
 * - `isSuppressed` lets site health stop a site with broken extraction from opening
 *   cases while its reads are still recorded.
 */
import type { Kysely } from 'kysely';
import type { CaseChange, OnCaseChange } from '../cases/record-observation.js';
import type { ComparePolicy } from '../config/policy.js';
import type { Database } from '../db/tables.js';
import type { FetchOptions } from '../fetch/fetch-page.js';

export type { CaseChange };

export type Fetcher = (url: string, opts: FetchOptions) => Promise<import('../fetch/fetch-page.js').FetchResult>;

export interface PipelineContext {
  db: Kysely<Database>;
  policy: ComparePolicy;
  fetchOptions: FetchOptions;
  fetcher?: Fetcher;
  onCaseChange?: OnCaseChange;
  isSuppressed?: (siteId: number) => boolean | Promise<boolean>;
  /** Chromium for `render: browser` sites, the static fallback and screenshots. Absent: those reads are `error`. */
  browser?: import('../fetch/browser/browser-pool.js').BrowserPool;
  /** Where evidence files go. Absent: no evidence is captured. */
  evidence?: import('../evidence/evidence-store.js').EvidenceStore;
  /** Overrides every site's `recheck.delay_ms` (the wait before the confirming read). */
  recheckDelayMs?: number;
}
