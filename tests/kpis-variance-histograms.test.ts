/**
 * The MSRP variance p10/p90 of a KPI group, from its rows' histograms as the query sends them
 * (variance_buckets then variance_counts as array text, concatenated by string_agg): summed
 * and read as percentile_cont over the expanded values, on numbers worked by hand, and equal
 * to Postgres's own percentile_cont over the same values. On Postgres and on PGlite (the
 * text comes from the database itself).
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import {
  histogramPercentile,
  sumVarianceHistograms,
  variancePercentiles,
} from '../src/kpis/merge-variance-histograms.js';
import { BACKENDS, openTestDb } from './support/db.js';

/** The text of rows (buckets, counts), as the KPI query's string_agg makes it. */
async function textOf(db: Kysely<unknown>, rows: [number[], number[]][]): Promise<string | null> {
  const arr = (xs: number[]) => sql.raw(`array[${xs.join(',')}]::integer[]`);
  const values = rows.map(([b, n], i) => sql`(${arr(b)}, ${arr(n)}, ${sql.lit(i)})`);
  const r = await sql<{ hist: string | null }>`
    select string_agg(b::text || n::text, '' order by i) as hist
    from (values ${sql.join(values)}) as r(b, n, i)`.execute(db);
  return r.rows[0]!.hist;
}

describe.each(BACKENDS)('variance histograms merged from their text (%s)', (backend) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(backend);
  });
  afterAll(() => h?.close());

  it('sums two rows and reads p10/p90 by hand', async () => {
    // Row 1: −15.0 % once, −12.0 % twice, −10.0 % once. Row 2: −12.0 % once, +5.0 % five
    // times. Summed: −150:1, −120:3, −100:1, 50:5 (ten listing-days).
    const text = await textOf(h.db as Kysely<unknown>, [
      [
        [-150, -120, -100],
        [1, 2, 1],
      ],
      [
        [-120, 50],
        [1, 5],
      ],
    ]);
    expect(sumVarianceHistograms(text)).toEqual({ buckets: [-150, -120, -100, 50], counts: [1, 3, 1, 5] });
    // p10: rank 0.1 × 9 = 0.9 between the 1st (−150) and 2nd (−120) values: −150 + 0.9 × 30 = −123.
    // p90: rank 8.1 between the 9th and 10th values, both 50.
    const p = variancePercentiles(text);
    expect(p.p10).toBeCloseTo(-0.123, 12);
    expect(p.p90).toBeCloseTo(0.05, 12);
  });

  it('an empty histogram (no row with an MSRP) has no percentiles; one value is both', async () => {
    expect(variancePercentiles(await textOf(h.db as Kysely<unknown>, [[[], []]]))).toEqual({ p10: null, p90: null });
    expect(variancePercentiles(null)).toEqual({ p10: null, p90: null });
    const one = await textOf(h.db as Kysely<unknown>, [
      [[], []],
      [[-7], [3]],
    ]);
    expect(variancePercentiles(one)).toEqual({ p10: -0.007, p90: -0.007 });
  });

  it('equals percentile_cont over the expanded values', async () => {
    // 37 rows of pseudo-random histograms (deterministic), some buckets shared between rows.
    let s = 7;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const rows: [number[], number[]][] = [];
    for (let i = 0; i < 37; i++) {
      const buckets = [
        ...new Set(Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 80) - 60)),
      ];
      buckets.sort((a, b) => a - b);
      rows.push([buckets, buckets.map(() => 1 + Math.floor(next() * 4))]);
    }
    const expanded = rows.flatMap(([b, n]) => b.flatMap((x, i) => Array.from({ length: n[i]! }, () => x)));
    const exact = await sql<{ p10: number; p90: number }>`
      select percentile_cont(0.1) within group (order by v / 1000.0) as p10,
        percentile_cont(0.9) within group (order by v / 1000.0) as p90
      from unnest(${sql.raw(`array[${expanded.join(',')}]::integer[]`)}) as v`.execute(h.db);
    const p = variancePercentiles(await textOf(h.db as Kysely<unknown>, rows));
    expect(p.p10).toBeCloseTo(Number(exact.rows[0]!.p10), 12);
    expect(p.p90).toBeCloseTo(Number(exact.rows[0]!.p90), 12);
    expect(histogramPercentile({ buckets: [], counts: [] }, 1)).toBeNull();
  });

  it('a range too wide to add up in one array (a price misread at 2,000 × MSRP) sorts instead', async () => {
    // −100 twice, 1,999,000 once, −300 once, −100 once more: −300:1, −100:3, 1,999,000:1.
    const text = await textOf(h.db as Kysely<unknown>, [
      [
        [-100, 1999000],
        [2, 1],
      ],
      [
        [-300, -100],
        [1, 1],
      ],
    ]);
    expect(sumVarianceHistograms(text)).toEqual({ buckets: [-300, -100, 1999000], counts: [1, 3, 1] });
    // p10: rank 0.4 → −300 + 0.4 × 200 = −220; p90: rank 3.6 → −100 + 0.6 × 1,999,100.
    const p = variancePercentiles(text);
    expect(p.p10).toBeCloseTo(-0.22, 12);
    expect(p.p90).toBeCloseTo((-100 + 0.6 * 1999100) / 1000, 9);
  });

  it('refuses text that is not array pairs', () => {
    expect(() => sumVarianceHistograms('{1,2}')).toThrow();
    expect(() => sumVarianceHistograms('{1,2}{3}')).toThrow(/differ in length/);
    expect(() => sumVarianceHistograms('{1,x}{3,4}')).toThrow();
  });
});
