/**
 * daily_seller_rollups: the daily KPI rollup split by marketplace seller (issue 13's
 * `--by seller`): one row per reporting day × site × product × seller, with the same
 * figures as daily_rollups. A second table rather than a seller column on daily_rollups,
 * so the other dimensions keep reading one row per day × site × product (their sums,
 * listings per day and MSRP percentiles stay exactly what they were) and no slower.
 *
 * seller_key is the seller's name key (sellerNameKey in src/catalog/seller-key.ts: NFKC,
 * trimmed, runs of spaces made one, lower case) of the seller the page names on the read's
 * primary offer (observations.seller); '' when the page names none, i.e. the site's
 * reseller sells itself. Cases count under their own seller (cases.seller).
 *
 * Filled by the same roll-up run and transaction as daily_rollups. The rollup state is
 * reset here so the next scheduled run recomputes every day, which backfills this table.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table daily_seller_rollups (
      day date not null,
      site_id integer not null references sites(id),
      product_id integer not null references products(id),
      reseller_id integer not null references resellers(id),
      seller_key text not null,
      -- One spelling of the seller's name that day (null: the reseller itself).
      seller_name text,
      currency text,
      reads integer not null default 0,
      trustworthy_reads integer not null default 0,
      compliant_reads integer not null default 0,
      violating_reads integer not null default 0,
      blocked_reads integer not null default 0,
      min_price_minor bigint,
      sum_price_minor bigint not null default 0,
      sum_depth_pct numeric not null default 0,
      max_depth_pct numeric,
      msrp_reads integer not null default 0,
      sum_msrp_variance numeric not null default 0,
      listings_covered integer not null default 0,
      eod_listings integer not null default 0,
      eod_compliant_listings integer not null default 0,
      cases_opened integer not null default 0,
      cases_resolved integer not null default 0,
      cases_open_eod integer not null default 0,
      notices_step1 integer not null default 0,
      notices_step2 integer not null default 0,
      notices_step3 integer not null default 0,
      computed_at timestamptz not null default now(),
      constraint daily_seller_rollups_pk primary key (day, site_id, product_id, seller_key)
    )`.execute(db);
  await sql`create index daily_seller_rollups_day on daily_seller_rollups (day)`.execute(db);
  await sql`delete from rollup_state`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists daily_seller_rollups`.execute(db);
}
