/**
 * listing_last_reads: per listing, the time of its last compared read (status ok, verdict
 * compliant or violation). Coverage (active listings with such a read in the last 24 hours,
 * src/kpis/query-coverage.ts) probed every listing's reads for one in the window: 24,000
 * probes at 10,000,000 reads, up to 244 ms (issue 13: every dashboard query under 200 ms).
 * With the last read's time, a listing whose last read is before the window is not covered
 * and one whose last read is in it is; only a listing read after the window's end (a window
 * in the past) is still probed.
 *
 * Kept exact by triggers, in the transaction of the write (as site_compliance_days):
 * - insert on observations (the only write the app makes): the new reads' latest time per
 *   listing, upserted with greatest(), so a late read (captured before the last one) changes
 *   nothing and concurrent inserts cannot lose one; rows upserted in listing order, so two
 *   multi-row inserts lock them in the same order;
 * - update, delete, truncate of observations (never done by the app): the touched listings
 *   are rebuilt by listing_last_reads_rebuild(ids), which also backfills existing reads
 *   here (null: every listing);
 * - a deleted listing takes its row with it.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

/** Per listing, the latest compared read of `src` (a relation with observations' columns). */
const latest = (src: string, also = '') => `
  select o.listing_id, max(o.captured_at)
  from ${src} o
  where o.status = 'ok' and o.verdict in ('compliant', 'violation') ${also}
  group by o.listing_id`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table listing_last_reads (
      listing_id integer primary key references listings(id) on delete cascade,
      last_read_at timestamptz not null
    )`.execute(db);

  await sql`
    create function listing_last_reads_rebuild(ids integer[]) returns void language plpgsql as $$
    begin
      -- Two statements, not one "ids is null or …" (a cached generic plan would scan every read).
      if ids is null then
        delete from listing_last_reads;
        insert into listing_last_reads (listing_id, last_read_at) ${sql.raw(latest('observations'))};
      else
        delete from listing_last_reads where listing_id = any(ids);
        insert into listing_last_reads (listing_id, last_read_at)
        ${sql.raw(latest('observations', 'and o.listing_id = any(ids)'))};
      end if;
    end $$`.execute(db);
  await sql`
    create function listing_last_reads_add() returns trigger language plpgsql as $$
    begin
      insert into listing_last_reads as d (listing_id, last_read_at)
      ${sql.raw(latest('new_reads'))}
      order by 1
      on conflict (listing_id) do update set last_read_at = greatest(d.last_read_at, excluded.last_read_at);
      return null;
    end $$`.execute(db);
  await sql`
    create function listing_last_reads_redo() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        delete from listing_last_reads;
      elsif tg_op = 'DELETE' then
        perform listing_last_reads_rebuild(array(select distinct listing_id from old_reads));
      else
        -- Only listings whose reads' counted facts changed (an amount corrected in place changes nothing here).
        perform listing_last_reads_rebuild(array(
          select unnest(array[o.listing_id, n.listing_id]) from old_reads o join new_reads n on n.id = o.id
          where (o.listing_id, o.captured_at, o.status, o.verdict) is distinct from (n.listing_id, n.captured_at, n.status, n.verdict)
          union select n.listing_id from new_reads n where not exists (select 1 from old_reads o where o.id = n.id)));
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger listing_last_reads_insert after insert on observations
    referencing new table as new_reads for each statement execute function listing_last_reads_add()`.execute(db);
  await sql`
    create trigger listing_last_reads_update after update on observations
    referencing old table as old_reads new table as new_reads
    for each statement execute function listing_last_reads_redo()`.execute(db);
  await sql`
    create trigger listing_last_reads_delete after delete on observations
    referencing old table as old_reads for each statement execute function listing_last_reads_redo()`.execute(db);
  await sql`
    create trigger listing_last_reads_truncate after truncate on observations
    for each statement execute function listing_last_reads_redo()`.execute(db);

  await sql`select listing_last_reads_rebuild(null)`.execute(db);
  await sql`analyze listing_last_reads`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql`drop trigger if exists ${sql.raw(`listing_last_reads_${t}`)} on observations`.execute(db);
  for (const f of ['listing_last_reads_redo()', 'listing_last_reads_add()'])
    await sql`drop function if exists ${sql.raw(f)}`.execute(db);
  await sql`drop function if exists listing_last_reads_rebuild(integer[])`.execute(db);
  await sql`drop table if exists listing_last_reads`.execute(db);
}
