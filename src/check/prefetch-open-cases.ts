/**
 * The open case of each listing a crawl is about to check, read for many listings in one
 * statement instead of one statement per check (issue 15: the per-check open-case lookup was
 * the largest share of a static check's database statements).
 *
 * The crawl knows its task order, so listings are read a window at a time, in that order: the
 * first check of a window reads the open cases of the whole window. A window's answers are
 * used for at most `maxAgeMs` after they were read; a check that comes later reads its window
 * again, so an answer is never older than that (the per-check lookup it replaces was as old as
 * the read itself: a fetch can take seconds).
 *
 * What the answer decides, and why a stale one cannot accuse anyone (check-listing.ts):
 * - whether the read is captured as evidence (a listing with an open case): a case opened
 *   elsewhere since the window was read is what the per-check lookup could also miss;
 * - for a violation only, whether a re-check is needed: the check asks again, live, for every
 *   violation, so a case closed or opened meanwhile never skips or invents a re-check;
 * - a read that changes no case is written by the batch, whose insert tests "no open case"
 *   itself (insert-quiet-observations.ts); otherwise the transactional path locks the case.
 */
import type { Kysely } from 'kysely';
import { selectInChunks } from '../db/chunks.js';
import type { Database } from '../db/tables.js';
import { openCaseOf } from './recheck.js';

export interface OpenCase {
  id: number;
  severity: string;
}

/** What a check needs to learn a listing's open case (AppContext.openCases). */
export interface OpenCaseLookup {
  get(listingId: number): Promise<OpenCase | undefined>;
}

export interface OpenCasePrefetchOptions {
  /** Listings read per statement, in task order. Default 64. */
  window?: number;
  /** The longest an answer is used after it was read, in ms. Default 1000. */
  maxAgeMs?: number;
  /**
   * How many of the latest task positions are kept (default: all). A sweep that pages its
   * listings appends each page's ids as it reads them (`append`) and keeps only the positions
   * its checks can still ask for, so the lookup does not grow with the sweep; a listing asked
   * for after its position was forgotten is read on its own, as one outside the tasks.
   */
  retain?: number;
}

interface Window {
  /** When the statement was sent (the answer is at least this fresh). */
  at: number;
  cases: Promise<Map<number, OpenCase>>;
}

/** One window's listing ids in task order (filled as pages are appended). */
type WindowIds = number[];

export class OpenCasePrefetch implements OpenCaseLookup {
  /** Listing id → its (first) task position. */
  private readonly index = new Map<number, number>();
  /** Window number → its listing ids; only the retained windows. */
  private readonly ids = new Map<number, WindowIds>();
  private readonly windows = new Map<number, Window>();
  private readonly window: number;
  private readonly maxAgeMs: number;
  private readonly retain: number;
  /** Task positions appended so far. */
  private length = 0;
  /** Statements sent (for benchmarks and tests). */
  readonly stats = { statements: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    /** Listing ids in the order the checks will ask for them (more may be appended). */
    listingIds: readonly number[] = [],
    opts: OpenCasePrefetchOptions = {},
  ) {
    this.window = Math.max(1, Math.floor(opts.window ?? 64));
    this.maxAgeMs = Math.max(0, opts.maxAgeMs ?? 1000);
    this.retain = Math.max(this.window, opts.retain ?? Infinity);
    this.append(listingIds);
  }

  /** The next listing ids in task order; positions older than `retain` are forgotten. */
  append(listingIds: readonly number[]): void {
    if (!listingIds.length) return;
    // A window read before these ids joined it does not know them: it is read again when asked.
    if (this.length % this.window) this.windows.delete(Math.floor(this.length / this.window));
    for (const id of listingIds) {
      const w = Math.floor(this.length / this.window);
      let list = this.ids.get(w);
      if (!list) this.ids.set(w, (list = []));
      list.push(id);
      if (!this.index.has(id)) this.index.set(id, this.length);
      this.length++;
    }
    // Whole windows that fell out of the retained positions go, with their answers.
    const keepFrom = Math.floor(Math.max(0, this.length - this.retain) / this.window);
    for (const [w, list] of this.ids) {
      if (w >= keepFrom) break; // Map iterates in insertion order: windows ascend
      for (const id of list) if (Math.floor(this.index.get(id)! / this.window) === w) this.index.delete(id);
      this.ids.delete(w);
      this.windows.delete(w);
    }
  }

  async get(listingId: number): Promise<OpenCase | undefined> {
    const i = this.index.get(listingId);
    if (i === undefined) {
      this.stats.statements++;
      return openCaseOf(this.db, listingId);
    }
    const w = Math.floor(i / this.window);
    let loaded = this.windows.get(w);
    if (!loaded || Date.now() - loaded.at > this.maxAgeMs) {
      loaded = { at: Date.now(), cases: this.load(w) };
      this.windows.set(w, loaded);
      // A failed read is not kept: the next check of the window asks again.
      loaded.cases.catch(() => {
        if (this.windows.get(w) === loaded) this.windows.delete(w);
      });
    }
    return (await loaded.cases).get(listingId);
  }

  private async load(w: number): Promise<Map<number, OpenCase>> {
    const ids = [...(this.ids.get(w) ?? [])]; // appends after this read must not change it
    this.stats.statements++;
    const rows = await selectInChunks(ids, (slice) =>
      this.db
        .selectFrom('cases')
        .select(['id', 'severity', 'listing_id'])
        .where('listing_id', 'in', slice)
        .where('status', 'in', ['open', 'notified'])
        .execute(),
    );
    // One open case per listing (a partial unique index); the first row wins as executeTakeFirst did.
    const out = new Map<number, OpenCase>();
    for (const r of rows) if (!out.has(r.listing_id)) out.set(r.listing_id, { id: r.id, severity: r.severity });
    return out;
  }
}
