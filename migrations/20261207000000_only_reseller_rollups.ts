/**
 * daily_rollups.only_reseller: true when no read, case or notice of the day × site × product
 * names a marketplace seller, so its split by seller is the row itself (seller '' = the
 * reseller, which sells itself) and daily_seller_rollups holds no copy of it. Most listings
 * are a reseller's own shop: at 1,000,000 reads 131,000 of 157,000 seller rows were such
 * copies, about 1 s of the rollup's writes (issue 13: 1,000,000 reads in under 10 s).
 * Rows rolled up before this migration keep their seller rows: false is what they are.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table daily_rollups add column only_reseller boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table daily_rollups drop column only_reseller`.execute(db);
}
