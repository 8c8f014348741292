/**
 * Discovery and catalog matching (issue 16): the pages discovery found per site, what each
 * read said about its product, how (and how confidently) it was matched to the catalog,
 * and the review of the matches that were not confident enough to become listings alone.
 * A `discovered` flag on listings keeps a config sync from deactivating what discovery
 * added. Marketplace sellers: an authorized-seller list per brand and reseller, and seller
 * groups (several storefronts, one seller). Grey-market signals: an optional dealer cost
 * per product and GTIN company prefixes a brand owns.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('listings')
    .addColumn('discovered', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('products').addColumn('dealer_cost_minor', 'bigint').execute();
  await db.schema
    .alterTable('products')
    .addColumn('dealer_cost_currency', 'text', (c) => c.check(sql`dealer_cost_currency is null or dealer_cost_currency ~ '^[A-Z]{3}$'`))
    .execute();

  await db.schema
    .createTable('discovered_pages')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // pending: found, not read yet (a resumed run reads these first); then what the read decided.
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('pending', 'matched', 'review', 'rejected', 'unmatched', 'failed', 'gone')`),
    )
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addColumn('final_url', 'text')
    .addColumn('page_gtin', 'text')
    .addColumn('page_mpn', 'text')
    .addColumn('page_brand', 'text')
    .addColumn('page_name', 'text')
    .addColumn('product_id', 'integer', (c) => c.references('products.id').onDelete('set null'))
    .addColumn('match_method', 'text', (c) => c.check(sql`match_method is null or match_method in ('gtin', 'mpn_brand', 'title')`))
    .addColumn('confidence', sql`numeric(4,3)`)
    .addColumn('listing_id', 'integer', (c) => c.references('listings.id').onDelete('set null'))
    // new / moved / gone: what ops have not been told yet (reported_at null).
    .addColumn('change', 'text', (c) => c.check(sql`change is null or change in ('new', 'moved', 'gone')`))
    .addColumn('moved_from', 'text')
    .addColumn('reported_at', 'timestamptz')
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_at', 'timestamptz')
    .addUniqueConstraint('discovered_pages_site_url', ['site_id', 'url'])
    .execute();
  await db.schema.createIndex('discovered_pages_state').on('discovered_pages').columns(['site_id', 'state']).execute();

  await db.schema
    .createTable('discovery_runs')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('found', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('matched', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('review', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_left', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delay_ms', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('authorized_sellers')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('brand', 'text', (c) => c.notNull())
    // null: authorized for the brand on every marketplace; else only on this reseller's sites.
    .addColumn('reseller', 'text')
    .addColumn('seller_key', 'text', (c) => c.notNull())
    .addColumn('seller_name', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index authorized_sellers_unique on authorized_sellers (lower(brand), coalesce(reseller, ''), seller_key)`.execute(db);

  await db.schema
    .createTable('seller_groups')
    .addColumn('seller_key', 'text', (c) => c.primaryKey())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('brand_gtin_prefixes')
    .addColumn('brand', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().check(sql`prefix ~ '^[0-9]{6,12}$'`))
    .addPrimaryKeyConstraint('brand_gtin_prefixes_pk', ['brand', 'prefix'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('brand_gtin_prefixes').execute();
  await db.schema.dropTable('seller_groups').execute();
  await db.schema.dropTable('authorized_sellers').execute();
  await db.schema.dropTable('discovery_runs').execute();
  await db.schema.dropTable('discovered_pages').execute();
  await db.schema.alterTable('products').dropColumn('dealer_cost_currency').execute();
  await db.schema.alterTable('products').dropColumn('dealer_cost_minor').execute();
  await db.schema.alterTable('listings').dropColumn('discovered').execute();
}
