/**
 * Findings grouped by seller, for the review app's Findings page, `/api/v1/findings` and its
 * CSV: one row per unauthorized marketplace seller (across every listing and site it was
 * seen on) and one per reseller that hides its price (MAP evasion), with how many listings
 * and reads carried it, its lowest price, the sites, and the latest read as evidence.
 * `list-findings.ts` keeps the per-listing view the CLI and the digest print.
 *
 * Grouping, filtering and paging happen in SQL (a seller can appear on thousands of reads);
 * the cursor is the row's sort key: last seen (microseconds), kind, seller key.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { fromMinorUnits } from '../normalize/currency.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';
import type { FindingKind } from './list-findings.js';

export interface FindingGroup {
  kind: FindingKind;
  /** The seller's name as the latest read states it (an evading reseller's own name): untrusted text. */
  seller: string;
  listings: number;
  reads: number;
  /** Listings where the seller's offer was below MAP on some read (unauthorized sellers only). */
  belowMapListings: number;
  /** Lowest price seen, in major units, with its currency (null: no price, e.g. hidden and never revealed). */
  lowestAmount: string | null;
  currency: string | null;
  sites: string[];
  resellers: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** The latest read that carried the finding: what a reviewer opens first. */
  latest: { observationId: number; url: string; site: string; sku: string; evidenceId: number | null };
}

export interface FindingGroupFilter {
  kind?: FindingKind;
  /** Only groups seen at or after this time. */
  since?: Date;
  /** Seller name contains (case-insensitive). */
  q?: string;
  site?: string;
  reseller?: string;
}

interface GroupRow {
  kind: FindingKind;
  seller_key: string;
  seller: string;
  listings: number | string;
  reads: number | string;
  below_map_listings: number | string;
  lowest: unknown;
  sites: string[];
  resellers: string[];
  first_seen: Date;
  last_seen: Date;
  last_us: number | string;
  latest_obs: number;
  latest_listing: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listFindingGroups(
  db: Kysely<Database>,
  o: FindingGroupFilter & { limit: number; cursor?: string },
): Promise<CursorPage<FindingGroup>> {
  const cur = o.cursor ? decodeCursor(o.cursor, 3) : null;
  const since = o.since ?? null;
  const siteFilter = o.site ?? null;
  const resellerFilter = o.reseller ?? null;
  // One row per seller per read: unauthorized sellers unnest the finding's seller list; an
  // evading page is its own reseller's doing.
  const items = sql`
    select 'unauthorized_seller' as kind, lower(btrim(e.value->>'seller')) as seller_key, e.value->>'seller' as seller,
      f.at, f.id as fid, f.observation_id, f.listing_id, s.name as site, r.name as reseller,
      case when e.value->>'amount' ~ '^[0-9]+(\\.[0-9]+)?$' then (e.value->>'amount')::numeric end as sort_amount,
      json_build_array(e.value->>'amount', e.value->>'currency') as price,
      coalesce((e.value->>'below_map')::boolean, false) as below_map
    from findings f
    cross join lateral jsonb_array_elements(
      case when jsonb_typeof(f.detail->'sellers') = 'array' then f.detail->'sellers' else '[]'::jsonb end) e
    join listings l on l.id = f.listing_id join sites s on s.id = l.site_id join resellers r on r.id = s.reseller_id
    where f.kind = 'unauthorized_seller' and coalesce(btrim(e.value->>'seller'), '') <> ''
    union all
    select 'map_evasion', lower(r.name), r.name, f.at, f.id, f.observation_id, f.listing_id, s.name, r.name,
      o.amount_minor::numeric, json_build_array(o.amount_minor, o.currency), false
    from findings f join observations o on o.id = f.observation_id
    join listings l on l.id = f.listing_id join sites s on s.id = l.site_id join resellers r on r.id = s.reseller_id
    where f.kind = 'map_evasion'`;
  // jsonb_array_elements is estimated at 100 rows per finding, which makes the planner think
  // the query is huge and JIT-compile it: compiling costs more than the query (measured 2x at
  // 50,000 findings, bench/pages-lists.ts). Off for this one statement's transaction.
  const { rows } = await db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return sql<GroupRow>`
    with items as (${items}),
    filtered as (
      select * from items
      where (${o.kind ?? null}::text is null or kind = ${o.kind ?? null})
        and (${siteFilter}::text is null or site = ${siteFilter})
        and (${resellerFilter}::text is null or reseller = ${resellerFilter})
        and (${o.q ? `%${likeEscape(o.q.toLowerCase())}%` : null}::text is null
             or seller_key like ${o.q ? `%${likeEscape(o.q.toLowerCase())}%` : null})
    ),
    -- The page's groups first, by the cheap sort key alone; the costly aggregates only for them.
    keys as (
      select * from (
        select kind, seller_key, max(at) as last_seen, (extract(epoch from max(at)) * 1000000)::bigint as last_us
        from filtered group by kind, seller_key
      ) k
      where (${since}::timestamptz is null or last_seen >= ${since})
        and (${cur ? 1 : 0}::int = 0 or last_us < ${cur?.[0] ?? 0}::bigint
             or (last_us = ${cur?.[0] ?? 0}::bigint and (kind, seller_key) > (${cur?.[1] ?? ''}::text, ${cur?.[2] ?? ''}::text)))
      order by last_us desc, kind, seller_key
      limit ${o.limit + 1}
    ),
    groups as (
      select f.kind, f.seller_key,
        (array_agg(seller order by at desc, fid desc))[1] as seller,
        count(distinct listing_id) as listings,
        count(distinct observation_id) as reads,
        count(distinct listing_id) filter (where below_map) as below_map_listings,
        (array_agg(price order by sort_amount asc nulls last, at desc))[1] as lowest,
        array_agg(distinct site order by site) as sites,
        array_agg(distinct reseller order by reseller) as resellers,
        min(at) as first_seen,
        (array_agg(observation_id order by at desc, fid desc))[1] as latest_obs,
        (array_agg(listing_id order by at desc, fid desc))[1] as latest_listing
      from filtered f
      where (f.kind, f.seller_key) in (select kind, seller_key from keys)
      group by f.kind, f.seller_key
    )
    select g.*, k.last_seen, k.last_us from groups g join keys k on k.kind = g.kind and k.seller_key = g.seller_key
    order by k.last_us desc, g.kind, g.seller_key`.execute(trx);
  });

  const obsIds = rows.map((r) => r.latest_obs);
  const latest = obsIds.length
    ? await db
        .selectFrom('observations as o')
        .innerJoin('listings as l', 'l.id', 'o.listing_id')
        .innerJoin('sites as s', 's.id', 'l.site_id')
        .innerJoin('products as p', 'p.id', 'l.product_id')
        .leftJoin('evidence as ev', 'ev.observation_id', 'o.id')
        .select(['o.id', 'l.url', 's.name as site', 'p.sku', 'ev.id as evidence_id'])
        .where('o.id', 'in', obsIds)
        .execute()
    : [];
  const byObs = new Map(latest.map((l) => [l.id, l]));
  const page = toCursorPage(rows, o.limit, (r) => [Number(r.last_us), r.kind, r.seller_key]);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => {
      const l = byObs.get(r.latest_obs);
      const price = (typeof r.lowest === 'string' ? JSON.parse(r.lowest) : r.lowest) as [unknown, unknown] | null;
      let lowestAmount: string | null = null;
      let currency: string | null = null;
      if (price && typeof price[1] === 'string') {
        currency = price[1];
        if (r.kind === 'unauthorized_seller' && typeof price[0] === 'string') lowestAmount = price[0];
        else if (typeof price[0] === 'number') lowestAmount = fromMinorUnits(price[0], currency);
      }
      return {
        kind: r.kind,
        seller: r.seller,
        listings: Number(r.listings),
        reads: Number(r.reads),
        belowMapListings: Number(r.below_map_listings),
        lowestAmount,
        currency: lowestAmount === null ? null : currency,
        sites: r.sites,
        resellers: r.resellers,
        firstSeenAt: new Date(r.first_seen),
        lastSeenAt: new Date(r.last_seen),
        latest: {
          observationId: r.latest_obs,
          url: l?.url ?? '',
          site: l?.site ?? '',
          sku: l?.sku ?? '',
          evidenceId: l?.evidence_id ?? null,
        },
      };
    }),
  };
}
