/**
 * A small buffer of observations that change no case, written together (insert-quiet-observations.ts):
 * one statement per batch instead of a transaction of four round-trips per read. A batch is
 * written when it holds `maxRows` rows or its first row has waited `maxWaitMs`, and on close().
 *
 * Never losing a read: add() resolves only once the row's batch has committed, and every
 * check awaits it before it returns, so a queue job is acknowledged only after its observation
 * is durable. A process that dies with rows in the buffer loses only reads whose checks had not
 * finished: their jobs are not complete, so BullMQ runs them again once their lock expires
 * (the read key keeps the retry from writing twice); a `mapwatch crawl` cut short loses them as
 * it loses any check in flight. The timer is not unref'd, so a pending batch keeps the process
 * alive until it is written.
 *
 * A pool of workers that write through the batch (a sweep's, joinPool) gets its batch written as
 * soon as every one of its workers waits on a row: no worker of the pool can add another, so
 * waiting out the timer would only idle them all (issue 15: at the end of every page of a sweep,
 * and whenever fewer workers than `maxRows` are reading, the whole pool sat for `maxWaitMs`).
 *
 * A batch the database refuses for its data (a constraint one row breaks) must not cost the
 * others their reads: every row then answers null and each check writes its own row on the
 * transactional path, where only the bad row fails. A failure of the database itself rejects
 * every row, and the checks are retried like any other database failure.
 */
import type { Kysely } from 'kysely';
import { insertQuietObservations, type ObservationRow } from '../cases/insert-quiet-observations.js';
import type { Database } from '../db/tables.js';
import { isServiceFailure } from './contain-read-failure.js';

export interface ObservationBatchOptions {
  /** Rows that make a batch be written at once. Default 16. */
  maxRows?: number;
  /** The longest a row waits for others, in ms. Default 100. */
  maxWaitMs?: number;
}

/**
 * The batch for a process that keeps `concurrency` checks in flight: half of them waiting on one
 * is a full batch, so the other half keep reading meanwhile. With the default 16 rows, a process
 * running 8 checks would never fill a batch and every check would wait out the 100 ms timer.
 */
export function observationBatchFor(concurrency: number): ObservationBatchOptions {
  return { maxRows: Math.max(1, Math.ceil(concurrency / 2)), maxWaitMs: 100 };
}

/** What a check needs of a batch (AppContext.observationBatch). */
export interface ObservationWriter {
  /** The row's id once written; null: write it on the transactional path (open case, stored read key, closed batch). */
  add(row: ObservationRow): Promise<number | null>;
  /** One worker of a pool writing here; the batch is written once every member waits on it. */
  joinPool?(): PoolMember;
}

/** A pool worker's own writer: its rows count as it waiting; leave() when the worker is done. */
export interface PoolMember extends ObservationWriter {
  leave(): void;
}

interface Member {
  /** Rows of this worker not yet written. */
  waiting: number;
}

interface Pending {
  row: ObservationRow;
  resolve: (id: number | null) => void;
  reject: (err: unknown) => void;
  member?: Member;
}

export class ObservationBatch implements ObservationWriter {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly members = new Set<Member>();
  private readonly maxRows: number;
  private readonly maxWaitMs: number;
  /** Batches written and rows in them (for benchmarks and tests). */
  readonly stats = { batches: 0, rows: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    opts: ObservationBatchOptions = {},
  ) {
    this.maxRows = Math.max(1, Math.floor(opts.maxRows ?? 16));
    this.maxWaitMs = Math.max(0, opts.maxWaitMs ?? 100);
  }

  add(row: ObservationRow): Promise<number | null> {
    return this.push(row);
  }

  joinPool(): PoolMember {
    const member: Member = { waiting: 0 };
    this.members.add(member);
    return {
      add: (row) => this.push(row, member),
      leave: () => {
        this.members.delete(member);
        this.flushIfPoolWaits();
      },
    };
  }

  private push(row: ObservationRow, member?: Member): Promise<number | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject, member });
      if (member) member.waiting++;
      if (this.pending.length >= this.maxRows) void this.flush();
      else if (!this.flushIfPoolWaits()) this.timer ??= setTimeout(() => void this.flush(), this.maxWaitMs);
    });
  }

  /** Writes the batch when a pool is joined and every member of it waits on a row. */
  private flushIfPoolWaits(): boolean {
    if (!this.pending.length || this.members.size === 0) return false;
    for (const m of this.members) if (m.waiting === 0) return false;
    void this.flush();
    return true;
  }

  /** Writes what is buffered now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    // A member whose row is being written still waits (it adds no other row until it is answered);
    // it stops waiting as its row is answered, before its check resumes.
    const answered = () => {
      for (const p of batch) if (p.member) p.member.waiting--;
    };
    try {
      const ids = await insertQuietObservations(
        this.db,
        batch.map((p) => p.row),
      );
      this.stats.batches++;
      this.stats.rows += ids.filter((id) => id !== null).length;
      answered();
      batch.forEach((p, i) => p.resolve(ids[i] ?? null));
    } catch (err) {
      answered();
      if (isServiceFailure(err)) for (const p of batch) p.reject(err);
      else for (const p of batch) p.resolve(null);
    }
  }

  /** Writes what is buffered; later rows go the transactional way. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
