/**
 * finding_group_sites: the Findings page's groups summed per site, kept on write, so a request
 * reads a few rows per group instead of grouping every finding_summary row (issue 12: ~15,500
 * rows grouped on every request, ~570 ms at 100,000 cases).
 *
 * One row per (kind, seller key, site): the finding_summary rows (one per listing) of that
 * site's listings, added up — listings, reads, listings below MAP, first and last seen, the
 * latest row (its seller spelling, read and listing) and the lowest price, with the orders the
 * page uses (latest: last seen, then finding id; lowest: amount ascending, nulls last, then
 * newest). The site, not the group alone, is in the key because:
 * - the page's site and reseller filters, and its lists of sites and resellers, stay exact;
 * - a `map_evasion` or `grey_market` group is the listing's reseller (seller key ''), which is
 *   named, and found from the site, when the page is read: a renamed reseller, or a site given
 *   to another reseller, regroups without touching this table.
 *
 * Kept exact by statement triggers on finding_summary, in the transaction of the write (this
 * migration leaves finding_summary's own functions alone):
 * - insert (a new listing and seller): merged in one upsert per key;
 * - update, which the summary's upsert makes as reads arrive and which only grows a row (more
 *   reads, newer, cheaper, below MAP now): the difference is merged the same way; any other
 *   update (never made by the app) rebuilds the keys it touched;
 * - delete (finding_summary_rebuild deletes a listing's rows and inserts them again) rebuilds
 *   the keys it touched at their listing's site; truncate empties the table;
 * - a listing moved to another site or deleted (never done by the app) rebuilds the rows of
 *   its old and new site, by a trigger on listings.
 * Locks are taken in key order, so two writers touching the same groups wait, never deadlock.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

const COLUMNS = `kind, seller_key, site_id, seller, listings, reads, below_map_listings, first_seen, last_seen,
  latest_finding_id, latest_observation_id, latest_listing_id, lowest_sort, lowest_at, lowest_finding_id, lowest`;

/** The orders of finding_summary's rows within a group: newest first; lowest price first, then newest. */
const LATEST = `order by fs.last_seen desc, fs.latest_finding_id desc`;
const LOWEST = `order by fs.lowest_sort asc nulls last, fs.lowest_at desc, fs.lowest_finding_id desc`;

/** The rows of `src` (finding_summary's columns, as fs) summed per kind, seller key and site, in key order. */
const aggregate = (src: string, where = 'true') => `
  select fs.kind, fs.seller_key, l.site_id,
    (array_agg(fs.seller ${LATEST}))[1],
    count(*)::int, sum(fs.reads)::bigint, (count(*) filter (where fs.below_map))::int,
    min(fs.first_seen), max(fs.last_seen),
    (array_agg(fs.latest_finding_id ${LATEST}))[1],
    (array_agg(fs.latest_observation_id ${LATEST}))[1],
    (array_agg(fs.listing_id ${LATEST}))[1],
    (array_agg(fs.lowest_sort ${LOWEST}))[1],
    (array_agg(fs.lowest_at ${LOWEST}))[1],
    (array_agg(fs.lowest_finding_id ${LOWEST}))[1],
    (array_agg(fs.lowest ${LOWEST}))[1]
  from ${src} fs join listings l on l.id = fs.listing_id
  where ${where}
  group by fs.kind, fs.seller_key, l.site_id
  order by fs.kind, fs.seller_key, l.site_id`;

/** `a` comes before `b` in a group's order of lowest prices (a strictly lower amount, or as low and newer). */
const lowerThan = (a: string, b: string) => `(case
    when ${a}.lowest_sort is null and ${b}.lowest_sort is not null then false
    when ${a}.lowest_sort is not null and ${b}.lowest_sort is null then true
    when ${a}.lowest_sort <> ${b}.lowest_sort then ${a}.lowest_sort < ${b}.lowest_sort
    else (${a}.lowest_at, ${a}.lowest_finding_id) > (${b}.lowest_at, ${b}.lowest_finding_id) end)`;
const newerThan = (a: string, b: string) =>
  `((${a}.last_seen, ${a}.latest_finding_id) > (${b}.last_seen, ${b}.latest_finding_id))`;

/**
 * Merge summed rows (as excluded) into the table (as g): counts add up (`sign` -1 takes a row's
 * old figures away first), first seen is the least, the newer latest and the lower lowest win.
 */
const MERGE = `on conflict (kind, seller_key, site_id) do update set
    listings = g.listings + excluded.listings,
    reads = g.reads + excluded.reads,
    below_map_listings = g.below_map_listings + excluded.below_map_listings,
    first_seen = least(g.first_seen, excluded.first_seen),
    ${['seller', 'last_seen', 'latest_finding_id', 'latest_observation_id', 'latest_listing_id']
      .map((c) => `${c} = case when ${newerThan('excluded', 'g')} then excluded.${c} else g.${c} end`)
      .join(',\n    ')},
    ${['lowest_sort', 'lowest_at', 'lowest_finding_id', 'lowest']
      .map((c) => `${c} = case when ${lowerThan('excluded', 'g')} then excluded.${c} else g.${c} end`)
      .join(',\n    ')}`;

/** The keys (kind, seller key, site) of `src`'s rows whose listing still exists. */
const keysOf = (src: string) => `select distinct x.kind, x.seller_key, l.site_id
  from ${src} x join listings l on l.id = x.listing_id`;

/** Rebuild the table's rows for the keys in `keys` (a query of kind, seller_key, site_id) from finding_summary. */
const rebuildKeys = (keys: string) => `
      delete from finding_group_sites g
        where (g.kind, g.seller_key, g.site_id) in (${keys});
      insert into finding_group_sites (${COLUMNS})
      ${aggregate('finding_summary', `(fs.kind, fs.seller_key, l.site_id) in (${keys})`)};`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table finding_group_sites (
      kind text not null,
      seller_key text not null,
      site_id integer not null references sites(id) on delete cascade,
      seller text,
      listings integer not null,
      reads bigint not null,
      below_map_listings integer not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      latest_finding_id integer not null,
      latest_observation_id integer not null,
      latest_listing_id integer not null,
      lowest_sort numeric,
      lowest_at timestamptz not null,
      lowest_finding_id integer not null,
      lowest jsonb not null,
      primary key (kind, seller_key, site_id)
    )`.execute(db);

  // Every row of the given sites (null: every site) from finding_summary: the backfill below,
  // a listing moved or deleted, and the tests' from-scratch comparison.
  await sql`
    create function finding_group_sites_rebuild(site_ids integer[]) returns void language plpgsql as $$
    begin
      delete from finding_group_sites where site_ids is null or site_id = any(site_ids);
      insert into finding_group_sites (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('finding_summary', 'site_ids is null or l.site_id = any(site_ids)'))};
    end $$`.execute(db);

  await sql`
    create function finding_group_sites_add() returns trigger language plpgsql as $$
    begin
      if not exists (select 1 from new_rows) then return null; end if;
      insert into finding_group_sites as g (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('new_rows'))}
      ${sql.raw(MERGE)};
      return null;
    end $$`.execute(db);

  // An update that only grows a row (the summary's upsert as reads arrive): its new figures
  // are merged and its old counts taken away, which is exact because a grown row's latest,
  // lowest and first seen are each at least as far along as the old ones the group already
  // holds. Any other update is rebuilt from finding_summary, key by key.
  const grown = `o.kind = n.kind and o.seller_key = n.seller_key and o.listing_id = n.listing_id
    and n.first_seen <= o.first_seen and (n.below_map or not o.below_map)
    and (${newerThan('n', 'o')} or (n.last_seen, n.latest_finding_id, n.latest_observation_id, n.seller)
         is not distinct from (o.last_seen, o.latest_finding_id, o.latest_observation_id, o.seller))
    and (${lowerThan('n', 'o')} or (n.lowest_sort, n.lowest_at, n.lowest_finding_id, n.lowest)
         is not distinct from (o.lowest_sort, o.lowest_at, o.lowest_finding_id, o.lowest))`;
  const oldOnly = `select o.* from old_rows o where not exists (select 1 from new_rows n where ${grown})`;
  const newOnly = `select n.* from new_rows n where not exists (select 1 from old_rows o where ${grown})`;
  await sql`
    create function finding_group_sites_grow() returns trigger language plpgsql as $$
    begin
      if not exists (select 1 from new_rows) then return null; end if;
      insert into finding_group_sites as g (${sql.raw(COLUMNS)})
      select n.kind, n.seller_key, l.site_id, (array_agg(n.seller order by n.last_seen desc, n.latest_finding_id desc))[1],
        0, sum(n.reads - o.reads)::bigint, (count(*) filter (where n.below_map and not o.below_map))::int,
        min(n.first_seen), max(n.last_seen),
        (array_agg(n.latest_finding_id order by n.last_seen desc, n.latest_finding_id desc))[1],
        (array_agg(n.latest_observation_id order by n.last_seen desc, n.latest_finding_id desc))[1],
        (array_agg(n.listing_id order by n.last_seen desc, n.latest_finding_id desc))[1],
        (array_agg(n.lowest_sort order by n.lowest_sort asc nulls last, n.lowest_at desc, n.lowest_finding_id desc))[1],
        (array_agg(n.lowest_at order by n.lowest_sort asc nulls last, n.lowest_at desc, n.lowest_finding_id desc))[1],
        (array_agg(n.lowest_finding_id order by n.lowest_sort asc nulls last, n.lowest_at desc, n.lowest_finding_id desc))[1],
        (array_agg(n.lowest order by n.lowest_sort asc nulls last, n.lowest_at desc, n.lowest_finding_id desc))[1]
      from old_rows o join new_rows n on (n.kind, n.listing_id, n.seller_key) = (o.kind, o.listing_id, o.seller_key)
      join listings l on l.id = n.listing_id
      where ${sql.raw(grown)}
      group by n.kind, n.seller_key, l.site_id
      order by n.kind, n.seller_key, l.site_id
      ${sql.raw(MERGE)};
      -- Rows that did not grow (or a key changed by hand): keyed by finding_summary's key, each
      -- side's rows without a grown row on the other side are rebuilt at their listing's site.
      if exists (${sql.raw(oldOnly)}) or exists (${sql.raw(newOnly)}) then
        ${sql.raw(rebuildKeys(`select kind, seller_key, site_id from (${keysOf(`(${oldOnly})`)} union ${keysOf(`(${newOnly})`)}) k`))}
      end if;
      return null;
    end $$`.execute(db);

  await sql`
    create function finding_group_sites_redo() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        delete from finding_group_sites;
      -- finding_summary_rebuild runs on every update of observations, mostly with no listing.
      elsif exists (select 1 from old_rows) then
        -- A row whose listing is gone (deleted with it) is rebuilt by the listing's own trigger.
        ${sql.raw(rebuildKeys(keysOf('old_rows')))}
      end if;
      return null;
    end $$`.execute(db);

  // A listing moved to another site takes its rows there; a deleted listing takes them away.
  // Moves are one row at a time (like observations_site_moved); deletes once per statement, so
  // a site deleted with its listings rebuilds once, not once per listing.
  await sql`
    create function finding_group_sites_listing_moved() returns trigger language plpgsql as $$
    begin
      perform finding_group_sites_rebuild(array[old.site_id, new.site_id]);
      return null;
    end $$`.execute(db);
  await sql`
    create function finding_group_sites_listings_deleted() returns trigger language plpgsql as $$
    begin
      perform finding_group_sites_rebuild(array(select distinct site_id from old_listings));
      return null;
    end $$`.execute(db);

  await sql`
    create trigger finding_group_sites_insert after insert on finding_summary
    referencing new table as new_rows for each statement execute function finding_group_sites_add()`.execute(db);
  await sql`
    create trigger finding_group_sites_update after update on finding_summary
    referencing old table as old_rows new table as new_rows
    for each statement execute function finding_group_sites_grow()`.execute(db);
  await sql`
    create trigger finding_group_sites_delete after delete on finding_summary
    referencing old table as old_rows for each statement execute function finding_group_sites_redo()`.execute(db);
  await sql`
    create trigger finding_group_sites_truncate after truncate on finding_summary
    for each statement execute function finding_group_sites_redo()`.execute(db);
  await sql`
    create trigger finding_group_sites_listing_moved after update of site_id on listings
    for each row when (old.site_id is distinct from new.site_id)
    execute function finding_group_sites_listing_moved()`.execute(db);
  await sql`
    create trigger finding_group_sites_listings_deleted after delete on listings
    referencing old table as old_listings
    for each statement execute function finding_group_sites_listings_deleted()`.execute(db);

  await sql`select finding_group_sites_rebuild(null)`.execute(db);
  await sql`analyze finding_group_sites`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql`drop trigger if exists ${sql.raw(`finding_group_sites_${t}`)} on finding_summary`.execute(db);
  for (const t of ['listing_moved', 'listings_deleted'])
    await sql`drop trigger if exists ${sql.raw(`finding_group_sites_${t}`)} on listings`.execute(db);
  for (const f of ['listings_deleted()', 'listing_moved()', 'redo()', 'grow()', 'add()', 'rebuild(integer[])'])
    await sql`drop function if exists ${sql.raw(`finding_group_sites_${f}`)}`.execute(db);
  await sql`drop table if exists finding_group_sites`.execute(db);
}
