/**
 * The MSRP variance p10/p90 of a KPI group, from its rows' histograms (daily_dimension_rollups:
 * variance_buckets[i] seen variance_counts[i] times, see roll-up-dimensions.ts), merged here
 * rather than in SQL. Summing the histograms in SQL unnests every (bucket, count) pair into a
 * row, groups, sorts and windows them: at 10,000,000 reads a month by product is ~720,000
 * pairs (each product-day holds ~12 listing-days) and took over a second. The query instead
 * concatenates each group's arrays as their text ('{-120,-80}{2,1}', one string per group, no
 * row per pair; shorter on the wire than array_send's bytes in hex), and this file adds them
 * up and reads the percentiles: the same percentile_cont over the same summed histogram as
 * before, so the same figures.
 */
import { sql } from 'kysely';
import { VARIANCE_BUCKETS_PER_UNIT } from './roll-up-dimensions.js';

/**
 * The aggregate over rows `r` of a group (dimensionRows in kpi-dimensions.ts): each row's
 * buckets then counts, as array text, one after the other.
 */
export const varianceHistogramsSql = sql`string_agg(r.variance_text, '')`;

/** A summed histogram: its buckets in increasing order, with their counts (all > 0). */
export interface Histogram {
  buckets: number[];
  counts: number[];
}

const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;

/** Parsed (bucket, count) pairs, reused from call to call (a month by product parses ~400,000). */
let pairBuckets = new Int32Array(1 << 16);
let pairCounts = new Float64Array(1 << 16);

function grow(): void {
  const b = new Int32Array(pairBuckets.length * 2);
  b.set(pairBuckets);
  pairBuckets = b;
  const n = new Float64Array(pairCounts.length * 2);
  n.set(pairCounts);
  pairCounts = n;
}

/**
 * The integers of the array text at `at` ('{1,-2}' or '{}') into `into` (buckets or counts)
 * from index `start`; returns where the text ends and how many were read.
 */
function readIntArray(text: string, at: number, into: 'b' | 'n', start: number): [next: number, read: number] {
  if (text.charCodeAt(at) !== BRACE_OPEN) throw new Error(`variance histogram: '{' expected at ${at}`);
  let p = at + 1;
  if (text.charCodeAt(p) === BRACE_CLOSE) return [p + 1, 0];
  for (let i = start; ; i++) {
    const negative = text.charCodeAt(p) === MINUS;
    if (negative) p++;
    let v = 0;
    let digits = 0;
    for (let c = text.charCodeAt(p) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(++p) - ZERO, digits++) v = v * 10 + c;
    if (!digits) throw new Error(`variance histogram: a number expected at ${p}`);
    if (i >= pairBuckets.length) grow();
    if (into === 'b') pairBuckets[i] = negative ? -v : v;
    else pairCounts[i] = negative ? -v : v;
    const c = text.charCodeAt(p++);
    if (c === BRACE_CLOSE) return [p, i - start + 1];
    if (c !== COMMA) throw new Error(`variance histogram: ',' or '}' expected at ${p - 1}`);
  }
}

/** The summed histogram of the concatenated (buckets, counts) array pairs. */
export function sumVarianceHistograms(text: string | null): Histogram {
  let pairs = 0;
  for (let at = 0; text && at < text.length;) {
    const [afterBuckets, buckets] = readIntArray(text, at, 'b', pairs);
    const [afterCounts, counts] = readIntArray(text, afterBuckets, 'n', pairs);
    if (buckets !== counts)
      throw new Error(`variance histogram: a row's arrays differ in length (${buckets}, ${counts})`);
    pairs += buckets;
    at = afterCounts;
  }
  const h: Histogram = { buckets: [], counts: [] };
  if (!pairs) return h;
  let lo = pairBuckets[0]!;
  let hi = lo;
  for (let i = 1; i < pairs; i++) {
    const x = pairBuckets[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  // Buckets are 0.1-point steps of a narrow range: add them up in an array over it (the
  // sort below serves a range too wide for one, e.g. a price misread at 100 × MSRP).
  if (hi - lo < 1_000_000) {
    const sums = new Float64Array(hi - lo + 1);
    for (let i = 0; i < pairs; i++) sums[pairBuckets[i]! - lo]! += pairCounts[i]!;
    for (let i = 0; i < sums.length; i++)
      if (sums[i]! > 0) {
        h.buckets.push(lo + i);
        h.counts.push(sums[i]!);
      }
    return h;
  }
  const order = Array.from({ length: pairs }, (_, i) => i).sort((x, y) => pairBuckets[x]! - pairBuckets[y]!);
  for (const i of order) {
    const b = pairBuckets[i]!;
    const n = pairCounts[i]!;
    if (n <= 0) continue;
    if (h.buckets.at(-1) === b) h.counts[h.counts.length - 1]! += n;
    else {
      h.buckets.push(b);
      h.counts.push(n);
    }
  }
  return h;
}

/**
 * percentile_cont(tenths / 10) over the values of a histogram, each value being its bucket:
 * the values at ranks floor and ceil of p·(n − 1) (from 0), interpolated. In units of
 * variance (1 = 100 %); null for an empty histogram. `tenths` keeps the rank exact in
 * integers (1: p10, 9: p90).
 */
export function histogramPercentile(h: Histogram, tenths: number): number | null {
  const total = h.counts.reduce((s, c) => s + c, 0);
  if (total === 0) return null;
  const scaled = tenths * (total - 1); // p·(n − 1), times 10
  const lo = Math.floor(scaled / 10);
  const frac = (scaled % 10) / 10;
  const at = (rank: number) => {
    let seen = 0;
    for (let i = 0; i < h.buckets.length; i++) if ((seen += h.counts[i]!) > rank) return h.buckets[i]!;
    throw new Error('unreachable: rank beyond the histogram');
  };
  const a = at(lo);
  const b = frac > 0 ? at(lo + 1) : a;
  return (a + frac * (b - a)) / VARIANCE_BUCKETS_PER_UNIT;
}

/** p10 and p90 of a group's concatenated histograms. */
export function variancePercentiles(text: string | null): { p10: number | null; p90: number | null } {
  const h = sumVarianceHistograms(text);
  return { p10: histogramPercentile(h, 1), p90: histogramPercentile(h, 9) };
}
