/**
 * KPI rollups and dashboard queries at scale, on real Postgres (DATABASE_URL, else the local
 * server) in a schema of its own that is dropped at the end.
 *
 * Seeds 50 resellers (5 tiers, 4 regions) with one site each, 1,000 products (10 brands,
 * MAP and MSRP), 20,000 listings and N observations (default 1,000,000) spread over 60 days
 * with a realistic mix (85 % compliant, 10 % below MAP, 5 % blocked), set-based. Then:
 * 1. the full rollup of all days (goal: 1,000,000 observations in under 10 s), and an
 *    incremental run (yesterday + today), against the raw limit: one `count(*) … group by`
 *    pass over the same observations;
 * 2. the KPI query by every dimension over 30 days, p50/p95 of 20 runs each (goal: under
 *    200 ms at 10,000,000 observations: BENCH_KPI_OBSERVATIONS=10000000).
 *
 *   node --import tsx bench/kpis.ts
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/tables.js';
import { KPI_DIMENSIONS, queryKpis } from '../src/kpis/query-kpis.js';
import { rollUpDays } from '../src/kpis/roll-up-days.js';
import { rollUpDue } from '../src/kpis/roll-up-due.js';
import { envNumber, formatTable } from './support/measure.js';

const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const DAYS = 60;
const END = new Date('2026-03-01T00:00:00Z');

async function seed(db: Kysely<Database>, observations: number): Promise<void> {
  await sql`insert into resellers (name, tier, region)
    select 'Reseller ' || i, (array['gold','silver','bronze','marketplace','outlet'])[1 + i % 5],
      (array['US','DE','FR','UK'])[1 + i % 4] from generate_series(1, 50) i`.execute(db);
  await sql`insert into sites (name, reseller_id, domain, config_hash)
    select 'site-' || id, id, 'site' || id || '.example', 'x' from resellers`.execute(db);
  await sql`insert into products (sku, name, brand)
    select 'SKU-' || i, 'Product ' || i, 'Brand ' || (i % 10) from generate_series(1, 1000) i`.execute(db);
  await sql`insert into map_prices (product_id, currency, map_minor, list_minor, effective_from)
    select id, 'USD', 10000 + id, 12000 + id, timestamptz '2025-01-01T00:00:00Z' from products`.execute(db);
  await sql`insert into listings (site_id, product_id, url)
    select 1 + (i % 50), 1 + (i % 1000), 'https://bench.example/l/' || i from generate_series(0, 19999) i`.execute(db);
  // Observations in chunks of 1,000,000 so memory stays flat.
  for (let done = 0; done < observations; done += 1_000_000) {
    const n = Math.min(1_000_000, observations - done);
    await sql`insert into observations (listing_id, captured_at, status, amount_minor, currency, verdict,
        normalized_minor, map_minor)
      select l.id, ${END}::timestamptz - (random() * ${DAYS}::int * interval '1 day'),
        case when r < 0.05 then 'blocked' else 'ok' end,
        case when r < 0.05 then null when r < 0.15 then (m.map_minor * 0.9)::int else m.map_minor + (r * 500)::int end,
        case when r < 0.05 then null else 'USD' end,
        case when r < 0.05 then null when r < 0.15 then 'violation' else 'compliant' end,
        case when r < 0.05 then null when r < 0.15 then (m.map_minor * 0.9)::int else m.map_minor + (r * 500)::int end,
        case when r < 0.05 then null else m.map_minor end
      from (select 1 + (i % 20000) as lid, random() as r from generate_series(${done}::int, ${done + n - 1}::int) i) g
      join listings l on l.id = g.lid
      join map_prices m on m.product_id = l.product_id`.execute(db);
  }
  await sql`analyze`.execute(db);
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export async function runKpiBench(): Promise<string> {
  const n = envNumber('BENCH_KPI_OBSERVATIONS', 1_000_000);
  const schema = `bench_kpi_${randomBytes(4).toString('hex')}`;
  const h = await openDatabase({ databaseUrl: POSTGRES_URL, schema, poolSize: 2 });
  try {
    await migrateToLatest(h.db, schema);
    let t = performance.now();
    await seed(h.db, n);
    const seedMs = performance.now() - t;
    const from = new Date(END.getTime() - DAYS * 86_400_000).toISOString().slice(0, 10);
    const to = END.toISOString().slice(0, 10);

    t = performance.now();
    await sql`select l.site_id, l.product_id, (o.captured_at at time zone 'UTC')::date, count(*)
      from observations o join listings l on l.id = o.listing_id group by 1, 2, 3`.execute(h.db);
    const rawMs = performance.now() - t;
    t = performance.now();
    const rows = await rollUpDays(h.db, { from, to, timeZone: 'UTC' });
    const fullMs = performance.now() - t;
    await rollUpDue(h.db, { timeZone: 'UTC', now: END }); // sets the watermark
    t = performance.now();
    await rollUpDue(h.db, { timeZone: 'UTC', now: END });
    const incMs = performance.now() - t;

    const q30 = { from: new Date(END.getTime() - 30 * 86_400_000).toISOString().slice(0, 10), to };
    const lines: string[][] = [];
    for (const by of KPI_DIMENSIONS) {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const s = performance.now();
        await queryKpis(h.db, { by, ...q30 });
        times.push(performance.now() - s);
      }
      lines.push([
        `kpis --by ${by} (30 days)`,
        `${pct(times, 0.5).toFixed(0)} ms`,
        `${pct(times, 0.95).toFixed(0)} ms`,
      ]);
    }
    const rss = process.memoryUsage().rss / 2 ** 20;
    return [
      `KPI rollup on Postgres: ${n.toLocaleString('en')} observations over ${DAYS} days, 20,000 listings (seeded in ${(seedMs / 1000).toFixed(1)} s)`,
      formatTable(
        'Rollup',
        ['step', 'time', 'beside'],
        [
          [
            `full rollup (${rows.toLocaleString('en')} rows)`,
            `${(fullMs / 1000).toFixed(2)} s`,
            `raw group-by pass ${(rawMs / 1000).toFixed(2)} s (${(fullMs / rawMs).toFixed(2)}×)`,
          ],
          ['incremental rollup (yesterday + today)', `${(incMs / 1000).toFixed(2)} s`, ''],
        ],
      ),
      formatTable('Dashboard queries', ['dashboard query', 'p50', 'p95'], lines),
      `peak RSS of this process ${rss.toFixed(0)} MiB (the work is in Postgres)`,
    ].join('\n');
  } finally {
    await sql`drop schema ${sql.id(schema)} cascade`.execute(h.db).catch(() => {});
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await runKpiBench());
}
