/**
 * The Findings, Resellers, Sites and Outbox lists at scale, on real Postgres (DATABASE_URL,
 * else postgres://postgres@127.0.0.1:5432/test) in a schema of its own, dropped at the end:
 * 200 resellers, 1,000 sites, 20,000 listings, BENCH_PAGES_OBSERVATIONS (default 1,000,000)
 * reads over 60 days, 100,000 cases, 50,000 unauthorized-seller findings (two sellers each,
 * from 2,000 names) and 100,000 outbox messages, written set-based with generate_series.
 * Each list's first page (50 rows) and a page deep in the cursor walk are timed 20 times;
 * the table gives p50 and p95 in milliseconds (the read model only; HTML adds little).
 *
 *   flock /tmp/mapwatch-heavy.lock node --import tsx bench/pages-lists.ts
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { listFindingGroups } from '../src/queries/list-finding-groups.js';
import { listOutboxPage } from '../src/queries/list-outbox.js';
import { listResellers } from '../src/queries/list-resellers.js';
import { listSites } from '../src/queries/list-sites.js';
import { envNumber, formatTable } from './support/measure.js';

const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const OBS = envNumber('BENCH_PAGES_OBSERVATIONS', 1_000_000);
const RUNS = 20;

const h = await openDatabase({
  databaseUrl: POSTGRES_URL,
  schema: `bench_${randomBytes(4).toString('hex')}`,
  poolSize: 4,
});
try {
  await migrateToLatest(h.db, h.schema);
  const db = h.db;
  const t0 = performance.now();
  await sql`insert into resellers (name, tier, region, authorized)
    select 'Reseller ' || i, case when i % 3 = 0 then 'gold' else 'silver' end, case when i % 2 = 0 then 'US' else 'EU' end, i % 10 <> 0
    from generate_series(1, 200) i`.execute(db);
  await sql`insert into products (sku, name) select 'SKU-' || i, 'Product ' || i from generate_series(1, 1000) i`.execute(
    db,
  );
  await sql`insert into sites (name, reseller_id, domain, config_hash)
    select 'site-' || lpad(i::text, 4, '0'), 1 + i % 200, 'site' || i || '.example', 'h' from generate_series(1, 1000) i`.execute(
    db,
  );
  await sql`insert into listings (site_id, product_id, url)
    select 1 + i % 1000, 1 + i % 1000, 'https://site' || (1 + i % 1000) || '.example/p/' || i from generate_series(1, 20000) i`.execute(
    db,
  );
  await sql`insert into observations (listing_id, captured_at, status, amount_minor, currency, verdict, map_minor)
    select 1 + i % 20000, now() - (i % 86400) * interval '1 minute',
      case when i % 20 = 0 then 'blocked' else 'ok' end, 9000 + i % 2000, 'USD',
      case when i % 20 = 0 then null when i % 7 = 0 then 'violation' else 'compliant' end, 10000
    from generate_series(1, ${OBS}) i`.execute(db);
  await sql`insert into cases (listing_id, status, severity, currency, map_minor, lowest_minor, last_minor, first_seen_at, last_seen_at)
    select 1 + i % 20000, case when i <= 20000 then 'open' else 'dismissed' end, 'medium', 'USD', 10000, 9000, 9000,
      now() - (i % 1000) * interval '1 hour', now() - (i % 500) * interval '1 hour'
    from generate_series(1, 100000) i`.execute(db);
  await sql`insert into findings (observation_id, listing_id, kind, detail, at)
    select o.id, o.listing_id, 'unauthorized_seller',
      jsonb_build_object('sellers', jsonb_build_array(
        jsonb_build_object('seller', 'Seller ' || (o.id % 2000), 'amount', '85.00', 'currency', 'USD', 'below_map', true),
        jsonb_build_object('seller', 'Seller ' || ((o.id + 7) % 2000), 'amount', '101.00', 'currency', 'USD', 'below_map', false))),
      o.captured_at
    from observations o where o.id % ${Math.max(1, Math.round(OBS / 50_000))} = 0`.execute(db);
  await sql`insert into outbox (kind, idempotency_key, message_id, recipient, subject, body_text, status)
    select 'alert', 'k' || i, '<' || i || '@bench>', 'x@brand.example', 'Alert ' || i, 'body',
      case when i % 10 = 0 then 'failed' else 'sent' end
    from generate_series(1, 100000) i`.execute(db);
  await sql`analyze`.execute(db);
  const seeded = performance.now() - t0;

  const time = async (name: string, f: () => Promise<{ nextCursor: string | null }>) => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await f();
      ms.push(performance.now() - s);
    }
    ms.sort((a, b) => a - b);
    return [name, ms[Math.floor(RUNS / 2)]!.toFixed(1), ms[Math.ceil(RUNS * 0.95) - 1]!.toFixed(1)];
  };
  const deep = async (f: (c?: string) => Promise<{ nextCursor: string | null }>, pages: number) => {
    let c: string | undefined;
    for (let i = 0; i < pages; i++) c = (await f(c)).nextCursor ?? undefined;
    return c;
  };
  const findings = (c?: string) => listFindingGroups(db, { limit: 50, ...(c ? { cursor: c } : {}) });
  const resellers = (c?: string) => listResellers(db, { limit: 50, ...(c ? { cursor: c } : {}) });
  const sites = (c?: string) => listSites(db, { limit: 50, ...(c ? { cursor: c } : {}) });
  const outbox = (c?: string) => listOutboxPage(db, { limit: 50, ...(c ? { cursor: c } : {}) });
  const fDeep = await deep(findings, 20);
  const sDeep = await deep(sites, 10);
  const oDeep = await deep(outbox, 100);
  const rows = [
    await time('findings, first page', () => findings()),
    await time('findings, page 21', () => findings(fDeep)),
    await time('findings, ?q=seller 12', () => listFindingGroups(db, { limit: 50, q: 'seller 12' })),
    await time('resellers, first page', () => resellers()),
    await time('sites, first page', () => sites()),
    await time('sites, page 11', () => sites(sDeep)),
    await time('outbox, first page', () => outbox()),
    await time('outbox, page 101', () => outbox(oDeep)),
    await time('outbox, failed only', () => listOutboxPage(db, { limit: 50, status: ['failed'] })),
  ];
  console.log(`seeded ${OBS.toLocaleString('en')} observations in ${(seeded / 1000).toFixed(1)} s`);
  console.log(formatTable('Review app lists on Postgres', ['list (50 rows)', 'p50 ms', 'p95 ms'], rows));
} finally {
  await sql`drop schema ${sql.id(h.schema)} cascade`.execute(h.db).catch(() => {});
  await h.close();
}
