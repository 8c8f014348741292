/**
 * Ops alerts for listings discovery found, moved or lost (issue 16): they go through the
 * outbox like every other mail, so their kind joins the check constraint; and each change
 * remembers the discovery run that made it, so one run makes one alert per ops address
 * (its idempotency key names the run). A change made by a person's review has no run.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox drop constraint if exists outbox_kind_check`.execute(db);
  await sql`alter table outbox add constraint outbox_kind_check
    check (kind in ('alert', 'digest', 'notice', 'site_alert', 'weekly_report', 'listing_changes'))`.execute(db);
  await db.schema
    .alterTable('discovered_pages')
    .addColumn('change_run_id', 'integer', (c) => c.references('discovery_runs.id').onDelete('set null'))
    .execute();
  // The collector's question: which changes are not reported yet.
  await sql`create index discovered_pages_unreported on discovered_pages (id) where change is not null and reported_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists discovered_pages_unreported`.execute(db);
  await db.schema.alterTable('discovered_pages').dropColumn('change_run_id').execute();
  await sql`delete from outbox where kind = 'listing_changes'`.execute(db);
  await sql`alter table outbox drop constraint if exists outbox_kind_check`.execute(db);
  await sql`alter table outbox add constraint outbox_kind_check
    check (kind in ('alert', 'digest', 'notice', 'site_alert', 'weekly_report'))`.execute(db);
}
