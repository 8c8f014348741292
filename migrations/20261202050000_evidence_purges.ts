/**
 * Evidence files removed by retention (issue 14). Retention removes only files that no
 * evidence row names (reads that changed no case); the append-only, hash-chained evidence
 * rows are never touched. Each removal is recorded here, append-only like evidence, so
 * `mapwatch evidence verify` can tell a file removed on purpose from one that went missing.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('evidence_purges')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('size', 'bigint', (c) => c.notNull())
    // When the store last had the file stored (its time in the store), and when it was removed.
    .addColumn('stored_at', 'timestamptz', (c) => c.notNull())
    .addColumn('purged_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('store', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('evidence_purges_key_idx').on('evidence_purges').columns(['storage_key', 'id']).execute();
  // Retention asks, a batch of stored keys at a time, which of them a chain row names.
  await sql`create index evidence_storage_keys_gin on evidence using gin (storage_keys)`.execute(db);
  await sql`
    create function evidence_purges_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'evidence_purges is append-only (% refused)', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger evidence_purges_no_update_delete
    before update or delete on evidence_purges
    for each row execute function evidence_purges_append_only()`.execute(db);
  await sql`
    create trigger evidence_purges_no_truncate
    before truncate on evidence_purges
    for each statement execute function audit_no_truncate()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists evidence_purges_no_truncate on evidence_purges`.execute(db);
  await sql`drop trigger if exists evidence_purges_no_update_delete on evidence_purges`.execute(db);
  await sql`drop function if exists evidence_purges_append_only()`.execute(db);
  await db.schema.dropTable('evidence_purges').ifExists().execute();
  await sql`drop index if exists evidence_storage_keys_gin`.execute(db);
}
