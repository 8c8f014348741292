/**
 * Hash-chains case_events like evidence, so an edited, inserted or removed event (or one
 * changed with its trigger switched off) shows in `mapwatch evidence verify --db`.
 *
 * - chain_seq: the order of the chain, assigned under a transaction-scoped advisory lock
 *   (ids come from a sequence before the lock, so two writers may commit out of id order);
 * - prev_sha256: chain_sha256 of the event before (64 zeros for the first);
 * - chain_sha256 = sha256(prev_sha256 || sha256(canonical text of the row)), where the
 *   canonical text is id|case_id|observation_id|kind|at (UTC, microseconds)|detail::text.
 *   src/evidence/verify-case-events.ts recomputes it; both must stay in step.
 * Existing rows are chained in id order.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table case_events add column chain_seq bigint, add column prev_sha256 text, add column chain_sha256 text`.execute(
    db,
  );
  await sql`
    create function case_event_text(e case_events) returns text language sql stable as $$
      select concat_ws('|', e.id::text, e.case_id::text, coalesce(e.observation_id::text, ''), e.kind,
        to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.detail::text)
    $$`.execute(db);
  await sql`
    create function case_event_link(prev text, e case_events) returns text language sql stable as $$
      select encode(sha256(convert_to(prev || encode(sha256(convert_to(case_event_text(e), 'UTF8')), 'hex'), 'UTF8')), 'hex')
    $$`.execute(db);
  // Backfill: the append-only trigger refuses updates, so it is off for this one statement loop.
  await sql`alter table case_events disable trigger case_events_no_update_delete`.execute(db);
  await sql`
    do $$
    declare
      r case_events;
      prev text := repeat('0', 64);
      seq bigint := 0;
    begin
      for r in select * from case_events order by id loop
        seq := seq + 1;
        update case_events set chain_seq = seq, prev_sha256 = prev, chain_sha256 = case_event_link(prev, r)
          where id = r.id;
        prev := case_event_link(prev, r);
      end loop;
    end $$`.execute(db);
  await sql`alter table case_events enable trigger case_events_no_update_delete`.execute(db);
  await sql`alter table case_events alter column chain_seq set not null, alter column prev_sha256 set not null, alter column chain_sha256 set not null`.execute(
    db,
  );
  await sql`create unique index case_events_chain_seq on case_events (chain_seq)`.execute(db);
  await sql`
    create function case_events_chain() returns trigger language plpgsql as $$
    declare
      last case_events;
    begin
      -- One writer at a time extends the chain; the lock is held until commit.
      perform pg_advisory_xact_lock(hashtext(tg_table_schema || '.case_events chain'));
      select * into last from case_events order by chain_seq desc limit 1;
      new.chain_seq := coalesce(last.chain_seq, 0) + 1;
      new.prev_sha256 := coalesce(last.chain_sha256, repeat('0', 64));
      new.chain_sha256 := case_event_link(new.prev_sha256, new);
      return new;
    end $$`.execute(db);
  await sql`
    create trigger case_events_chain before insert on case_events
    for each row execute function case_events_chain()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists case_events_chain on case_events`.execute(db);
  await sql`drop function if exists case_events_chain()`.execute(db);
  await sql`drop index if exists case_events_chain_seq`.execute(db);
  await sql`alter table case_events drop column chain_seq, drop column prev_sha256, drop column chain_sha256`.execute(db);
  await sql`drop function if exists case_event_link(text, case_events)`.execute(db);
  await sql`drop function if exists case_event_text(case_events)`.execute(db);
}
