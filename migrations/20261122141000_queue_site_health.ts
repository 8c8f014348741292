/**
 * Queue-side state that lives beside the app's tables (issue 4):
 * - site_health:   one row per site: whether site health currently suppresses it, since when, why;
 * - site_alerts:   "site needs attention" / "recovered" rows for ops (sent by the notifier);
 * - domain_gates + domain_leases: the cross-worker politeness gate when there is no Redis.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('site_health')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    .addColumn('suppressed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('since', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('reason', 'text')
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('site_alerts')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('needs_attention', 'recovered')`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addColumn('notified_at', 'timestamptz')
    .execute();
  // The notifier scans for unsent alerts; keep that scan small.
  await sql`create index site_alerts_unsent_idx on site_alerts (id) where notified_at is null`.execute(db);
  await db.schema.createIndex('site_alerts_site_idx').on('site_alerts').columns(['site_id', 'at']).execute();

  await db.schema
    .createTable('domain_gates')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('next_start_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`'-infinity'`))
    .addColumn('backoff_until', 'timestamptz', (c) => c.notNull().defaultTo(sql`'-infinity'`))
    .execute();
  await db.schema
    .createTable('domain_leases')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull().references('domain_gates.domain').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('domain_leases_domain_idx').on('domain_leases').columns(['domain', 'expires_at']).execute();

  // Health reads scan a site's recent observations.
  await sql`create index if not exists observations_listing_captured_idx on observations (listing_id, captured_at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists observations_listing_captured_idx`.execute(db);
  await db.schema.dropTable('domain_leases').ifExists().execute();
  await db.schema.dropTable('domain_gates').ifExists().execute();
  await db.schema.dropTable('site_alerts').ifExists().execute();
  await db.schema.dropTable('site_health').ifExists().execute();
}
