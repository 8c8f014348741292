/**
 * daily_rollups and daily_seller_rollups lose their index on (day) alone: each table's
 * primary key starts with day, so it serves every day-range read and the rollup's delete as
 * well, and each insert of the rollup (issue 13: 1,000,000 reads in under 10 s) paid one more
 * index entry per row for nothing.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists daily_rollups_day`.execute(db);
  await sql`drop index if exists daily_seller_rollups_day`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists daily_rollups_day on daily_rollups (day)`.execute(db);
  await sql`create index if not exists daily_seller_rollups_day on daily_seller_rollups (day)`.execute(db);
}
