/**
 * daily_dimension_rollups: the daily KPI rollup pre-aggregated per reporting day × dimension
 * value (issue 13: dashboard queries under 200 ms at 10,000,000 reads), so a KPI table, a
 * trend line or an erosion line reads a few thousand rows instead of every day × site ×
 * product row of the period (about 714,000 for 30 days at 10,000,000 reads).
 *
 * One row per day × `dimension` × `key`:
 * - 'reseller': key and ref_id the reseller's id (tier, region and authorized-or-not are
 *   read through it at query time, so they follow the reseller's current attributes as before);
 * - 'site': the site's id; 'product': the product's id;
 * - 'brand': the product's brand as rolled up ('(none)' for none);
 * - 'seller': 'reseller:<id>' (reads naming no seller; ref_id the reseller) or
 *   'name:<seller key>'; label the day's first spelling of the seller's name.
 * The sums are those of daily_rollups (daily_seller_rollups for 'seller') over the group.
 * The MSRP variance percentiles do not add up, so each row keeps a histogram of its
 * listing-day mean variances: variance_buckets[i] (the variance × 1000, rounded, i.e. 0.1
 * percentage-point buckets) seen variance_counts[i] times; p10/p90 are read from the summed
 * histograms.
 *
 * Filled by the same roll-up run and transaction as daily_rollups. The rollup state is reset
 * so the next scheduled run recomputes every day, which backfills this table.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table daily_dimension_rollups (
      day date not null,
      dimension text not null,
      key text not null,
      ref_id integer,
      label text,
      reads integer not null default 0,
      trustworthy_reads integer not null default 0,
      compliant_reads integer not null default 0,
      violating_reads integer not null default 0,
      blocked_reads integer not null default 0,
      sum_depth_pct numeric not null default 0,
      max_depth_pct numeric,
      msrp_reads integer not null default 0,
      sum_msrp_variance numeric not null default 0,
      eod_listings integer not null default 0,
      eod_compliant_listings integer not null default 0,
      cases_opened integer not null default 0,
      cases_resolved integer not null default 0,
      notices_sent integer not null default 0,
      variance_buckets integer[] not null default '{}',
      variance_counts integer[] not null default '{}',
      constraint daily_dimension_rollups_pk primary key (dimension, day, key)
    )`.execute(db);
  await sql`create index daily_dimension_rollups_day on daily_dimension_rollups (day)`.execute(db);
  await sql`delete from rollup_state`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists daily_dimension_rollups`.execute(db);
}
