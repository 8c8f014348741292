/**
 * Core schema: catalog (products, MAP prices, promo windows), resellers and their
 * sites/listings, observations, and cases with an append-only event log.
 *
 * Money is bigint minor units + ISO 4217 code (the app knows each currency's exponent).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // btree_gist lets one exclusion constraint mix "=" on product/currency with "&&" on ranges.
  // It goes to `public` so per-schema test databases and the app schema all resolve it.
  await sql`create extension if not exists btree_gist with schema public`.execute(db);

  await db.schema
    .createTable('products')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('sku', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('brand', 'text')
    .addColumn('gtin', 'text')
    .addColumn('mpn', 'text')
    .addColumn('pack_size', 'integer', (c) => c.notNull().defaultTo(1).check(sql`pack_size >= 1`))
    .addColumn('map_includes_vat', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('map_prices')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('map_minor', 'bigint', (c) => c.notNull().check(sql`map_minor > 0`))
    .addColumn('list_minor', 'bigint', (c) => c.check(sql`list_minor is null or list_minor > 0`))
    .addColumn('effective_from', 'timestamptz', (c) => c.notNull())
    .addColumn('effective_to', 'timestamptz')
    .addCheckConstraint('map_prices_window_order', sql`effective_to is null or effective_to > effective_from`)
    .execute();
  // The database itself refuses two MAP windows for one product+currency that overlap.
  await sql`
    alter table map_prices add constraint map_prices_no_overlap
    exclude using gist (
      product_id with =,
      currency with =,
      tstzrange(effective_from, effective_to, '[)') with &&
    )`.execute(db);

  await db.schema
    .createTable('promo_windows')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('product_id', 'integer', (c) => c.references('products.id').onDelete('cascade'))
    .addColumn('brand', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('suspend', 'lower')`))
    .addColumn('map_minor', 'bigint', (c) => c.check(sql`map_minor is null or map_minor > 0`))
    .addColumn('percent_off', sql`numeric(5,2)`, (c) => c.check(sql`percent_off is null or (percent_off > 0 and percent_off < 100)`))
    .addColumn('currency', 'text', (c) => c.check(sql`currency is null or currency ~ '^[A-Z]{3}$'`))
    // Wall-clock times in `time_zone`, kept as text so no driver shifts them.
    .addColumn('starts_at', 'text', (c) => c.notNull().check(sql`starts_at ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$'`))
    .addColumn('ends_at', 'text', (c) => c.notNull().check(sql`ends_at ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$'`))
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addCheckConstraint('promo_windows_scope', sql`product_id is not null or brand is not null`)
    .addCheckConstraint('promo_windows_order', sql`ends_at > starts_at`)
    .addCheckConstraint(
      'promo_windows_lower_amount',
      sql`kind = 'suspend' or map_minor is not null or percent_off is not null`,
    )
    .execute();

  await db.schema
    .createTable('resellers')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('tier', 'text')
    .addColumn('region', 'text')
    .addColumn('contact_email', 'text')
    .addColumn('authorized', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sites')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('reseller_id', 'integer', (c) => c.notNull().references('resellers.id'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('config_hash', 'text', (c) => c.notNull())
    .addColumn('config_path', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('listings')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('pack_size', 'integer', (c) => c.notNull().defaultTo(1).check(sql`pack_size >= 1`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addUniqueConstraint('listings_site_product_url', ['site_id', 'product_id', 'url'])
    .execute();

  await db.schema
    .createTable('observations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('captured_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('ok', 'no_price', 'ambiguous', 'blocked', 'error')`),
    )
    .addColumn('reason', 'text')
    .addColumn('amount_minor', 'bigint')
    .addColumn('currency', 'text', (c) => c.check(sql`currency is null or currency ~ '^[A-Z]{3}$'`))
    .addColumn('raw_price_text', 'text')
    .addColumn('extraction_source', 'text', (c) =>
      c.check(sql`extraction_source is null or extraction_source in ('json-ld', 'microdata', 'meta', 'selector', 'text')`),
    )
    .addColumn('product_name', 'text')
    .addColumn('verdict', 'text', (c) =>
      c.check(sql`verdict is null or verdict in ('compliant', 'violation', 'not_comparable')`),
    )
    .addColumn('normalized_minor', 'bigint')
    .addColumn('map_minor', 'bigint')
    .addColumn('verdict_detail', 'jsonb')
    .addColumn('http_status', 'integer')
    .addColumn('final_url', 'text')
    .addColumn('content_sha256', 'text')
    // Idempotency: one observation per logical read (listing + crawl slot), so a retried job can't write twice.
    .addColumn('read_key', 'text', (c) => c.unique())
    .addCheckConstraint(
      'observations_ok_has_price',
      sql`status <> 'ok' or (amount_minor is not null and currency is not null)`,
    )
    .execute();
  await db.schema.createIndex('observations_listing_time').on('observations').columns(['listing_id', 'captured_at']).execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('open', 'notified', 'resolved', 'dismissed')`),
    )
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('map_minor', 'bigint', (c) => c.notNull())
    .addColumn('lowest_minor', 'bigint', (c) => c.notNull())
    .addColumn('last_minor', 'bigint', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('clean_streak', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('resolution_note', 'text')
    .execute();
  // At most one open (or notified) case per listing, enforced by the database.
  await sql`create unique index cases_one_open_per_listing on cases (listing_id) where status in ('open', 'notified')`.execute(db);

  await db.schema
    .createTable('case_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id').onDelete('restrict'))
    .addColumn('observation_id', 'bigint', (c) => c.references('observations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addUniqueConstraint('case_events_once_per_observation', ['case_id', 'observation_id', 'kind'])
    .execute();
  await db.schema.createIndex('case_events_case').on('case_events').columns(['case_id', 'id']).execute();
  // The audit log is append-only: the database refuses edits and deletes.
  await sql`
    create function case_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'case_events is append-only (% refused)', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger case_events_no_update_delete
    before update or delete on case_events
    for each row execute function case_events_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists case_events_no_update_delete on case_events`.execute(db);
  await sql`drop function if exists case_events_append_only()`.execute(db);
  for (const t of ['case_events', 'cases', 'observations', 'listings', 'sites', 'resellers', 'promo_windows', 'map_prices', 'products']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
