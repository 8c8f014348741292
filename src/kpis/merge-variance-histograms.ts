/**
 * The MSRP variance p10/p90 of a KPI group, from its rows' histograms (daily_dimension_rollups:
 * variance_buckets[i] seen variance_counts[i] times, see roll-up-dimensions.ts), merged here
 * rather than in SQL. Summing the histograms in SQL unnests every (bucket, count) pair into a
 * row, groups, sorts and windows them: at 10,000,000 reads a month by product is ~720,000
 * pairs (each product-day holds ~12 listing-days) and took over a second. The query instead
 * concatenates each group's arrays in their binary form (array_send, one bytea per group,
 * no row per pair), and this file adds them up and reads the percentiles: the same
 * percentile_cont over the same summed histogram as before, so the same figures.
 */
import { sql } from 'kysely';
import { VARIANCE_BUCKETS_PER_UNIT } from './roll-up-dimensions.js';

/**
 * The aggregate over rows `r` of a group: each row's buckets then counts, in array_send's
 * binary form, one after the other (empty when the group has no rows with a histogram).
 */
export const varianceHistogramsSql = sql`string_agg(array_send(r.variance_buckets) || array_send(r.variance_counts), ''::bytea)`;

/** array_send of an int4[] at `at`: its values and where the next array starts. */
function readInt4Array(v: DataView, at: number): { values: number[]; next: number } {
  const ndim = v.getInt32(at);
  let p = at + 12; // ndim, has-nulls flag, element type
  if (ndim === 0) return { values: [], next: p };
  if (ndim !== 1) throw new Error(`variance histogram: ${ndim}-dimensional array`);
  const n = v.getInt32(p);
  p += 8; // length, lower bound
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    // Each element: its byte length (4; -1 would be a NULL, which the rollup never writes), its value.
    if (v.getInt32(p) !== 4) throw new Error('variance histogram: NULL or non-int4 element');
    values[i] = v.getInt32(p + 4);
    p += 8;
  }
  return { values, next: p };
}

/** The summed histogram of the concatenated (buckets, counts) array pairs: bucket → count. */
export function sumVarianceHistograms(bytes: Uint8Array | null): Map<number, number> {
  const sums = new Map<number, number>();
  if (!bytes) return sums;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.byteLength;) {
    const buckets = readInt4Array(v, at);
    const counts = readInt4Array(v, buckets.next);
    if (buckets.values.length !== counts.values.length) throw new Error('variance histogram: arrays differ in length');
    buckets.values.forEach((b, i) => sums.set(b, (sums.get(b) ?? 0) + counts.values[i]!));
    at = counts.next;
  }
  return sums;
}

/**
 * percentile_cont(tenths / 10) over the values of a histogram (bucket → count), each value
 * being its bucket: the values at ranks floor and ceil of p·(n − 1) (from 0), interpolated.
 * In units of variance (1 = 100 %); null for an empty histogram. `tenths` keeps the rank
 * exact in integers (1: p10, 9: p90).
 */
export function histogramPercentile(h: Map<number, number>, tenths: number): number | null {
  const sorted = [...h.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const scaled = tenths * (total - 1); // p·(n − 1), times 10
  const lo = Math.floor(scaled / 10);
  const frac = (scaled % 10) / 10;
  const at = (rank: number) => {
    let seen = 0;
    for (const [b, n] of sorted) if ((seen += n) > rank) return b;
    throw new Error('unreachable: rank beyond the histogram');
  };
  const a = at(lo);
  const b = frac > 0 ? at(lo + 1) : a;
  return (a + frac * (b - a)) / VARIANCE_BUCKETS_PER_UNIT;
}

/** p10 and p90 of a group's concatenated histograms. */
export function variancePercentiles(bytes: Uint8Array | null): { p10: number | null; p90: number | null } {
  const h = sumVarianceHistograms(bytes);
  return { p10: histogramPercentile(h, 1), p90: histogramPercentile(h, 9) };
}
