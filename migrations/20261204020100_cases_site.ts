/**
 * Each case carries its listing's site (cases.site_id), with an index per site that holds what
 * the Resellers figures read of a case (status, first seen, closed), for the Resellers list and
 * API at scale (issue 12: a page under 200 ms at p95 with 100,000 cases). A page of 50
 * resellers reached its ~29,000 cases through every listing and every case (two table scans,
 * ~125,000 and ~100,000 rows, hash-joined on each request); with the site on the case it is
 * one index range per site. The column is derived, never written by the app, like
 * observations.site_id (migrations/20261203010000):
 * - a case gets its listing's site on insert (and if its listing is changed), by trigger;
 * - a listing moved to another site (never done by the app) moves its cases with it.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table cases add column site_id integer`.execute(db);
  await sql`
    create function cases_site_fill() returns trigger language plpgsql as $$
    begin
      new.site_id := (select site_id from listings where id = new.listing_id);
      return new;
    end $$`.execute(db);
  await sql`
    create trigger cases_site_fill before insert or update of listing_id, site_id on cases
    for each row execute function cases_site_fill()`.execute(db);
  await sql`
    create function cases_site_moved() returns trigger language plpgsql as $$
    begin
      update cases set site_id = new.site_id where listing_id = new.id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger cases_site_moved after update of site_id on listings
    for each row when (old.site_id is distinct from new.site_id) execute function cases_site_moved()`.execute(db);

  await sql`update cases c set site_id = l.site_id from listings l where l.id = c.listing_id`.execute(db);
  await sql`alter table cases alter column site_id set not null`.execute(db);
  await sql`create index cases_site on cases (site_id) include (status, first_seen_at, closed_at)`.execute(db);
  await sql`analyze cases`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists cases_site_moved on listings`.execute(db);
  await sql`drop function if exists cases_site_moved()`.execute(db);
  await sql`drop trigger if exists cases_site_fill on cases`.execute(db);
  await sql`drop function if exists cases_site_fill()`.execute(db);
  await sql`drop index if exists cases_site`.execute(db);
  await sql`alter table cases drop column if exists site_id`.execute(db);
}
