/**
 * The per-day, per-dimension pre-aggregate (daily_dimension_rollups) gives the answers the
 * fine rows (day × site × product, day × … × seller) give, for every dimension: every sum
 * exactly, the MSRP variance p10/p90 within half a histogram bucket (0.05 percentage point),
 * the daily and weekly trends and the erosion line exactly; also after a late read is rolled
 * up, and a re-run changes no row. The history is generated (deterministic), wide enough that
 * groups mix tiers, regions, brands, authorized and unauthorized resellers and sellers.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { KPI_DIMENSIONS, queryKpis, type KpiRow } from '../src/kpis/query-kpis.js';
import { queryDailyTrend } from '../src/kpis/query-daily-trend.js';
import { queryErosionTrend } from '../src/kpis/query-erosion-trend.js';
import { queryWeeklyTrend } from '../src/kpis/query-weekly-trend.js';
import { rollUpDays } from '../src/kpis/roll-up-days.js';
import { blocksTouching } from '../src/kpis/rollup-blocks.js';
import { BACKENDS, openTestDb } from './support/db.js';

const TZ = 'Europe/Berlin';
const FROM = '2026-02-02';
const TO = '2026-02-15';
const PERIOD_FROM = FROM;
const PERIOD_TO = TO;
/**
 * Periods the queries cut into different blocks of days (src/kpis/rollup-blocks.ts): a
 * fortnight; four weeks (one block, half of it before the reads); Tuesday to Friday of the
 * next week (days, pairs, a week); a weekend; one Monday; Wednesday to the last Sunday.
 */
const PERIODS = [
  [FROM, TO],
  ['2026-01-19', '2026-02-15'],
  ['2026-02-03', '2026-02-13'],
  ['2026-02-06', '2026-02-08'],
  ['2026-02-09', '2026-02-09'],
  ['2026-02-04', '2026-02-15'],
] as const;

/** A small deterministic generator (LCG), so both backends see the same history. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

async function seed(h: DbHandle): Promise<number[]> {
  const db = h.db;
  const resellers = [
    ['Alpha', 'gold', 'us', true],
    ['Beta', 'gold', 'de', true],
    ['Gamma', 'silver', null, false],
    ['Market', 'marketplace', 'us', true],
    ['Delta', null, 'de', false],
  ] as const;
  const siteIds: number[] = [];
  for (const [name, tier, region, authorized] of resellers) {
    const r = await db
      .insertInto('resellers')
      .values({ name, tier, region, authorized })
      .returning('id')
      .executeTakeFirstOrThrow();
    const s = await db
      .insertInto('sites')
      .values({ name: name.toLowerCase(), reseller_id: r.id, domain: `${name}.example`, config_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    siteIds.push(s.id);
  }
  const listingIds: number[] = [];
  for (let p = 0; p < 6; p++) {
    const product = await db
      .insertInto('products')
      .values({ sku: `SKU-${p}`, name: `Product ${p}`, brand: p === 5 ? null : `Brand ${p % 3}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Product 4 has no MSRP: its reads count, but not in the variance.
    await db
      .insertInto('map_prices')
      .values({
        product_id: product.id,
        currency: 'USD',
        map_minor: 10000,
        list_minor: p === 4 ? null : 12000 + 500 * p,
        effective_from: '2026-01-01T00:00:00Z',
      })
      .execute();
    for (const site of siteIds) {
      const l = await db
        .insertInto('listings')
        .values({ site_id: site, product_id: product.id, url: `https://x.example/${site}/${p}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      listingIds.push(l.id);
    }
  }
  const rand = rng(13);
  const sellers = ['Gadget Hub', 'gadget  hub', 'Bargain Bin', 'Zed', null];
  const market = siteIds[3]!;
  const rows = [];
  const sites = await db.selectFrom('listings').select(['id', 'site_id']).execute();
  const siteOf = new Map(sites.map((x) => [x.id, x.site_id]));
  for (let i = 0; i < 900; i++) {
    const listing = listingIds[Math.floor(rand() * listingIds.length)]!;
    const at = new Date(Date.parse(`${FROM}T00:00:00Z`) - 3_600_000 + rand() * 14 * 86_400_000);
    const blocked = rand() < 0.05;
    const price = Math.round(8000 + rand() * 6000);
    rows.push({
      listing_id: listing,
      captured_at: at,
      status: blocked ? 'blocked' : 'ok',
      amount_minor: blocked ? null : price,
      currency: blocked ? null : 'USD',
      normalized_minor: blocked ? null : price,
      map_minor: blocked ? null : 10000,
      verdict: blocked ? null : price < 10000 ? 'violation' : 'compliant',
      seller: siteOf.get(listing) === market ? sellers[Math.floor(rand() * sellers.length)]! : null,
    } as const);
  }
  await db.insertInto('observations').values(rows).execute();
  return listingIds;
}

const strip = (rows: KpiRow[]) =>
  rows.map((r) => {
    const { msrpVarianceP10, msrpVarianceP90, ...sums } = r.sums;
    return { key: r.key, sums, p10: msrpVarianceP10, p90: msrpVarianceP90 };
  });

async function expectSameAsFine(h: DbHandle, FROM = PERIOD_FROM, TO = PERIOD_TO) {
  for (const by of KPI_DIMENSIONS) {
    const fast = strip(await queryKpis(h.db, { by, from: FROM, to: TO }));
    const fine = strip(await queryKpis(h.db, { by, from: FROM, to: TO, fine: true }));
    expect(
      fast.map((r) => r.key),
      by,
    ).toEqual(fine.map((r) => r.key));
    // Several values in the fortnight; at least one in any shorter period.
    expect(fast.length, by).toBeGreaterThan(FROM === PERIOD_FROM && TO === PERIOD_TO ? 1 : 0);
    fast.forEach((r, i) => {
      const f = fine[i]!;
      // Sums are numeric in SQL; compare them as the numbers the KPIs are computed from.
      for (const k of Object.keys(f.sums) as (keyof typeof f.sums)[])
        if (f.sums[k] == null) expect(r.sums[k], `${by} ${r.key} ${k}`).toBeNull();
        else expect(Number(r.sums[k]), `${by} ${r.key} ${k}`).toBeCloseTo(Number(f.sums[k]), 9);
      for (const p of ['p10', 'p90'] as const) {
        expect(r[p] == null, `${by} ${r.key} ${p}`).toBe(f[p] == null);
        if (f[p] != null) expect(Math.abs(r[p]! - f[p]!), `${by} ${r.key} ${p}`).toBeLessThanOrEqual(0.0005 + 1e-12);
      }
    });
    // The weekly lines are each week's compliance rate, as the fine rows give it for that week.
    const weekly = await queryWeeklyTrend(h.db, { by, from: FROM, to: TO, lines: 100 });
    for (const [w, week] of weekly.weeks.entries()) {
      const wFrom = week < FROM ? FROM : week;
      const wTo = new Date(Date.parse(`${week}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
      const fineWeek = await queryKpis(h.db, { by, from: wFrom, to: wTo < TO ? wTo : TO, fine: true });
      for (const s of weekly.series) {
        const f = fineWeek.find((x) => x.key === s.key);
        const rate = f?.kpis.compliance_rate ?? null;
        if (rate == null) expect(s.rates[w], `${by} ${s.key} ${week}`).toBeNull();
        else expect(s.rates[w], `${by} ${s.key} ${week}`).toBeCloseTo(rate, 9);
      }
    }
    // The erosion line: each week's mean price ÷ MSRP, from the week's fine sums.
    for (const e of await queryErosionTrend(h.db, { by, from: FROM, to: TO })) {
      const wTo = new Date(Date.parse(`${e.week}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
      const f = (
        await queryKpis(h.db, { by, from: e.week < FROM ? FROM : e.week, to: wTo < TO ? wTo : TO, fine: true })
      ).find((x) => x.key === e.key)!;
      expect(e.reads, `${by} ${e.key}`).toBe(f.sums.msrpReads);
      expect(e.priceToMsrp, `${by} ${e.key}`).toBeCloseTo(100 * (1 + f.sums.sumMsrpVariance / f.sums.msrpReads), 9);
    }
  }
  // The daily trend adds up every fine row of each day.
  const fineDays = await sql<{ day: string; t: string; c: string; v: string }>`
    select day::text as day, sum(trustworthy_reads) as t, sum(compliant_reads) as c, sum(violating_reads) as v
    from daily_rollups where day between ${FROM}::date and ${TO}::date group by 1`.execute(h.db);
  const trend = await queryDailyTrend(h.db, { from: FROM, to: TO });
  expect(trend).toHaveLength(Math.round((Date.parse(TO) - Date.parse(FROM)) / 86_400_000) + 1);
  for (const p of trend) {
    const f = fineDays.rows.find((x) => x.day === p.day);
    expect([p.trustworthyReads, p.violatingReads], p.day).toEqual([Number(f?.t ?? 0), Number(f?.v ?? 0)]);
  }
}

/**
 * Every block of days (dimension_rollup_blocks) is the sum of its days' per-dimension rows:
 * each sum, the least ref_id and label, the summed histogram; and every value with a row on
 * a day has a row in each block holding that day.
 */
async function expectBlocksSumTheirDays(h: DbHandle) {
  type Row = Record<string, unknown> & { day_text: string; dimension: string; key: string; days?: number };
  const daily = (await sql<Row>`select *, day::text as day_text from daily_dimension_rollups`.execute(h.db)).rows;
  const blocks = (await sql<Row>`select *, day::text as day_text from dimension_rollup_blocks`.execute(h.db)).rows;
  expect(blocks.length).toBeGreaterThan(daily.length / 2);
  const end = (b: Row) =>
    new Date(Date.parse(`${b.day_text}T00:00:00Z`) + (b.days! - 1) * 86_400_000).toISOString().slice(0, 10);
  const sums = [
    'reads',
    'trustworthy_reads',
    'compliant_reads',
    'violating_reads',
    'blocked_reads',
    'sum_depth_pct',
    'msrp_reads',
    'sum_msrp_variance',
    'eod_listings',
    'eod_compliant_listings',
    'cases_opened',
    'cases_resolved',
    'notices_sent',
  ];
  const seen = new Set<string>();
  for (const b of blocks) {
    const parts = daily.filter(
      (d) => d.dimension === b.dimension && d.key === b.key && d.day_text >= b.day_text && d.day_text <= end(b),
    );
    const what = `${b.dimension} ${b.key} ${b.day_text}+${b.days}`;
    expect(parts.length, what).toBeGreaterThan(0);
    for (const c of sums)
      expect(Number(b[c]), `${what} ${c}`).toBeCloseTo(
        parts.reduce((s, d) => s + Number(d[c]), 0),
        9,
      );
    const maxDepth = parts.filter((d) => d.max_depth_pct != null).map((d) => Number(d.max_depth_pct));
    expect(b.max_depth_pct == null ? null : Number(b.max_depth_pct), what).toBe(
      maxDepth.length ? Math.max(...maxDepth) : null,
    );
    const least = (xs: unknown[]) => xs.filter((x) => x != null).sort()[0] ?? null;
    expect(b.ref_id, what).toBe(least(parts.map((d) => d.ref_id)));
    expect(b.label, what).toBe(least(parts.map((d) => d.label)));
    const hist = new Map<number, number>();
    for (const d of parts)
      (d.variance_buckets as number[]).forEach((x, i) =>
        hist.set(x, (hist.get(x) ?? 0) + (d.variance_counts as number[])[i]!),
      );
    const buckets = [...hist.keys()].sort((x, y) => x - y);
    expect([b.variance_buckets, b.variance_counts], what).toEqual([buckets, buckets.map((x) => hist.get(x))]);
    expect(b.variance_text, what).toBe(`{${buckets.join(',')}}{${buckets.map((x) => hist.get(x)).join(',')}}`);
    for (const d of parts) seen.add(`${b.days}|${d.dimension}|${d.key}|${d.day_text}`);
  }
  // Each day's row is in every block that holds its day (Friday to Sunday in no Mon–Thu block).
  for (const d of daily)
    for (const days of [2, 4, 7, 14, 28])
      for (const b of blocksTouching(d.day_text, d.day_text, days))
        expect(
          seen.has(`${b.days}|${d.dimension}|${d.key}|${d.day_text}`),
          `${d.dimension} ${d.key} ${d.day_text} in ${b.day}+${days}`,
        ).toBe(true);
}

const dimensionRows = (h: DbHandle) =>
  sql`select * from daily_dimension_rollups order by dimension, day, key`.execute(h.db).then((r) => r.rows);

describe.each(BACKENDS)('the per-dimension rollup equals the fine rollup (%s)', (backend) => {
  let h: DbHandle;
  let listings: number[];

  beforeAll(async () => {
    h = await openTestDb(backend);
    listings = await seed(h);
    await rollUpDays(h.db, { from: FROM, to: TO, timeZone: TZ });
  }, 120_000);
  afterAll(() => h?.close());

  it('for every dimension, every KPI and the trends', async () => {
    const n = await sql<{ n: string }>`select count(distinct dimension) as n from daily_dimension_rollups`.execute(
      h.db,
    );
    expect(Number(n.rows[0]!.n)).toBe(5);
    for (const [from, to] of PERIODS) await expectSameAsFine(h, from, to);
    await expectBlocksSumTheirDays(h);
  }, 300_000);

  it('a re-run changes no row', async () => {
    const before = await dimensionRows(h);
    const blocks = () =>
      sql`select * from dimension_rollup_blocks order by dimension, days, day, key`.execute(h.db).then((r) => r.rows);
    const blocksBefore = await blocks();
    await rollUpDays(h.db, { from: FROM, to: TO, timeZone: TZ });
    expect(await dimensionRows(h)).toEqual(before);
    expect(await blocks()).toEqual(blocksBefore);
    // Rolling up one day again (a Thursday: its pair, Mon–Thu, week …) changes none either.
    await rollUpDays(h.db, { from: '2026-02-05', to: '2026-02-05', timeZone: TZ });
    expect(await blocks()).toEqual(blocksBefore);
  }, 60_000);

  it('a late read for an old day is in both once its day is rolled up again', async () => {
    const before = await queryKpis(h.db, { by: 'reseller', from: FROM, to: TO });
    // A read deep below MAP that arrived late for 3 Feb (Berlin), on the first listing.
    await h.db
      .insertInto('observations')
      .values({
        listing_id: listings[0]!,
        captured_at: new Date('2026-02-03T10:00:00Z'),
        status: 'ok',
        amount_minor: 5000,
        currency: 'USD',
        normalized_minor: 5000,
        map_minor: 10000,
        verdict: 'violation',
      })
      .execute();
    await rollUpDays(h.db, { from: '2026-02-03', to: '2026-02-03', timeZone: TZ });
    const after = await queryKpis(h.db, { by: 'reseller', from: FROM, to: TO });
    const sum = (rows: KpiRow[]) => rows.reduce((s, r) => s + r.sums.violatingReads, 0);
    expect(sum(after)).toBe(sum(before) + 1);
    expect(Math.max(...after.map((r) => r.sums.maxDepthPct ?? 0))).toBeCloseTo(50, 9);
    // Tuesday 3 February's blocks (Mon–Tue, Mon–Thu, its week, fortnight, four weeks) too.
    for (const [from, to] of [PERIODS[0], PERIODS[1], PERIODS[2]]) await expectSameAsFine(h, from, to);
    await expectBlocksSumTheirDays(h);
  }, 300_000);
});
