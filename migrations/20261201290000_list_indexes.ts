/**
 * One covering index for the Sites and Resellers lists at scale (issue 12: a page under
 * 200 ms at p95 with 1,000,000 reads). Those read models walk each listing's reads newest
 * first (site health's last N reads, a site's last read and last good read, a reseller's
 * 30-day compliance and last violation); with the read's status and verdict in the index,
 * every one of them is an index-only scan per listing instead of a scan of all reads.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index observations_listing_recent on observations (listing_id, captured_at desc, id desc) include (status, verdict)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists observations_listing_recent`.execute(db);
}
