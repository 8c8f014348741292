/**
 * dimension_rollup_blocks: daily_dimension_rollups pre-added over blocks of reporting days
 * (2, 4, 7, 14 and 28 days that nest and follow the reporting week, see
 * src/kpis/rollup-blocks.ts), so a month by product (issue 13: under 200 ms at 10,000,000
 * reads) reads ~6 rows per product instead of 30, and a week of a trend line one.
 *
 * One row per block (`day` its first day, `days` its length) × `dimension` × `key`, with the
 * columns of daily_dimension_rollups: the sums of its days' rows, ref_id and label their
 * least, and the MSRP variance histogram their summed histograms (the same 0.1-point buckets,
 * so percentiles read from blocks are those read from days), also as text (variance_text).
 *
 * Rewritten by the roll-up run, in its transaction, for every block sharing a day with the
 * days it rewrote, smallest first, each from the blocks (and days) it is made of, so each
 * block stays the sum of its days. The rollup state is reset so the next scheduled run
 * recomputes every day, which fills this table.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table dimension_rollup_blocks (
      day date not null,
      days smallint not null,
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
      -- The two arrays as text, one after the other ('{-120,-80}{2,1}'): what a KPI query sends
      -- (src/kpis/merge-variance-histograms.ts), written once here rather than at every query.
      variance_text text not null default '{}{}',
      constraint dimension_rollup_blocks_pk primary key (dimension, days, day, key)
    )`.execute(db);
  await sql`create index dimension_rollup_blocks_day on dimension_rollup_blocks (days, day)`.execute(db);
  await sql`delete from rollup_state`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists dimension_rollup_blocks`.execute(db);
}
