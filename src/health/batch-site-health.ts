/**
 * Site health judged per batch of reads instead of after every read (issue 15: the judgement
 * is a transaction of a dozen statements, more database work than the read it followed).
 *
 * A check notes that it stored a read of a site; the sites noted since the last judgement are
 * judged together (update-site-health.ts, one transaction for all of them) once the first of
 * them has waited `maxWaitMs`, and on flush() and close(). Only one judgement runs at a time;
 * reads noted meanwhile wait for the next.
 *
 * What stays the same: health is derived from the stored reads alone (the rolling window of
 * each site), so judging a site once after several of its reads gives the state judging it
 * after each would have ended in, and every change of state still raises exactly one alert.
 * What a batch cannot show is a state a site entered and left within one batch of its reads.
 * A suppression takes effect at most `maxWaitMs` later than it did (plus the suppression
 * cache, is-suppressed.ts, as before).
 *
 * A check does not wait for the judgement: health is derived state, so a judgement that fails
 * (the database is away) is retried with the next one, and a process that dies before judging
 * loses nothing the next judgement of the site does not see. Its sites stay noted, and close()
 * reports the failure of the last attempt.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { HealthWindow } from './compute-site-health.js';
import type { HealthThresholds } from './judge-site-health.js';
import { type HealthChange, updateSitesHealth } from './update-site-health.js';

export interface SiteHealthBatchOptions {
  /** The longest a noted read waits for its site's judgement, in ms. Default 1000. */
  maxWaitMs?: number;
  window?: HealthWindow;
}

/** What a check and a crawl need of the batch (AppContext.siteHealth). */
export interface SiteHealthWriter {
  /** A read of the site is stored; returns the site's health as last judged in this process, if it was. */
  noteRead(siteId: number): HealthChange | undefined;
  /** Calls `listener` with every judgement that changed a site's suppression; returns the unsubscribe. */
  onChange(listener: (c: HealthChange) => void): () => void;
  /** Judges every site noted so far. */
  flush(): Promise<void>;
}

export class SiteHealthBatch implements SiteHealthWriter {
  private noted = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastError: unknown;
  private closed = false;
  private readonly latest = new Map<number, HealthChange>();
  private readonly listeners = new Set<(c: HealthChange) => void>();
  private readonly maxWaitMs: number;
  /** Judgements run and sites judged (for benchmarks and tests). */
  readonly stats = { batches: 0, sites: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly thresholds: HealthThresholds,
    private readonly opts: SiteHealthBatchOptions = {},
  ) {
    this.maxWaitMs = Math.max(0, opts.maxWaitMs ?? 1000);
  }

  noteRead(siteId: number): HealthChange | undefined {
    this.noted.add(siteId);
    if (!this.closed) this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.maxWaitMs);
    return this.latest.get(siteId);
  }

  /** Calls `listener` with every judgement that changed a site's suppression; returns the unsubscribe. */
  onChange(listener: (c: HealthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Judges every site noted so far (waiting for a judgement already running). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
    if (!this.noted.size) return;
    const ids = [...this.noted];
    this.noted = new Set();
    this.running = this.judge(ids).finally(() => (this.running = undefined));
    await this.running;
    if (this.lastError !== undefined) throw this.lastError;
  }

  /** Judges what is noted (a failure is thrown here, and not retried); later notes are judged on flush() only. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async judge(ids: number[]): Promise<void> {
    try {
      const changes = await updateSitesHealth(this.db, ids, this.thresholds, this.opts.window);
      this.lastError = undefined;
      this.stats.batches++;
      this.stats.sites += changes.length;
      for (const c of changes) {
        this.latest.set(c.siteId, c);
        if (c.changed) for (const l of this.listeners) l(c);
      }
    } catch (err) {
      this.lastError = err;
      for (const id of ids) this.noted.add(id); // judged with the next batch
      if (!this.closed) this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.maxWaitMs);
    }
  }
}
