/**
 * A sweep pages its listings from the database (src/check/page-listings.ts) instead of holding
 * every listing of every config in memory (issue 15, goal 6: flat memory from 1,000 to 100,000
 * listings). Each page reads, per site, the next few active listings after that site's last id:
 * `site_id = $1 and active and id > $2 order by id limit $3`. On (site_id) alone that is every
 * active listing of the site read and sorted for each page (a site of 1,000 listings read 100
 * times over in a sweep); on (site_id, id) it is the few rows of the page.
 *
 * The new index replaces listings_site_active (site_id) where active: (site_id) is its prefix,
 * so a site's active listings are still counted from the index alone, and a listing's update
 * (every sync touches each listing) keeps one partial index up to date, not two.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index listings_site_active_id on listings (site_id, id) where active`.execute(db);
  await sql`drop index if exists listings_site_active`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists listings_site_active on listings (site_id) where active`.execute(db);
  await sql`drop index if exists listings_site_active_id`.execute(db);
}
