/**
 * finding_summary: the Findings page's groups kept on write, so a request reads one row per
 * listing and seller instead of unpacking every read's finding JSON (issue 12: ~120,000
 * seller items took ~2 s per request at 100,000 cases).
 *
 * One row per (kind, listing, seller key): reads, first and last seen, whether any read had
 * the offer below MAP, the latest read (and the seller's spelling there), and the lowest
 * price with the order the page uses (numeric amount ascending, nulls last; then newest).
 * `map_evasion` rows have seller_key '': that group is the listing's reseller, named when
 * the page is read (a renamed reseller regroups), as are sites and resellers.
 *
 * Kept exact by triggers on findings, in the transaction of the write:
 * - insert (the only write the app makes): the new rows aggregated and merged in one
 *   upsert per key. Each finding is one read (unique per observation and kind), so read
 *   counts add up;
 * - update, delete and truncate, or an evading read's price corrected in place on its
 *   observation (never done by the app; a manual fix stays exact): the
 *   touched listings' rows are rebuilt from findings by finding_summary_rebuild(ids), the
 *   same function that backfills existing rows here (null: every listing).
 * The item rules (seller key = lower(trim(name)), numeric amounts only sort, evasion price
 * from its read) are written once below and used by both paths.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

/** The finding items of `src` (a relation with findings' columns), one per seller per read. */
const items = (src: string) => `
  select f.kind, f.listing_id, lower(btrim(e.value->>'seller')) as seller_key, e.value->>'seller' as seller,
    f.id as fid, e.ord, f.observation_id, f.at,
    case when e.value->>'amount' ~ '^[0-9]+(\\.[0-9]+)?$' then (e.value->>'amount')::numeric end as sort_amount,
    jsonb_build_array(e.value->>'amount', e.value->>'currency') as price,
    -- Anything but a JSON boolean counts as not below MAP (a bad value must not fail the read's write).
    coalesce(case when jsonb_typeof(e.value->'below_map') = 'boolean' then (e.value->'below_map')::boolean end, false) as below_map
  from ${src} f
  cross join lateral jsonb_array_elements(
    case when jsonb_typeof(f.detail->'sellers') = 'array' then f.detail->'sellers' else '[]'::jsonb end)
    with ordinality e(value, ord)
  where f.kind = 'unauthorized_seller' and coalesce(btrim(e.value->>'seller'), '') <> ''
  union all
  select f.kind, f.listing_id, '', null, f.id, 1, f.observation_id, f.at,
    o.amount_minor::numeric, jsonb_build_array(o.amount_minor, o.currency), false
  from ${src} f join observations o on o.id = f.observation_id
  where f.kind = 'map_evasion'`;

const COLUMNS = `kind, listing_id, seller_key, seller, reads, below_map, first_seen, last_seen, latest_finding_id,
  latest_observation_id, lowest_sort, lowest_at, lowest_finding_id, lowest`;

/** The summary rows of `src`'s findings: newest by (at, finding id, item order); lowest by amount, then newest. */
const aggregate = (src: string) => `
  select kind, listing_id, seller_key,
    (array_agg(seller order by at desc, fid desc, ord))[1],
    count(distinct observation_id)::int,
    bool_or(below_map),
    min(at), max(at),
    (array_agg(fid order by at desc, fid desc, ord))[1],
    (array_agg(observation_id order by at desc, fid desc, ord))[1],
    (array_agg(sort_amount order by sort_amount nulls last, at desc, fid desc, ord))[1],
    (array_agg(at order by sort_amount nulls last, at desc, fid desc, ord))[1],
    (array_agg(fid order by sort_amount nulls last, at desc, fid desc, ord))[1],
    (array_agg(price order by sort_amount nulls last, at desc, fid desc, ord))[1]
  from (${items(src)}) i
  group by kind, listing_id, seller_key`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table finding_summary (
      kind text not null,
      listing_id integer not null references listings(id) on delete cascade,
      seller_key text not null,
      seller text,
      reads integer not null,
      below_map boolean not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      latest_finding_id integer not null,
      latest_observation_id integer not null,
      lowest_sort numeric,
      lowest_at timestamptz not null,
      lowest_finding_id integer not null,
      lowest jsonb not null,
      primary key (kind, listing_id, seller_key)
    )`.execute(db);
  await sql`create index finding_summary_last_seen on finding_summary (last_seen desc)`.execute(db);

  await sql`
    create function finding_summary_rebuild(ids integer[]) returns void language plpgsql as $$
    begin
      delete from finding_summary where ids is null or listing_id = any(ids);
      insert into finding_summary (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('(select * from findings where ids is null or listing_id = any(ids))'))};
    end $$`.execute(db);

  // The merge keeps the same orders as the aggregate: a newer (last_seen, finding id) brings its
  // seller spelling and read; a lower amount (or the same amount, newer) brings its price.
  const newer = `(excluded.last_seen, excluded.latest_finding_id) > (fs.last_seen, fs.latest_finding_id)`;
  const lower = `case
      when excluded.lowest_sort is null and fs.lowest_sort is not null then false
      when excluded.lowest_sort is not null and fs.lowest_sort is null then true
      when excluded.lowest_sort <> fs.lowest_sort then excluded.lowest_sort < fs.lowest_sort
      else (excluded.lowest_at, excluded.lowest_finding_id) > (fs.lowest_at, fs.lowest_finding_id) end`;
  const pick = (col: string, cond: string) => `${col} = case when ${cond} then excluded.${col} else fs.${col} end`;
  await sql`
    create function finding_summary_add() returns trigger language plpgsql as $$
    begin
      insert into finding_summary as fs (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('new_findings'))}
      on conflict (kind, listing_id, seller_key) do update set
        reads = fs.reads + excluded.reads,
        below_map = fs.below_map or excluded.below_map,
        first_seen = least(fs.first_seen, excluded.first_seen),
        ${sql.raw(['seller', 'latest_observation_id', 'last_seen', 'latest_finding_id'].map((c) => pick(c, newer)).join(',\n        '))},
        ${sql.raw(['lowest_sort', 'lowest', 'lowest_at', 'lowest_finding_id'].map((c) => pick(c, lower)).join(',\n        '))};
      return null;
    end $$`.execute(db);
  await sql`
    create function finding_summary_redo() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        delete from finding_summary;
      elsif tg_op = 'DELETE' then
        perform finding_summary_rebuild(array(select distinct listing_id from old_findings));
      else
        perform finding_summary_rebuild(array(
          select listing_id from old_findings union select listing_id from new_findings));
      end if;
      return null;
    end $$`.execute(db);
  // An evading read's price lives on its observation; a read corrected in place (never done by
  // the app) rebuilds the listings whose evasion findings point at it.
  await sql`
    create function finding_summary_read_changed() returns trigger language plpgsql as $$
    begin
      perform finding_summary_rebuild(array(
        select distinct f.listing_id from old_reads o join new_reads n on n.id = o.id
        join findings f on f.observation_id = n.id and f.kind = 'map_evasion'
        where (o.amount_minor, o.currency) is distinct from (n.amount_minor, n.currency)));
      return null;
    end $$`.execute(db);
  await sql`
    create trigger finding_summary_read_update after update on observations
    referencing old table as old_reads new table as new_reads
    for each statement execute function finding_summary_read_changed()`.execute(db);
  await sql`
    create trigger finding_summary_insert after insert on findings
    referencing new table as new_findings for each statement execute function finding_summary_add()`.execute(db);
  await sql`
    create trigger finding_summary_update after update on findings
    referencing old table as old_findings new table as new_findings
    for each statement execute function finding_summary_redo()`.execute(db);
  await sql`
    create trigger finding_summary_delete after delete on findings
    referencing old table as old_findings for each statement execute function finding_summary_redo()`.execute(db);
  await sql`
    create trigger finding_summary_truncate after truncate on findings
    for each statement execute function finding_summary_redo()`.execute(db);

  await sql`select finding_summary_rebuild(null)`.execute(db);
  await sql`analyze finding_summary`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists finding_summary_read_update on observations`.execute(db);
  await sql`drop function if exists finding_summary_read_changed()`.execute(db);
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql`drop trigger if exists ${sql.raw(`finding_summary_${t}`)} on findings`.execute(db);
  await sql`drop function if exists finding_summary_redo()`.execute(db);
  await sql`drop function if exists finding_summary_add()`.execute(db);
  await sql`drop function if exists finding_summary_rebuild(integer[])`.execute(db);
  await sql`drop table if exists finding_summary`.execute(db);
}
