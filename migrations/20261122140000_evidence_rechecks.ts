/**
 * Evidence (one hash-chained, append-only row per captured observation), re-checks (the
 * second read before a case opens or escalates) and findings (e.g. MAP-evasion text).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('evidence')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id'))
    .addColumn('observation_id', 'integer', (c) => c.notNull().references('observations.id'))
    .addColumn('captured_at', 'timestamptz', (c) => c.notNull())
    .addColumn('manifest_sha256', 'text', (c) => c.notNull().check(sql`manifest_sha256 ~ '^[0-9a-f]{64}$'`))
    // The chain: prev_sha256 is the chain_sha256 of the row before (64 zeros for the first),
    // chain_sha256 = sha256(prev_sha256 || manifest_sha256). Editing or deleting any row breaks it.
    .addColumn('prev_sha256', 'text', (c) => c.notNull().check(sql`prev_sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('chain_sha256', 'text', (c) => c.notNull().unique().check(sql`chain_sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('storage_keys', sql`text[]`, (c) => c.notNull())
    .addColumn('manifest', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('evidence_observation_unique', ['observation_id'])
    .execute();
  await db.schema.createIndex('evidence_case_idx').on('evidence').columns(['case_id', 'id']).execute();
  await sql`
    create function evidence_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'evidence is append-only (% refused)', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger evidence_no_update_delete
    before update or delete on evidence
    for each row execute function evidence_append_only()`.execute(db);

  await db.schema
    .createTable('rechecks')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('first_observation_id', 'integer', (c) => c.notNull().unique().references('observations.id'))
    .addColumn('second_observation_id', 'integer', (c) => c.references('observations.id'))
    .addColumn('agreed', 'boolean', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('rechecks_site_at_idx').on('rechecks').columns(['site_id', 'at']).execute();

  await db.schema
    .createTable('findings')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('observation_id', 'integer', (c) => c.notNull().references('observations.id'))
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('findings_observation_kind_unique', ['observation_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('findings').ifExists().execute();
  await db.schema.dropTable('rechecks').ifExists().execute();
  await sql`drop trigger if exists evidence_no_update_delete on evidence`.execute(db);
  await sql`drop function if exists evidence_append_only()`.execute(db);
  await db.schema.dropTable('evidence').ifExists().execute();
}
