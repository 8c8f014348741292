/**
 * Each read carries its listing's site (observations.site_id), with one index per site newest
 * first, for the Sites list and page at scale (issue 12: a page under 200 ms at p95 with
 * 1,000,000 reads). Site health's last N reads, a site's last read and last good read, and a
 * site's latest reads walked every listing's reads (one index probe per listing: ~80,000
 * probes for a page of 50 sites, ~600 ms); with the site on the read they are one short
 * index scan per site (and a site's active listings are counted from an index). The column is
 * derived, never written by the app:
 * - a read gets its listing's site on insert (and if its listing is changed), by trigger;
 * - a listing moved to another site (never done by the app) moves its reads with it.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table observations add column site_id integer`.execute(db);
  await sql`
    create function observations_site_fill() returns trigger language plpgsql as $$
    begin
      new.site_id := (select site_id from listings where id = new.listing_id);
      return new;
    end $$`.execute(db);
  await sql`
    create trigger observations_site_fill before insert or update of listing_id, site_id on observations
    for each row execute function observations_site_fill()`.execute(db);
  await sql`
    create function observations_site_moved() returns trigger language plpgsql as $$
    begin
      update observations set site_id = new.site_id where listing_id = new.id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger observations_site_moved after update of site_id on listings
    for each row when (old.site_id is distinct from new.site_id) execute function observations_site_moved()`.execute(
    db,
  );

  // Existing reads, once. The statement-level update triggers of the summaries (finding_summary,
  // site_compliance_days) would compare every read before and after and find nothing changed:
  // they are off for this one statement, which changes no fact they count.
  await sql`alter table observations disable trigger user`.execute(db);
  await sql`update observations o set site_id = l.site_id from listings l where l.id = o.listing_id`.execute(db);
  await sql`alter table observations enable trigger user`.execute(db);
  await sql`alter table observations alter column site_id set not null`.execute(db);
  // Status in the index: health counts blocked and page reads, and the last good read is the
  // first 'ok' entry, all without visiting the table.
  await sql`create index observations_site_recent on observations (site_id, captured_at desc, id desc) include (listing_id, status)`.execute(
    db,
  );
  // A site's active listings (the Sites list, a reseller's sites) counted from the index alone:
  // a site's listings lie on as many table pages as it has listings (~26,000 pages a list page).
  await sql`create index listings_site_active on listings (site_id) where active`.execute(db);
  await sql`analyze observations`.execute(db);
  await sql`analyze listings`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists observations_site_moved on listings`.execute(db);
  await sql`drop function if exists observations_site_moved()`.execute(db);
  await sql`drop trigger if exists observations_site_fill on observations`.execute(db);
  await sql`drop function if exists observations_site_fill()`.execute(db);
  await sql`drop index if exists listings_site_active`.execute(db);
  await sql`drop index if exists observations_site_recent`.execute(db);
  await sql`alter table observations drop column if exists site_id`.execute(db);
}
