/**
 * A sweep's workers write through the observation batch as a pool (batch-observations.ts, joinPool):
 * once every worker of the pool waits on a row, the batch is written at once instead of after its
 * timer. The database write is replaced by a recorder whose answers the test releases; the timer
 * is a fake one that never runs unless the test advances it, so nothing here depends on time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Kysely } from 'kysely';
import type { ObservationRow } from '../src/cases/insert-quiet-observations.js';
import type { Database } from '../src/db/tables.js';

/** Every batch written: its listing ids, and the release of its answer. */
const writes: { ids: number[]; release: () => void }[] = [];

vi.mock('../src/cases/insert-quiet-observations.js', () => ({
  insertQuietObservations: (_db: unknown, rows: { listing_id: number }[]) =>
    new Promise<number[]>((resolve) => {
      const ids = rows.map((r) => r.listing_id);
      writes.push({ ids, release: () => resolve(ids.map((id) => id * 10)) });
    }),
}));

const { ObservationBatch } = await import('../src/check/batch-observations.js');

const row = (listingId: number) => ({ listing_id: listingId }) as unknown as ObservationRow;
const db = {} as Kysely<Database>;
const HOUR = 3_600_000;
/** Lets pending promise callbacks run (no timers). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('observation batch written once its whole pool waits', () => {
  beforeEach(() => {
    writes.length = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('writes when the last of three workers waits, not before, and answers each its own id', async () => {
    const batch = new ObservationBatch(db, { maxRows: 16, maxWaitMs: HOUR });
    const [a, b, c] = [batch.joinPool(), batch.joinPool(), batch.joinPool()];
    const ra = a.add(row(1));
    const rb = b.add(row(2));
    expect(writes).toEqual([]);
    const rc = c.add(row(3));
    expect(writes.map((w) => w.ids)).toEqual([[1, 2, 3]]);
    writes[0]!.release();
    expect(await Promise.all([ra, rb, rc])).toEqual([10, 20, 30]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a worker that answered is not waiting: the next batch waits for every worker again', async () => {
    const batch = new ObservationBatch(db, { maxRows: 16, maxWaitMs: HOUR });
    const [a, b] = [batch.joinPool(), batch.joinPool()];
    void a.add(row(1));
    void b.add(row(2));
    writes[0]!.release();
    await settle();
    void a.add(row(3));
    expect(writes).toHaveLength(1);
    void b.add(row(4));
    expect(writes.map((w) => w.ids)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('a worker whose row is being written still waits: the others are written without it', async () => {
    const batch = new ObservationBatch(db, { maxRows: 2, maxWaitMs: HOUR });
    const [a, b, c] = [batch.joinPool(), batch.joinPool(), batch.joinPool()];
    void a.add(row(1));
    void b.add(row(2)); // a full batch (maxRows), still being written
    void c.add(row(3));
    expect(writes.map((w) => w.ids)).toEqual([[1, 2], [3]]);
  });

  it('a worker leaving the pool (no more listings) lets the waiting ones be written', async () => {
    const batch = new ObservationBatch(db, { maxRows: 16, maxWaitMs: HOUR });
    const [a, b, c] = [batch.joinPool(), batch.joinPool(), batch.joinPool()];
    void a.add(row(1));
    void b.add(row(2));
    expect(writes).toEqual([]);
    c.leave();
    expect(writes.map((w) => w.ids)).toEqual([[1, 2]]);
  });

  it('rows of writers outside a pool still wait for a full batch or the timer', async () => {
    const batch = new ObservationBatch(db, { maxRows: 16, maxWaitMs: HOUR });
    void batch.add(row(1));
    void batch.add(row(2));
    await settle();
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(HOUR);
    expect(writes.map((w) => w.ids)).toEqual([[1, 2]]);
  });

  it('a pool member that is not waiting keeps the others waiting for the timer', async () => {
    const batch = new ObservationBatch(db, { maxRows: 16, maxWaitMs: HOUR });
    const [a] = [batch.joinPool(), batch.joinPool()];
    void a.add(row(1));
    await settle();
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(HOUR);
    expect(writes.map((w) => w.ids)).toEqual([[1]]);
  });
});
