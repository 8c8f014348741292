/**
 * The daily rollups (daily_rollups, daily_seller_rollups) lose their foreign keys to sites,
 * products and resellers. They are derived rows, rewritten whole days at a time from reads
 * whose listings already hold those keys, and each key check is a trigger per inserted row:
 * on 300,000 reads the six checks took 4.3 of the rollup's 14.9 s (issue 13: 1,000,000 reads
 * in under 10 s). A KPI query joins the rows to their site, reseller and product, so a row
 * whose site were ever deleted would just not count, as its reads no longer do.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

const KEYS = [
  ['daily_rollups', 'site_id', 'sites'],
  ['daily_rollups', 'product_id', 'products'],
  ['daily_rollups', 'reseller_id', 'resellers'],
  ['daily_seller_rollups', 'site_id', 'sites'],
  ['daily_seller_rollups', 'product_id', 'products'],
  ['daily_seller_rollups', 'reseller_id', 'resellers'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of KEYS)
    await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.id(`${table}_${column}_fkey`)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column, target] of KEYS)
    await sql`alter table ${sql.table(table)} add constraint ${sql.id(`${table}_${column}_fkey`)}
      foreign key (${sql.id(column)}) references ${sql.table(target)}(id)`.execute(db);
}
