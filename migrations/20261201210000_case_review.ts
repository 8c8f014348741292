/**
 * The review app's cases (issue 12):
 * - cases.assignee: who is working the case (an email; null = nobody);
 * - observations.seller / cases.seller: the seller a marketplace page names on the read's
 *   primary offer, so cases can be filtered by seller (untrusted page text);
 * - misreads: a reviewer's "Wrong price?" on a read — the case is dismissed as a misread, and
 *   the correction (the right price or element) is kept for site health and the site's config;
 * - indexes for the case list's sorts and filters, so paging stays in SQL at 100,000 cases.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('assignee', 'text').execute();
  await db.schema.alterTable('cases').addColumn('seller', 'text').execute();
  await db.schema.alterTable('observations').addColumn('seller', 'text').execute();

  await db.schema
    .createTable('misreads')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id'))
    .addColumn('observation_id', 'bigint', (c) => c.notNull().unique().references('observations.id'))
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    // What the page really said, if the reviewer gave it: a price (minor units of `currency`)
    // and/or the CSS selector of the element that holds it.
    .addColumn('correct_minor', 'bigint', (c) => c.check(sql`correct_minor is null or correct_minor > 0`))
    .addColumn('currency', 'text', (c) => c.check(sql`currency is null or currency ~ '^[A-Z]{3}$'`))
    .addColumn('selector', 'text')
    .addColumn('note', 'text')
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('misreads_site_at').on('misreads').columns(['site_id', 'at']).execute();
  await db.schema.createIndex('misreads_case').on('misreads').columns(['case_id']).execute();

  // The case list: newest seen first (the default), by first seen, by % below MAP, by status.
  await sql`create index cases_last_seen on cases (last_seen_at desc, id desc)`.execute(db);
  await sql`create index cases_status_last_seen on cases (status, last_seen_at desc, id desc)`.execute(db);
  await sql`create index cases_first_seen on cases (first_seen_at, id)`.execute(db);
  await sql`create index cases_percent_below on cases (((map_minor - lowest_minor) * 1000000 / map_minor), id)`.execute(db);
  await sql`create index cases_listing on cases (listing_id)`.execute(db);
  await sql`create index cases_assignee on cases (assignee) where assignee is not null`.execute(db);
  await sql`create index listings_site on listings (site_id)`.execute(db);
  await sql`create index listings_product on listings (product_id)`.execute(db);
  await sql`create index sites_reseller on sites (reseller_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of [
    'sites_reseller',
    'listings_product',
    'listings_site',
    'cases_assignee',
    'cases_listing',
    'cases_percent_below',
    'cases_first_seen',
    'cases_status_last_seen',
    'cases_last_seen',
  ])
    await sql`drop index if exists ${sql.id(i)}`.execute(db);
  await db.schema.dropTable('misreads').ifExists().execute();
  await db.schema.alterTable('observations').dropColumn('seller').execute();
  await db.schema.alterTable('cases').dropColumn('seller').execute();
  await db.schema.alterTable('cases').dropColumn('assignee').execute();
}
