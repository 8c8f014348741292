/**
 * A listing moved to another site (never done by the app; done by hand, in SQL) is followed by
 * four triggers. Three were per row (observations_site_moved, cases_site_moved,
 * finding_group_sites_listing_moved): each moved listing ran an UPDATE of observations, one of
 * cases and a finding_group_sites rebuild, and every one of those statements fired the
 * statement-level triggers of the table it touched. Moving 100,000 listings in one statement
 * took 14 s with no reads at all (1.3 s with the triggers off), and grows with the reads.
 *
 * They become one statement-level trigger that does the same work once per statement: the
 * moved listings' reads and cases take the new site in one UPDATE each, and each touched site's
 * finding groups are rebuilt once. A trigger with transition tables cannot name columns
 * (`update of site_id`), so it fires on every update of listings and finds the moved rows by
 * joining the old and new rows, as site_compliance_listing_moved already does.
 *
 * site_compliance_listing_moved also handed its rebuild two ids per moved listing, duplicates
 * and all; it now passes each touched site once.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

const PER_ROW = ['observations_site_moved', 'cases_site_moved', 'finding_group_sites_listing_moved'] as const;

/** The moved listings of the statement: id, old site, new site. */
const MOVED = `select n.id, o.site_id as old_site, n.site_id as new_site
  from old_listings o join new_listings n on n.id = o.id where o.site_id <> n.site_id`;

export async function up(db: Kysely<any>): Promise<void> {
  for (const t of PER_ROW) await sql`drop trigger if exists ${sql.id(t)} on listings`.execute(db);
  await sql`
    create function listings_site_moved() returns trigger language plpgsql as $$
    declare
      touched integer[];
    begin
      touched := array(select distinct unnest(array[m.old_site, m.new_site]) from (${sql.raw(MOVED)}) m);
      if cardinality(touched) = 0 then
        return null;
      end if;
      update observations r set site_id = m.new_site from (${sql.raw(MOVED)}) m where r.listing_id = m.id;
      update cases c set site_id = m.new_site from (${sql.raw(MOVED)}) m where c.listing_id = m.id;
      perform finding_group_sites_rebuild(touched);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger listings_site_moved after update on listings
    referencing old table as old_listings new table as new_listings
    for each statement execute function listings_site_moved()`.execute(db);
  await sql`
    create or replace function site_compliance_listing_moved() returns trigger language plpgsql as $$
    begin
      perform site_compliance_rebuild(array(
        select distinct unnest(array[o.site_id, n.site_id]) from old_listings o join new_listings n on n.id = o.id
        where o.site_id <> n.site_id));
      return null;
    end $$`.execute(db);
  for (const t of PER_ROW) await sql`drop function if exists ${sql.raw(`${t}()`)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists listings_site_moved on listings`.execute(db);
  await sql`drop function if exists listings_site_moved()`.execute(db);
  await sql`
    create or replace function site_compliance_listing_moved() returns trigger language plpgsql as $$
    begin
      perform site_compliance_rebuild(array(
        select unnest(array[o.site_id, n.site_id]) from old_listings o join new_listings n on n.id = o.id
        where o.site_id <> n.site_id));
      return null;
    end $$`.execute(db);
  await sql`
    create function observations_site_moved() returns trigger language plpgsql as $$
    begin
      update observations set site_id = new.site_id where listing_id = new.id;
      return null;
    end $$`.execute(db);
  await sql`
    create function cases_site_moved() returns trigger language plpgsql as $$
    begin
      update cases set site_id = new.site_id where listing_id = new.id;
      return null;
    end $$`.execute(db);
  await sql`
    create function finding_group_sites_listing_moved() returns trigger language plpgsql as $$
    begin
      perform finding_group_sites_rebuild(array[old.site_id, new.site_id]);
      return null;
    end $$`.execute(db);
  for (const t of PER_ROW)
    await sql`
      create trigger ${sql.id(t)} after update of site_id on listings
      for each row when (old.site_id is distinct from new.site_id) execute function ${sql.raw(`${t}()`)}`.execute(db);
}
