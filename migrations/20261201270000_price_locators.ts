/**
 * Per-site learning (issue 11, item 7): a small sample of good reads per site (which CSS
 * paths on each listing's page picked exactly the amount that was read), and the price
 * locator derived from them, with when it last agreed with a read and how many reads in a
 * row it has not (site health shows a locator that stopped matching).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('price_locator_samples')
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    // JSON array of CSS selectors that, on this listing's page, matched only the amount read.
    .addColumn('selectors', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('price_locator_samples_pk', ['site_id', 'listing_id'])
    .execute();
  await db.schema
    .createTable('price_locators')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    .addColumn('selector', 'text', (c) => c.notNull())
    .addColumn('verified_listings', 'integer', (c) => c.notNull())
    .addColumn('learned_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_matched_at', 'timestamptz')
    .addColumn('last_checked_at', 'timestamptz')
    // Reads in a row where the locator found nothing or disagreed with the model; 0 after an agreement.
    .addColumn('misses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_miss_reason', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('price_locators').execute();
  await db.schema.dropTable('price_locator_samples').execute();
}
