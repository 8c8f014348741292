/**
 * The KPI benchmark's fixture, set-based and fast (10,000,000 reads in minutes, not an hour):
 * a few large INSERT … SELECT generate_series statements with triggers off
 * (session_replication_role = replica: the site_compliance_days trigger would upsert per
 * statement chunk) and observations' secondary indexes dropped during the load and built
 * once after it; then site_compliance_days and listing_last_reads are rebuilt and everything
 * analysed.
 *
 * The shape: 60 resellers (gold/silver/bronze/outlet tiers, 4 regions), four of them
 * marketplaces, one site each; `listings` listings (default 24,000), each product on 12
 * sites; marketplace reads name one of three sellers per listing out of 400 sellers. Reads
 * arrive in time order over `days` days, ~4 % blocked, ~10 % 1–30 % below MAP.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/tables.js';

export interface KpiSeedOptions {
  observations: number;
  listings: number;
  days: number;
  end: Date;
}

const SITES = 60;
const MARKETPLACES = 4;
const SITES_PER_PRODUCT = 12;

async function seedCatalog(db: Kysely<Database>, o: KpiSeedOptions): Promise<void> {
  const products = Math.ceil(o.listings / SITES_PER_PRODUCT);
  await sql`insert into resellers (name, tier, region, authorized)
    select case when i <= ${MARKETPLACES} then 'Market ' || i else 'Reseller ' || i end,
      case when i <= ${MARKETPLACES} then 'marketplace' else (array['gold','silver','bronze','outlet'])[1 + i % 4] end,
      (array['US','DE','FR','UK'])[1 + i % 4], i % 7 <> 0
    from generate_series(1, ${SITES}) i`.execute(db);
  await sql`insert into sites (name, reseller_id, domain, config_hash)
    select 'site-' || id, id, 'site' || id || '.example', 'x' from resellers order by id`.execute(db);
  await sql`insert into products (sku, name, brand)
    select 'SKU-' || i, 'Product ' || i, 'Brand ' || (i % 20) from generate_series(1, ${products}) i`.execute(db);
  await sql`insert into map_prices (product_id, currency, map_minor, list_minor, effective_from)
    select id, 'USD', 10000 + id, 12000 + id, timestamptz '2025-01-01T00:00:00Z' from products`.execute(db);
  // Product p on sites 1 + (5k + p) mod 60, k = 0…11: twelve different sites per product.
  await sql`insert into listings (site_id, product_id, url)
    select 1 + ((i / ${products}) * 5 + i % ${products}) % ${SITES}, 1 + i % ${products}, 'https://bench.example/l/' || i
    from generate_series(0, ${o.listings - 1}) i`.execute(db);
}

/** Drops observations' indexes (but its key) and constraints' indexes; returns the statements that rebuild them. */
async function dropObservationIndexes(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ name: string; def: string; con: string | null }>`
    select i.relname as name, pg_get_indexdef(i.oid) as def,
      (select pg_get_constraintdef(c.oid) from pg_constraint c where c.conindid = i.oid and c.contype = 'u') as con
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relname = 'observations' and t.relnamespace = current_schema()::regnamespace and not x.indisprimary`.execute(
    db,
  );
  const rebuild: string[] = [];
  for (const ix of r.rows) {
    if (ix.con) {
      await sql`alter table observations drop constraint ${sql.id(ix.name)}`.execute(db);
      rebuild.push(`alter table observations add constraint "${ix.name}" ${ix.con}`);
    } else {
      await sql`drop index ${sql.id(ix.name)}`.execute(db);
      rebuild.push(ix.def);
    }
  }
  return rebuild;
}

export async function seedKpiFixture(db: Kysely<Database>, o: KpiSeedOptions): Promise<void> {
  await seedCatalog(db, o);
  const start = new Date(o.end.getTime() - o.days * 86_400_000);
  const products = Math.ceil(o.listings / SITES_PER_PRODUCT);
  const span = o.days * 86_400;
  // One connection throughout: the session settings below must hold for every statement.
  await db.connection().execute(async (c) => {
    await sql`set maintenance_work_mem = '512MB'`.execute(c);
    await sql`set session_replication_role = replica`.execute(c);
    const rebuild = await dropObservationIndexes(c);
    const chunk = 2_500_000;
    for (let done = 0; done < o.observations; done += chunk) {
      const last = Math.min(o.observations, done + chunk) - 1;
      // Read i at start + i/N of the span (in time order, as reads arrive), of listing
      // 1 + (i·7919 mod L): every listing in turn, scattered over sites.
      // site_id by hand: its fill trigger is off with the others.
      await sql`insert into observations (listing_id, site_id, captured_at, status, amount_minor, currency, verdict,
          normalized_minor, map_minor, seller)
        select g.lid, l.site_id, ${start}::timestamptz + (g.i::float8 * ${span} / ${o.observations}) * interval '1 second',
          case when g.r < 0.04 then 'blocked' else 'ok' end,
          case when g.r >= 0.04 then g.price end,
          case when g.r >= 0.04 then 'USD' end,
          case when g.r < 0.04 then null when g.r < 0.14 then 'violation' else 'compliant' end,
          case when g.r >= 0.04 then g.price end,
          case when g.r >= 0.04 then g.map end,
          case when l.site_id <= ${MARKETPLACES} then 'Seller ' || (1 + (g.lid * 37 + (g.r * 1000)::int % 3) % 400) end
        from (
          select i, lid, r, map,
            case when r < 0.14 then (map * (0.99 - (r - 0.04) * 2.9))::bigint else map + (r * 900)::int end as price
          from (
            -- Listing lid's product is 1 + (lid − 1) mod P (listings were made in that order); its MAP 10000 + product.
            select i, lid, r, 10000 + 1 + (lid - 1) % ${products} as map
            from (select i, 1 + (i * 7919) % ${o.listings} as lid, random() as r
                  from generate_series(${done}::bigint, ${last}::bigint) i) s
          ) s2
        ) g
        join listings l on l.id = g.lid`.execute(c);
    }
    for (const stmt of rebuild) await sql.raw(stmt).execute(c);
    await sql`set session_replication_role = origin`.execute(c);
    await sql`select site_compliance_rebuild(null)`.execute(c);
    await sql`select listing_last_reads_rebuild(null)`.execute(c);
    await sql`analyze`.execute(c);
  });
}
