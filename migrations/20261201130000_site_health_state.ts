/**
 * Site health gets one state that means the same in `sites health`, the demo summary and
 * ops alerts (ok, degraded, blocked, needs_attention, suppressed, unknown), remembered per
 * site so a change of state raises one alert; a site whose every read is blocked now
 * raises a 'blocked' alert.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('site_health')
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('unknown')
        .check(sql`state in ('ok', 'degraded', 'blocked', 'needs_attention', 'suppressed', 'unknown')`),
    )
    .execute();
  await sql`alter table site_alerts drop constraint if exists site_alerts_kind_check`.execute(db);
  await sql`alter table site_alerts add constraint site_alerts_kind_check
    check (kind in ('needs_attention', 'recovered', 'blocked'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from site_alerts where kind = 'blocked'`.execute(db);
  await sql`alter table site_alerts drop constraint if exists site_alerts_kind_check`.execute(db);
  await sql`alter table site_alerts add constraint site_alerts_kind_check
    check (kind in ('needs_attention', 'recovered'))`.execute(db);
  await db.schema.alterTable('site_health').dropColumn('state').execute();
}
