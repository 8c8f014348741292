/**
 * KPI rollups and dashboard queries at scale, on real Postgres (DATABASE_URL, else the local
 * server) in a schema of its own.
 *
 * Fixture (bench/support/seed-kpis.ts): 60 resellers (4 marketplaces whose reads name 400
 * sellers), N observations (default 1,000,000) over 60 days on N ÷ 420 listings (each
 * product on 12 sites; ~7 reads per listing and day: 24,000 listings at 10,000,000). Then:
 * 1. the full rollup of all days, and of the days holding ~1,000,000 reads (goal: 1,000,000
 *    observations in under 10 s), beside one bare `count(*) … group by` pass over the same
 *    reads; the incremental run (yesterday + today);
 * 2. each dashboard query (KPI table, weekly and erosion trends, coverage) over 30 days by every dimension, p50/p95 of 20 runs after 2
 *    warm-ups (goal: under 200 ms at 10,000,000 observations), and the dashboard page's data
 *    as served (rollUpDue first, then the three queries).
 * The machine's load average is printed beside the figures.
 *
 *   node --import tsx bench/kpis.ts
 *   BENCH_KPI_OBSERVATIONS=10000000 BENCH_KPI_SCHEMA=bench_kpi_10m BENCH_KPI_PHASE=seed node --import tsx bench/kpis.ts
 *   BENCH_KPI_SCHEMA=bench_kpi_10m BENCH_KPI_PHASE=time node --import tsx bench/kpis.ts
 * BENCH_KPI_PHASE=rollup times only the rollup of ~1,000,000 reads, first into empty rollup
 * tables, then again over the same days (every row deleted and written again), and the
 * incremental one (no full rollup, no queries: a run of a few tens of seconds at 1,000,000 reads).
 * With BENCH_KPI_SCHEMA the schema is kept (seeded once, reused); without, a fresh one is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/tables.js';
import { KPI_DIMENSIONS, queryKpis } from '../src/kpis/query-kpis.js';
import { queryCoverage } from '../src/kpis/query-coverage.js';
import { queryDailyTrend } from '../src/kpis/query-daily-trend.js';
import { queryErosionTrend } from '../src/kpis/query-erosion-trend.js';
import { queryWeeklyTrend } from '../src/kpis/query-weekly-trend.js';
import { rollUpDays } from '../src/kpis/roll-up-days.js';
import { rollUpDue } from '../src/kpis/roll-up-due.js';
import { rollUpIfStale } from '../src/kpis/roll-up-if-stale.js';
import { envNumber, formatTable } from './support/measure.js';
import { seedKpiFixture } from './support/seed-kpis.js';

const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const DAYS = 60;
const END = new Date('2026-03-01T00:00:00Z');
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const load = () => os.loadavg()[0]!.toFixed(2);

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

/** p50/p95 of `runs` runs after two warm-ups, with the load average when it finished. */
async function percentiles(label: string, runs: number, f: () => Promise<unknown>): Promise<string[]> {
  for (let i = 0; i < 2; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(f))[1]);
  // As it goes (stderr), so a run cut short by its time box still leaves its figures.
  console.error(`  ${label}: ${pct(times, 0.5).toFixed(0)} ms / ${pct(times, 0.95).toFixed(0)} ms (load ${load()})`);
  return [`${pct(times, 0.5).toFixed(0)} ms`, `${pct(times, 0.95).toFixed(0)} ms`, load()];
}

/** The rollup state as a scheduled run would leave it, so rollUpDue rolls up yesterday and today only. */
async function setWatermark(db: Kysely<Database>): Promise<void> {
  await sql`insert into rollup_state (name, time_zone, last_observation_id)
    select 'daily', 'UTC', coalesce(max(id), 0) from observations
    on conflict (name) do update set time_zone = excluded.time_zone, last_observation_id = excluded.last_observation_id`.execute(
    db,
  );
}

async function timeRollups(db: Kysely<Database>, n: number, o: { full: boolean; fresh?: boolean }): Promise<string> {
  // BENCH_KPI_FULL_DAYS: the full rollup's days back from the end (default all 60; the
  // dashboard's 30-day window needs 31).
  const fullDays = envNumber('BENCH_KPI_FULL_DAYS', DAYS);
  const from = dayOf(END.getTime() - fullDays * 86_400_000);
  const to = dayOf(END.getTime());
  // The last days holding about 1,000,000 reads (reads are spread evenly over the days).
  const millionDays = Math.max(1, Math.round((DAYS * 1_000_000) / n));
  const mFrom = dayOf(END.getTime() - (millionDays - 1) * 86_400_000);
  const rowsOut: string[][] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  if (o.full) {
    const [, rawMs] = await timed(() =>
      sql`select l.site_id, l.product_id, (o.captured_at at time zone 'UTC')::date, count(*)
      from observations o join listings l on l.id = o.listing_id
      where o.captured_at >= ${from}::date::timestamptz group by 1, 2, 3`.execute(db),
    );
    const l0 = load();
    const [rows, fullMs] = await timed(() => rollUpDays(db, { from, to, timeZone: 'UTC' }));
    const sellerRows = await sql<{ n: string }>`select count(*) as n from daily_seller_rollups`.execute(db);
    console.error(`  full rollup ${s(fullMs)} (bare ${s(rawMs)}, load ${l0} → ${load()})`);
    rowsOut.push([
      `full rollup of ${fullDays} days, ${n.toLocaleString('en')} reads in all (${rows.toLocaleString('en')} rows, ${Number(sellerRows.rows[0]!.n).toLocaleString('en')} seller rows)`,
      s(fullMs),
      `bare group-by ${s(rawMs)} (${(fullMs / rawMs).toFixed(1)}×)`,
      `${l0} → ${load()}`,
    ]);
  }
  const [[mReads], mRawMs] = await timed(async () => {
    const r = await sql<{ n: string }>`select count(*) as n from observations o join listings l on l.id = o.listing_id
      where o.captured_at >= ${mFrom}::date::timestamptz group by l.site_id, l.product_id, (o.captured_at at time zone 'UTC')::date`.execute(
      db,
    );
    return [r.rows.reduce((s, x) => s + Number(x.n), 0)];
  });
  // The rollup phase times a first rollup (into empty rollup tables) and then a re-run of the
  // same days (each of their rows deleted and written again); the others re-run only, so the
  // full rollup's other days stay for the queries.
  const first: string[][] = [];
  if (o.fresh) {
    await sql`truncate daily_rollups, daily_seller_rollups, daily_dimension_rollups, dimension_rollup_blocks`.execute(
      db,
    );
    const [fRows, fMs] = await timed(() => rollUpDays(db, { from: mFrom, to, timeZone: 'UTC' }));
    const l1 = load();
    console.error(`  first rollup of ${mReads} reads ${s(fMs)} (bare ${s(mRawMs)}, load ${l1})`);
    first.push([
      `first rollup of the last ${millionDays} days, ${mReads.toLocaleString('en')} reads (${fRows.toLocaleString('en')} rows), empty rollup tables`,
      s(fMs),
      `bare group-by ${s(mRawMs)} (${(fMs / mRawMs).toFixed(1)}×)`,
      l1,
    ]);
  }
  const [mRows, mMs] = await timed(() => rollUpDays(db, { from: mFrom, to, timeZone: 'UTC' }));
  const l2 = load();
  console.error(`  rollup of ${mReads} reads ${s(mMs)} (bare ${s(mRawMs)}, load ${l2})`);
  await setWatermark(db);
  const [, incMs] = await timed(() => rollUpDue(db, { timeZone: 'UTC', now: END }));
  return formatTable(
    'Rollup',
    ['step', 'time', 'beside', 'load'],
    [
      ...rowsOut,
      ...first,
      [
        `${o.fresh ? 're-run: ' : ''}rollup of the last ${millionDays} days, ${mReads.toLocaleString('en')} reads (${mRows.toLocaleString('en')} rows)`,
        s(mMs),
        `bare group-by ${s(mRawMs)} (${(mMs / mRawMs).toFixed(1)}×)`,
        l2,
      ],
      ['incremental rollup (yesterday + today)', s(incMs), '', load()],
    ],
  );
}

async function timeQueries(db: Kysely<Database>, runs: number): Promise<string> {
  const to = dayOf(END.getTime() - 86_400_000);
  const from = dayOf(END.getTime() - 30 * 86_400_000);
  const q = { from, to };
  const lines: string[][] = [];
  console.error('queries:');
  lines.push(['daily trend (all)', ...(await percentiles('daily trend (all)', runs, () => queryDailyTrend(db, q)))]);
  // BENCH_KPI_DIMENSIONS=reseller,seller: only those (a 10,000,000-read run within its time box).
  const only = process.env.BENCH_KPI_DIMENSIONS?.split(',');
  const dims = KPI_DIMENSIONS.filter((d) => !only || only.includes(d));
  for (const by of dims) {
    lines.push([`kpis --by ${by}`, ...(await percentiles(`kpis --by ${by}`, runs, () => queryKpis(db, { by, ...q })))]);
    lines.push([
      `weekly trend by ${by}`,
      ...(await percentiles(`weekly trend by ${by}`, runs, () => queryWeeklyTrend(db, { by, ...q }))),
    ]);
    lines.push([
      `erosion trend by ${by}`,
      ...(await percentiles(`erosion trend by ${by}`, runs, () => queryErosionTrend(db, { by, ...q }))),
    ]);
    // Coverage is of the 24 hours before END (the fixture's last reads), from listing_last_reads.
    lines.push([
      `coverage by ${by}`,
      ...(await percentiles(`coverage by ${by}`, runs, () => queryCoverage(db, { by, now: END }))),
    ]);
  }
  const pages = process.env.BENCH_KPI_PAGE === '0' ? [] : dims.filter((d) => d === 'reseller' || d === 'seller');
  // What /dashboard does on a view (dashboard-pages.ts): roll up only when the scheduled rollup
  // is stale (here it is not: the state is as a run at END left it), then its three queries. The
  // forced incremental rollup a stale view pays once is timed in the Rollup table above.
  await rollUpDue(db, { timeZone: 'UTC', now: END });
  for (const by of pages) {
    const label = `dashboard page data by ${by} (rollUpIfStale + 3 queries)`;
    lines.push([
      label,
      ...(await percentiles(label, runs, async () => {
        await rollUpIfStale(db, { timeZone: 'UTC', now: END });
        await Promise.all([queryKpis(db, { by, ...q }), queryDailyTrend(db, q), queryWeeklyTrend(db, { by, ...q })]);
      })),
    ]);
  }
  return formatTable(`Dashboard queries, ${from} to ${to}`, ['query', 'p50', 'p95', 'load'], lines);
}

export async function runKpiBench(): Promise<string> {
  const n = envNumber('BENCH_KPI_OBSERVATIONS', 1_000_000);
  // About 7 reads per listing and day (a read every ~3.5 hours), whatever N: 24,000 listings at 10,000,000.
  const listings = envNumber('BENCH_KPI_LISTINGS', Math.max(120, Math.round(n / (DAYS * 7) / 12) * 12));
  const runs = envNumber('BENCH_KPI_RUNS', 20);
  const phase = process.env.BENCH_KPI_PHASE ?? 'all';
  const kept = process.env.BENCH_KPI_SCHEMA;
  const schema = kept || `bench_kpi_${randomBytes(4).toString('hex')}`;
  const h = await openDatabase({ databaseUrl: POSTGRES_URL, schema, poolSize: 4 });
  const out: string[] = [];
  try {
    await migrateToLatest(h.db, schema);
    const have = Number((await sql<{ n: string }>`select count(*) as n from observations`.execute(h.db)).rows[0]!.n);
    if (phase !== 'time' && have === 0) {
      const l0 = load();
      const [, seedMs] = await timed(() => seedKpiFixture(h.db, { observations: n, listings, days: DAYS, end: END }));
      out.push(
        `Seeded ${n.toLocaleString('en')} observations, ${listings.toLocaleString('en')} listings in ${(seedMs / 1000).toFixed(1)} s (load ${l0} → ${load()})`,
      );
    }
    const total = Number((await sql<{ n: string }>`select count(*) as n from observations`.execute(h.db)).rows[0]!.n);
    out.push(
      `KPI benchmark on Postgres, schema ${schema}: ${total.toLocaleString('en')} observations over ${DAYS} days`,
    );
    // The time phase times the full rollup only if none was made (a kept schema keeps its rollup).
    const rolled = Number((await sql<{ n: string }>`select count(*) as n from rollup_state`.execute(h.db)).rows[0]!.n);
    if (phase === 'queries') {
      await setWatermark(h.db);
      out.push(await timeQueries(h.db, runs));
    } else if (phase === 'rollup') {
      // The previous run's rollup rows are dead rows until a vacuum (this server runs no
      // autovacuum): clear them, so a re-run times the rollup, not the bloat it left.
      await sql`vacuum analyze daily_rollups, daily_seller_rollups, daily_dimension_rollups, observations`.execute(
        h.db,
      );
      out.push(await timeRollups(h.db, total, { full: false, fresh: true }));
    } else if (phase !== 'seed') {
      out.push(await timeRollups(h.db, total, { full: phase === 'all' || !rolled }));
      out.push(await timeQueries(h.db, runs));
    }
    return out.join('\n');
  } finally {
    if (!kept) await sql`drop schema ${sql.id(schema)} cascade`.execute(h.db).catch(() => {});
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await runKpiBench());
}
