/**
 * site_compliance_days: per site and UTC day, the reads compared with MAP (status ok, verdict
 * compliant or violation), how many were compliant, and the latest violating read's time. The
 * Resellers page's 30-day compliance and last violation read these instead of walking every
 * listing's reads (issue 12: ~320 ms per page at 1,000,000 reads).
 *
 * The page's window is rolling (now − 30 days), not whole days: the days after the window's
 * first day come from here, and that first, partial day from the reads themselves (at most
 * one day of reads, by observations_captured_at), so the figures stay exact to the read.
 * daily_rollups are per reporting day in the reporting time zone and rolled up by a job
 * later, so they cannot answer this exactly.
 *
 * Kept exact by triggers, in the transaction of the write:
 * - insert on observations (the only write the app makes): new reads aggregated per site and
 *   day and added in one upsert. Each compared read takes its site-day row's lock until its
 *   transaction commits; the insert is the first statement of recordObservation's
 *   transaction, so no lock is held before it (no lock-order cycle);
 * - update, delete, truncate of observations, and a listing moved to another site (never
 *   done by the app): the touched sites are rebuilt by site_compliance_rebuild(ids), the
 *   same function that backfills existing reads here (null: every site).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

/** Site-day rows of the compared reads in `src` (a relation with observations' columns). */
const aggregate = (src: string) => `
  select l.site_id, (o.captured_at at time zone 'UTC')::date,
    count(*)::int, (count(*) filter (where o.verdict = 'compliant'))::int,
    max(o.captured_at) filter (where o.verdict = 'violation')
  from ${src} o join listings l on l.id = o.listing_id
  where o.status = 'ok' and o.verdict in ('compliant', 'violation')
  group by 1, 2`;

const COLUMNS = 'site_id, day, compared_reads, compliant_reads, last_violation_at';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table site_compliance_days (
      site_id integer not null references sites(id) on delete cascade,
      day date not null,
      compared_reads integer not null,
      compliant_reads integer not null,
      last_violation_at timestamptz,
      primary key (site_id, day)
    )`.execute(db);

  await sql`
    create function site_compliance_rebuild(ids integer[]) returns void language plpgsql as $$
    begin
      delete from site_compliance_days where ids is null or site_id = any(ids);
      insert into site_compliance_days (${sql.raw(COLUMNS)})
      ${sql.raw(
        aggregate(
          '(select * from observations where ids is null or listing_id in (select id from listings where site_id = any(ids)))',
        ),
      )};
    end $$`.execute(db);
  await sql`
    create function site_compliance_add() returns trigger language plpgsql as $$
    begin
      insert into site_compliance_days as d (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('new_reads'))}
      on conflict (site_id, day) do update set
        compared_reads = d.compared_reads + excluded.compared_reads,
        compliant_reads = d.compliant_reads + excluded.compliant_reads,
        last_violation_at = greatest(d.last_violation_at, excluded.last_violation_at);
      return null;
    end $$`.execute(db);
  await sql`
    create function site_compliance_redo() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        delete from site_compliance_days;
      elsif tg_op = 'DELETE' then
        perform site_compliance_rebuild(array(
          select distinct l.site_id from old_reads o join listings l on l.id = o.listing_id));
      else
        -- Only reads whose counted facts changed (an amount corrected in place changes nothing here).
        perform site_compliance_rebuild(array(
          select l.site_id from old_reads o join new_reads n on n.id = o.id join listings l on l.id in (o.listing_id, n.listing_id)
          where (o.listing_id, o.captured_at, o.status, o.verdict) is distinct from (n.listing_id, n.captured_at, n.status, n.verdict)
          union select l.site_id from new_reads n join listings l on l.id = n.listing_id
          where not exists (select 1 from old_reads o where o.id = n.id)));
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function site_compliance_listing_moved() returns trigger language plpgsql as $$
    begin
      perform site_compliance_rebuild(array(
        select unnest(array[o.site_id, n.site_id]) from old_listings o join new_listings n on n.id = o.id
        where o.site_id <> n.site_id));
      return null;
    end $$`.execute(db);
  await sql`
    create trigger site_compliance_insert after insert on observations
    referencing new table as new_reads for each statement execute function site_compliance_add()`.execute(db);
  await sql`
    create trigger site_compliance_update after update on observations
    referencing old table as old_reads new table as new_reads
    for each statement execute function site_compliance_redo()`.execute(db);
  await sql`
    create trigger site_compliance_delete after delete on observations
    referencing old table as old_reads for each statement execute function site_compliance_redo()`.execute(db);
  await sql`
    create trigger site_compliance_truncate after truncate on observations
    for each statement execute function site_compliance_redo()`.execute(db);
  await sql`
    create trigger site_compliance_listing_update after update on listings
    referencing old table as old_listings new table as new_listings
    for each statement execute function site_compliance_listing_moved()`.execute(db);

  await sql`select site_compliance_rebuild(null)`.execute(db);
  await sql`analyze site_compliance_days`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists site_compliance_listing_update on listings`.execute(db);
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql`drop trigger if exists ${sql.raw(`site_compliance_${t}`)} on observations`.execute(db);
  for (const f of ['site_compliance_listing_moved()', 'site_compliance_redo()', 'site_compliance_add()'])
    await sql`drop function if exists ${sql.raw(f)}`.execute(db);
  await sql`drop function if exists site_compliance_rebuild(integer[])`.execute(db);
  await sql`drop table if exists site_compliance_days`.execute(db);
}
