/**
 * The weekly KPI report email (issue 13) goes through the outbox like every other mail, so
 * its kind joins the check constraint. Postgres and PGlite name a column check
 * `<table>_<column>_check`. This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox drop constraint if exists outbox_kind_check`.execute(db);
  await sql`alter table outbox add constraint outbox_kind_check
    check (kind in ('alert', 'digest', 'notice', 'site_alert', 'weekly_report'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from outbox where kind = 'weekly_report'`.execute(db);
  await sql`alter table outbox drop constraint if exists outbox_kind_check`.execute(db);
  await sql`alter table outbox add constraint outbox_kind_check
    check (kind in ('alert', 'digest', 'notice', 'site_alert'))`.execute(db);
}
