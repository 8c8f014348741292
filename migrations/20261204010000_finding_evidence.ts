/**
 * Evidence for findings (issue 16): a read that finds an unauthorized marketplace seller keeps
 * the page it read (HTML, WARC, screenshots when the read took them) in the same append-only,
 * hash-chained evidence table as case evidence, so a seller who disputes a finding meets the
 * same proof as a reseller who disputes a case.
 *
 * - evidence.case_id may be null: a finding opens no case, and its evidence belongs to none.
 *   The chain is one chain over every row, whatever it belongs to;
 * - findings.evidence_id: the evidence row that proves the finding (its own read's, or the
 *   day's first capture of that seller on that listing);
 * - finding_evidence_days: at most one capture per listing, seller key and reporting day, so
 *   a marketplace read every 15 minutes stores one copy a day per seller, not 96. The row is
 *   the claim on that day; its evidence is the capture.
 * Neither evidence_id is a foreign key: evidence rows are never removed (append-only), and a
 * foreign key onto evidence would make TRUNCATE fail on the reference before evidence's own
 * trigger can refuse it as append-only (the refusal the verifiers and tests rely on).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table evidence alter column case_id drop not null`.execute(db);
  await db.schema
    .alterTable('findings')
    .addColumn('evidence_id', 'integer')
    .execute();
  await db.schema
    .createTable('finding_evidence_days')
    .addColumn('listing_id', 'integer', (c) => c.notNull().references('listings.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('seller_key', 'text', (c) => c.notNull())
    .addColumn('evidence_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('finding_evidence_days_pk', ['listing_id', 'day', 'seller_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('finding_evidence_days').ifExists().execute();
  await db.schema.alterTable('findings').dropColumn('evidence_id').execute();
  // Rows without a case would block the constraint; they are finding evidence, kept by the chain.
  await sql`alter table evidence alter column case_id set not null`.execute(db);
}
