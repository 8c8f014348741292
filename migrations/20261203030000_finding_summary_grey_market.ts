/**
 * finding_summary (migrations/20261202010000) learns two things of issue 16:
 * - `grey_market` findings (below dealer cost, another brand on the OEM's GTIN, a foreign
 *   GTIN prefix, "compatible with" wording) get summary rows like `map_evasion`: one per
 *   listing, seller key '', the price of the read that saw them; their group is the reseller;
 * - an unauthorized seller is keyed by its identity when the read gave one: its seller group
 *   (`group:` + name), else its storefront or marketplace id (`url:…`, `id:…`), else its name
 *   as before (lower(trim(name))), so findings from before this migration keep their groups.
 * The functions are replaced whole (their bodies are copies of the shipped ones with the new
 * item rules) and every row is rebuilt once. down() puts the shipped bodies back.
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

const SELLER_KEY = {
  before: `lower(btrim(e.value->>'seller'))`,
  after: `coalesce(
      'group:' || lower(btrim(nullif(e.value->>'group', ''))),
      case when e.value->>'key' ~ '^(url|id):' then e.value->>'key' end,
      lower(btrim(e.value->>'seller')))`,
};
const PRICED_KINDS = { before: `('map_evasion')`, after: `('map_evasion', 'grey_market')` };
type Version = keyof typeof SELLER_KEY;

const items = (src: string, v: Version) => `
  select f.kind, f.listing_id, ${SELLER_KEY[v]} as seller_key, e.value->>'seller' as seller,
    f.id as fid, e.ord, f.observation_id, f.at,
    case when e.value->>'amount' ~ '^[0-9]+(\\.[0-9]+)?$' then (e.value->>'amount')::numeric end as sort_amount,
    jsonb_build_array(e.value->>'amount', e.value->>'currency') as price,
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
  where f.kind in ${PRICED_KINDS[v]}`;

const COLUMNS = `kind, listing_id, seller_key, seller, reads, below_map, first_seen, last_seen, latest_finding_id,
  latest_observation_id, lowest_sort, lowest_at, lowest_finding_id, lowest`;

const aggregate = (src: string, v: Version) => `
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
  from (${items(src, v)}) i
  group by kind, listing_id, seller_key`;

async function install(db: Kysely<any>, v: Version): Promise<void> {
  await sql`
    create or replace function finding_summary_rebuild(ids integer[]) returns void language plpgsql as $$
    begin
      delete from finding_summary where ids is null or listing_id = any(ids);
      insert into finding_summary (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('(select * from findings where ids is null or listing_id = any(ids))', v))};
    end $$`.execute(db);
  const newer = `(excluded.last_seen, excluded.latest_finding_id) > (fs.last_seen, fs.latest_finding_id)`;
  const lower = `case
      when excluded.lowest_sort is null and fs.lowest_sort is not null then false
      when excluded.lowest_sort is not null and fs.lowest_sort is null then true
      when excluded.lowest_sort <> fs.lowest_sort then excluded.lowest_sort < fs.lowest_sort
      else (excluded.lowest_at, excluded.lowest_finding_id) > (fs.lowest_at, fs.lowest_finding_id) end`;
  const pick = (col: string, cond: string) => `${col} = case when ${cond} then excluded.${col} else fs.${col} end`;
  await sql`
    create or replace function finding_summary_add() returns trigger language plpgsql as $$
    begin
      insert into finding_summary as fs (${sql.raw(COLUMNS)})
      ${sql.raw(aggregate('new_findings', v))}
      on conflict (kind, listing_id, seller_key) do update set
        reads = fs.reads + excluded.reads,
        below_map = fs.below_map or excluded.below_map,
        first_seen = least(fs.first_seen, excluded.first_seen),
        ${sql.raw(['seller', 'latest_observation_id', 'last_seen', 'latest_finding_id'].map((c) => pick(c, newer)).join(',\n        '))},
        ${sql.raw(['lowest_sort', 'lowest', 'lowest_at', 'lowest_finding_id'].map((c) => pick(c, lower)).join(',\n        '))};
      return null;
    end $$`.execute(db);
  await sql`
    create or replace function finding_summary_read_changed() returns trigger language plpgsql as $$
    begin
      perform finding_summary_rebuild(array(
        select distinct f.listing_id from old_reads o join new_reads n on n.id = o.id
        join findings f on f.observation_id = n.id and f.kind in ${sql.raw(PRICED_KINDS[v])}
        where (o.amount_minor, o.currency) is distinct from (n.amount_minor, n.currency)));
      return null;
    end $$`.execute(db);
  await sql`select finding_summary_rebuild(null)`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await install(db, 'after');
}

export async function down(db: Kysely<any>): Promise<void> {
  await install(db, 'before');
}
