/**
 * Daily KPI rollups: one row per reporting day × site × product (the site names the
 * reseller), recomputed set-based for a range of days, so a re-run changes nothing and a
 * read that arrives late is counted once its day is rolled up again. `rollup_state` keeps
 * the highest observation id rolled up, so the next run knows which older days got reads.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('daily_rollups')
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id'))
    .addColumn('reseller_id', 'integer', (c) => c.notNull().references('resellers.id'))
    // The currency of the day's trustworthy reads; null when there were none (or, rarely, several).
    .addColumn('currency', 'text')
    .addColumn('reads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('trustworthy_reads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('compliant_reads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('violating_reads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('blocked_reads', 'integer', (c) => c.notNull().defaultTo(0))
    // Advertised (gross, as shown) prices of trustworthy reads, in minor units of `currency`.
    .addColumn('min_price_minor', 'bigint')
    .addColumn('sum_price_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    // Depth below MAP of violating reads, in percent (numeric: exact sums, no float drift).
    .addColumn('sum_depth_pct', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('max_depth_pct', 'numeric')
    // (comparable price − MSRP) ÷ MSRP of trustworthy reads whose product has a list price in effect.
    .addColumn('msrp_reads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sum_msrp_variance', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('listings_covered', 'integer', (c) => c.notNull().defaultTo(0))
    // Listings whose last trustworthy read of the day was compliant, of those with one.
    .addColumn('eod_listings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('eod_compliant_listings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cases_opened', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cases_resolved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cases_open_eod', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notices_step1', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notices_step2', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notices_step3', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('daily_rollups_pk', ['day', 'site_id', 'product_id'])
    .execute();
  await db.schema.createIndex('daily_rollups_reseller_day').on('daily_rollups').columns(['reseller_id', 'day']).execute();
  await db.schema.createIndex('daily_rollups_day').on('daily_rollups').columns(['day']).execute();
  // The rollup reads observations by time across all listings.
  await db.schema.createIndex('observations_captured_at').on('observations').columns(['captured_at']).execute();
  // The MSRP in effect for each read, and the re-checks that discredit a first read.
  await db.schema
    .createIndex('map_prices_product_currency_from')
    .on('map_prices')
    .columns(['product_id', 'currency', 'effective_from'])
    .execute();
  await db.schema.createIndex('rechecks_first_observation').on('rechecks').columns(['first_observation_id']).execute();
  await db.schema
    .createTable('rollup_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('last_observation_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_run_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rollup_state').execute();
  await db.schema.dropIndex('rechecks_first_observation').execute();
  await db.schema.dropIndex('map_prices_product_currency_from').execute();
  await db.schema.dropIndex('observations_captured_at').execute();
  await db.schema.dropTable('daily_rollups').execute();
}
