/**
 * The append-only triggers on evidence and case_events fire per row, so TRUNCATE (which
 * fires no row trigger) emptied both tables unopposed. A statement-level BEFORE TRUNCATE
 * trigger refuses it.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function audit_no_truncate() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only (TRUNCATE refused)', tg_table_name;
    end $$`.execute(db);
  for (const t of ['evidence', 'case_events']) {
    await sql`
      create trigger ${sql.raw(`${t}_no_truncate`)}
      before truncate on ${sql.table(t)}
      for each statement execute function audit_no_truncate()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['evidence', 'case_events'])
    await sql`drop trigger if exists ${sql.raw(`${t}_no_truncate`)} on ${sql.table(t)}`.execute(db);
  await sql`drop function if exists audit_no_truncate()`.execute(db);
}
