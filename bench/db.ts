/**
 * Database path, on real Postgres (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * in a schema of its own that is dropped at the end.
 *
 * 1. Observation ingest, rows/s, one connection: a plain INSERT per row (batch 1, the
 *    baseline), the product's recordObservation (one transaction per row: insert + case
 *    check), and multi-row INSERTs of 500.
 * 2. Evaluating N (default 1,000,000) observations against the MAP table, set-based: one SQL
 *    statement joining each observation to the MAP window in effect at captured_at
 *    (tstzrange(effective_from, effective_to, '[)') @> captured_at), normalized for pack size
 *    with exact integer arithmetic, counting violations. Baseline: a 10,000-row sample read
 *    and judged row by row in JS with compareToMap, extrapolated to N. The sample's violation
 *    count is checked against the same SQL restricted to the sample, so both agree on what
 *    they count. (Promo windows, VAT and tolerance are not in the SQL; the data has none.)
 *
 *   node --import tsx bench/db.ts
 *   BENCH_DB_OBSERVATIONS=1000000 BENCH_DB_SINGLE_ROWS=2000 BENCH_DB_BATCH_ROWS=100000
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { loadMapRules } from '../src/catalog/load-map-rules.js';
import { recordObservation } from '../src/cases/record-observation.js';
import { compareToMap } from '../src/compare/compare-to-map.js';
import { loadPolicy } from '../src/config/policy.js';
import { openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/tables.js';
import type { ObservationDraft } from '../src/types.js';
import { recordGoal } from './support/goals.js';
import { envNumber, formatTable } from './support/measure.js';

const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const PRODUCTS = 1000;
const LISTINGS = 20_000;
const SAMPLE = 10_000;
/** MAP changed on this date: every product has two windows, [2025-01-01, CHANGE) and [CHANGE, ∞). */
const CHANGE = new Date('2026-01-01T00:00:00Z');

async function seedCatalog(db: Kysely<Database>): Promise<void> {
  await sql`insert into products (sku, name, brand, pack_size)
    select 'SKU-' || i, 'Product ' || i, 'Brand ' || (i % 10), case when i % 5 = 0 then 2 else 1 end from generate_series(1, ${PRODUCTS}) i`.execute(
    db,
  );
  // Window 1 MAP = 100.00 + i cents; window 2 is 10 % higher.
  await sql`insert into map_prices (product_id, currency, map_minor, effective_from, effective_to)
    select id, 'USD', 10000 + id, timestamptz '2025-01-01T00:00:00Z', ${CHANGE}::timestamptz from products
    union all
    select id, 'USD', (10000 + id) * 11 / 10, ${CHANGE}::timestamptz, null::timestamptz from products`.execute(db);
  await sql`insert into resellers (name) values ('Bench reseller')`.execute(db);
  await sql`insert into sites (name, reseller_id, domain, config_hash) select 'bench', id, 'bench.example', 'x' from resellers`.execute(
    db,
  );
  await sql`insert into listings (site_id, product_id, url, pack_size)
    select s.id, 1 + (i % ${PRODUCTS}), 'https://bench.example/p/' || i, case when i % 7 = 0 then 2 else 1 end
    from generate_series(1, ${LISTINGS}) i, sites s`.execute(db);
}

function draftFor(i: number): ObservationDraft {
  return {
    capturedAt: new Date(),
    status: 'ok',
    reason: null,
    offer: { amount: '129.99', currency: 'USD', source: 'json-ld', raw: '$129.99', name: `Product ${i}` },
    amountMinor: 12999,
    currency: 'USD',
    httpStatus: 200,
    finalUrl: `https://bench.example/p/${i}`,
    contentSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    retryable: false,
  };
}

function rowFor(listingId: number, i: number) {
  const d = draftFor(i);
  return {
    listing_id: listingId,
    captured_at: d.capturedAt,
    status: d.status,
    amount_minor: d.amountMinor,
    currency: d.currency,
    raw_price_text: d.offer!.raw!,
    extraction_source: d.offer!.source,
    product_name: d.offer!.name!,
    verdict: 'compliant' as const,
    normalized_minor: 12999,
    map_minor: 10500,
    verdict_detail: JSON.stringify({ kind: 'compliant', mapMinor: 10500, normalizedMinor: 12999 }),
    http_status: 200,
    final_url: d.finalUrl,
    content_sha256: d.contentSha256,
  };
}

async function ingest(db: Kysely<Database>, rows: number, batch: number, listingIds: number[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rows; i += batch) {
    const values = Array.from({ length: Math.min(batch, rows - i) }, (_, k) =>
      rowFor(listingIds[(i + k) % listingIds.length]!, i + k),
    );
    await db.insertInto('observations').values(values).execute();
  }
  return rows / ((performance.now() - t0) / 1000);
}

async function ingestProductPath(
  db: Kysely<Database>,
  rows: number,
  listings: { id: number; site_id: number }[],
): Promise<number> {
  const policy = loadPolicy({});
  const t0 = performance.now();
  for (let i = 0; i < rows; i++) {
    const l = listings[i % listings.length]!;
    await recordObservation(db, { listingId: l.id, siteId: l.site_id, draft: draftFor(i), verdict: null, policy });
  }
  return rows / ((performance.now() - t0) / 1000);
}

/** The set-based evaluation, optionally restricted to some observation ids. */
function violationsSql(ids?: readonly number[]) {
  return sql<{ compared: number; violations: number }>`
    select count(*)::int8 as compared,
           count(*) filter (where o.amount_minor * p.pack_size < m.map_minor * l.pack_size)::int8 as violations
    from observations o
    join listings l on l.id = o.listing_id
    join products p on p.id = l.product_id
    join map_prices m on m.product_id = l.product_id and m.currency = o.currency
                     and tstzrange(m.effective_from, m.effective_to, '[)') @> o.captured_at
    where o.status = 'ok' ${ids ? sql`and o.id = any(${ids}::int8[])` : sql``}`;
}

export async function runDbBench(): Promise<string> {
  const total = envNumber('BENCH_DB_OBSERVATIONS', 1_000_000);
  const singleRows = envNumber('BENCH_DB_SINGLE_ROWS', 2000);
  const batchRows = envNumber('BENCH_DB_BATCH_ROWS', 100_000);
  const schema = `bench_db_${randomBytes(4).toString('hex')}`;
  const h = await openDatabase({ databaseUrl: POSTGRES_URL, schema, poolSize: 2 });
  const db = h.db;
  try {
    await migrateToLatest(db, schema);
    await seedCatalog(db);
    const listings = await db.selectFrom('listings').select(['id', 'site_id']).orderBy('id').execute();
    const ids = listings.map((l) => l.id);

    // 1. Ingest.
    const single = await ingest(db, singleRows, 1, ids);
    const product = await ingestProductPath(db, singleRows, listings);
    const batched = await ingest(db, batchRows, 500, ids);
    // case_events refuses TRUNCATE (append-only audit trail); this throwaway schema may clear it anyway.
    await db.transaction().execute(async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      await sql`truncate observations cascade`.execute(tx);
    });

    // 2. N observations by generate_series: captured over 2025-07-01 .. 2026-07-01, prices around MAP.
    const g0 = performance.now();
    await sql`insert into observations (listing_id, captured_at, status, amount_minor, currency)
      select ${ids[0]!}::int + (i % ${LISTINGS}),
             timestamptz '2025-07-01T00:00:00Z' + (i % 525600) * interval '1 minute',
             'ok', 9000 + ((i::int8 * 7919) % 5000)::int, 'USD'
      from generate_series(1, ${total}) i`.execute(db);
    await sql`analyze observations`.execute(db);
    const genSeconds = (performance.now() - g0) / 1000;

    const runs: number[] = [];
    let result = { compared: 0, violations: 0 };
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      result = (await violationsSql().execute(db)).rows[0]!;
      runs.push((performance.now() - t0) / 1000);
    }

    // Baseline: a sample judged row by row in JS.
    // Evenly spread ids, read through the primary key (a scan of all N rows would not be a sample's cost).
    const { lo } = (await sql<{ lo: number }>`select min(id) as lo from observations`.execute(db)).rows[0]!;
    const step = Math.max(1, Math.floor(total / SAMPLE));
    const sampleIds = Array.from({ length: Math.min(SAMPLE, total) }, (_, k) => lo + k * step);
    const t1 = performance.now();
    const sample = await db
      .selectFrom('observations as o')
      .innerJoin('listings as l', 'l.id', 'o.listing_id')
      .select(['o.id', 'o.amount_minor', 'o.currency', 'o.captured_at', 'l.product_id', 'l.pack_size'])
      .where('o.id', '=', sql<number>`any(${sampleIds}::int8[])`)
      .execute();
    const rules = await loadMapRules(
      db,
      sample.map((s) => s.product_id),
    );
    const policy = loadPolicy({});
    const t2 = performance.now();
    let jsViolations = 0;
    for (const o of sample) {
      const r = rules.get(o.product_id)!;
      const v = compareToMap({
        observed: { amountMinor: o.amount_minor!, currency: o.currency!, capturedAt: o.captured_at },
        listingPackSize: o.pack_size,
        productPackSize: r.packSize,
        siteVat: undefined,
        mapIncludesVat: r.mapIncludesVat,
        mapPrices: r.mapPrices,
        promos: r.promos,
        tolerance: policy.tolerance,
        severityBands: policy.severityBands,
      });
      if (v.kind === 'violation') jsViolations++;
    }
    const t3 = performance.now();
    const sqlOnSample = (await violationsSql(sample.map((s) => s.id)).execute(db)).rows[0]!;
    const jsTotal = (t3 - t1) / 1000;
    const jsCompare = (t3 - t2) / 1000;
    const scale = total / sample.length;
    const best = Math.min(...runs);

    recordGoal({
      id: 'db-ingest',
      measured: `recordObservation ${product.toFixed(0)} rows/s (txn + case check per row); INSERT batch 500 ${batched.toFixed(0)} rows/s`,
      peer: `INSERT batch 1 ${single.toFixed(0)} rows/s`,
      met: null,
    });
    const ingestTable = formatTable(
      'Database: observation ingest on Postgres (one connection, same row shape as the crawl writes)',
      ['method', 'rows', 'rows/s', 'vs batch 1'],
      [
        ['INSERT, batch 1 (baseline)', singleRows, single.toFixed(0), '1.00x'],
        [
          'recordObservation (product path: txn + case check per row)',
          singleRows,
          product.toFixed(0),
          `${(product / single).toFixed(2)}x`,
        ],
        ['INSERT, batch 500', batchRows, batched.toFixed(0), `${(batched / single).toFixed(2)}x`],
      ],
    );
    const evalTable = formatTable(
      `Database: evaluate ${total.toLocaleString('en-US')} observations against the MAP table (${PRODUCTS} products x 2 MAP windows, ${LISTINGS} listings)`,
      ['method', 'seconds', `obs/s`, 'violations', 'vs JS'],
      [
        [
          `JS row by row (compareToMap), ${sample.length} sampled, x${scale.toFixed(0)}`,
          (jsTotal * scale).toFixed(1),
          (sample.length / jsTotal).toFixed(0),
          `${jsViolations} of ${sample.length}`,
          '1.00x',
        ],
        [
          'SQL set-based, one statement (tstzrange @> captured_at)',
          best.toFixed(2),
          (total / best).toFixed(0),
          `${result.violations} of ${result.compared}`,
          `${((jsTotal * scale) / best).toFixed(1)}x`,
        ],
      ],
      [
        `SQL runs: ${runs.map((r) => r.toFixed(2)).join(' s, ')} s (best shown); data generated with generate_series in ${genSeconds.toFixed(1)} s`,
        `JS sample: ${(jsCompare * 1000).toFixed(0)} ms in compareToMap, the rest reading rows and MAP rules; SQL on the same sample counts ${sqlOnSample.violations} violations${Number(sqlOnSample.violations) === jsViolations ? ' (agrees)' : ' (DISAGREES)'}`,
      ],
    );
    return `${ingestTable}\n\n${evalTable}`;
  } finally {
    await sql`drop schema ${sql.id(schema)} cascade`.execute(db).catch(() => {});
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  console.log(await runDbBench());
