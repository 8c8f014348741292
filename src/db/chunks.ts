/**
 * Postgres's wire protocol numbers bind parameters with 16 bits, so one statement carries at
 * most 65,535 of them: an `in (…)` list or a multi-row insert past that fails with an internal
 * error. Set-based statements over caller-sized lists go through these helpers instead.
 * Callers run them inside their transaction, so a chunked import stays all or nothing.
 */

/** Room for 60,000 values per statement, with headroom for the statement's other parameters. */
const PARAMS_PER_STATEMENT = 60_000;

/** Splits `items` into consecutive slices of at most `size` items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a whole number ≥ 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Consecutive slices of at most `size` items, built one slice at a time (a generator's rows are never all held). */
export function* chunksOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a whole number ≥ 1, got ${size}`);
  let slice: T[] = [];
  for (const item of items) {
    slice.push(item);
    if (slice.length >= size) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length) yield slice;
}

/** Rows per multi-row insert when each row binds `columns` values. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.floor(PARAMS_PER_STATEMENT / Math.max(1, columns)));
}

/** Runs `query` on each slice of `keys` (an `in (…)` list) in turn and concatenates the rows. */
export async function selectInChunks<K, R>(
  keys: readonly K[],
  query: (slice: K[]) => Promise<R[]>,
  size = PARAMS_PER_STATEMENT,
): Promise<R[]> {
  const out: R[] = [];
  for (const slice of chunks(keys, size)) out.push(...(await query(slice)));
  return out;
}
