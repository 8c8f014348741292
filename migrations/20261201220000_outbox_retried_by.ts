/**
 * Who last retried an outbox message, and when. A retry of a case's message is noted on the
 * case's audit chain; a digest or a site alert has no case, so without these columns a retry
 * from the review app would leave no trace of who sent the mail again.
 *
 * And a partial index for the Resellers page's "last violation": the latest violating read
 * of a reseller's listings, found without scanning all its reads.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('outbox')
    .addColumn('retried_by', 'text')
    .addColumn('retried_role', 'text')
    .addColumn('retried_at', 'timestamptz')
    .execute();
  await sql`create index observations_violations on observations (listing_id, captured_at desc) where verdict = 'violation'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists observations_violations`.execute(db);
  await db.schema.alterTable('outbox').dropColumn('retried_by').dropColumn('retried_role').dropColumn('retried_at').execute();
}
