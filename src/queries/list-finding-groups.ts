/**
 * Findings grouped by seller, for the review app's Findings page, `/api/v1/findings` and its
 * CSV: one row per unauthorized marketplace seller (across every listing and site it was
 * seen on; one per seller group or storefront when known, see migrations/20261203030000),
 * one per reseller that hides its price (MAP evasion) and one per reseller whose listings
 * show grey-market signals (never MAP violations), with how many listings
 * and reads carried it, its lowest price, the sites, and the latest read as evidence.
 * `list-findings.ts` keeps the per-listing view the CLI and the digest print.
 *
 * Grouping, filtering and paging happen in SQL over finding_group_sites, one row per group
 * and site kept on write (a seller can appear on thousands of reads: unpacking them on every
 * request took ~2 s at 100,000 cases, and grouping the ~15,500 rows per listing ~0.5 s); the
 * cursor is the row's sort key: last seen (microseconds), kind, seller key.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { fromMinorUnits } from '../normalize/currency.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';
import { describeSignal } from './describe-finding.js';
import { type FindingEvidenceRef, loadFindingEvidenceRefs } from './finding-evidence-refs.js';
import { type FindingKind, greySignals, sellerKey } from './list-findings.js';

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
  /**
   * The stored page that proves the latest read's finding: its own capture, or for an unauthorized
   * seller the day's capture that showed the seller on that listing (record-finding-evidence.ts).
   */
  evidence: FindingEvidenceRef | null;
  /** What the latest read said: a grey-market read's signals, an unauthorized seller's storefront and group. */
  signals: string[];
  storefrontUrl: string | null;
  group: string | null;
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
  const q = o.q ? `%${likeEscape(o.q.toLowerCase())}%` : null;
  // finding_group_sites holds one row per kind, seller key and site (kept exact on write by
  // the triggers of migrations/20261204020000), so a page adds up a few rows per group, never
  // one per listing. Site and reseller filters stay exact because a row is one site's, and
  // names come from the joins, as they are now. An evading listing's group is its reseller.
  const { rows } = await sql<GroupRow>`
    with filtered as (
      select g.kind,
        case when g.kind in ('map_evasion', 'grey_market') then lower(r.name) else g.seller_key end as seller_key,
        case when g.kind in ('map_evasion', 'grey_market') then r.name else g.seller end as seller,
        g.listings, g.reads, g.below_map_listings, g.first_seen, g.last_seen, g.latest_finding_id,
        g.latest_observation_id, g.latest_listing_id, g.lowest_sort, g.lowest_at, g.lowest_finding_id, g.lowest,
        s.name as site, r.name as reseller
      from finding_group_sites g join sites s on s.id = g.site_id join resellers r on r.id = s.reseller_id
      where (${o.kind ?? null}::text is null or g.kind = ${o.kind ?? null})
        and (${siteFilter}::text is null or s.name = ${siteFilter})
        and (${resellerFilter}::text is null or r.name = ${resellerFilter})
    ),
    groups as (
      select kind, seller_key,
        (array_agg(seller order by last_seen desc, latest_finding_id desc))[1] as seller,
        sum(listings) as listings,
        sum(reads) as reads,
        sum(below_map_listings) as below_map_listings,
        (array_agg(lowest order by lowest_sort asc nulls last, lowest_at desc, lowest_finding_id desc))[1] as lowest,
        array_agg(distinct site order by site) as sites,
        array_agg(distinct reseller order by reseller) as resellers,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen,
        (extract(epoch from max(last_seen)) * 1000000)::bigint as last_us,
        (array_agg(latest_observation_id order by last_seen desc, latest_finding_id desc))[1] as latest_obs,
        (array_agg(latest_listing_id order by last_seen desc, latest_finding_id desc))[1] as latest_listing
      from filtered
      group by kind, seller_key
    )
    select * from groups
    -- The search matches the group's key or the name it is shown under (its latest spelling).
    where (${q}::text is null or seller_key like ${q} or lower(seller) like ${q})
      and (${since}::timestamptz is null or last_seen >= ${since})
      and (${cur ? 1 : 0}::int = 0 or last_us < ${cur?.[0] ?? 0}::bigint
           or (last_us = ${cur?.[0] ?? 0}::bigint and (kind, seller_key) > (${cur?.[1] ?? ''}::text, ${cur?.[2] ?? ''}::text)))
    order by last_us desc, kind, seller_key
    limit ${o.limit + 1}`.execute(db);

  const obsIds = rows.map((r) => r.latest_obs);
  const latest = obsIds.length
    ? await db
        .selectFrom('observations as o')
        .innerJoin('listings as l', 'l.id', 'o.listing_id')
        .innerJoin('sites as s', 's.id', 'l.site_id')
        .innerJoin('products as p', 'p.id', 'l.product_id')
        // A finding written before findings named their evidence: the read's own (case) evidence.
        .leftJoin('evidence as ev', 'ev.observation_id', 'o.id')
        .select(['o.id', 'l.url', 's.name as site', 'p.sku', 'ev.id as evidence_id'])
        .where('o.id', 'in', obsIds)
        .execute()
    : [];
  const byObs = new Map(latest.map((l) => [l.id, l]));
  const details = obsIds.length
    ? await db
        .selectFrom('findings')
        .select(['observation_id', 'kind', 'detail', 'evidence_id'])
        .where('observation_id', 'in', obsIds)
        .execute()
    : [];
  const findingOf = (obs: number, kind: string) => {
    const f = details.find((x) => x.observation_id === obs && x.kind === kind);
    const d = f?.detail;
    return {
      detail: (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown> | undefined,
      evidenceId: f?.evidence_id ?? null,
    };
  };
  const page = toCursorPage(rows, o.limit, (r) => [Number(r.last_us), r.kind, r.seller_key]);
  const latestOf = new Map(
    page.items.map((r) => {
      const d = latestDetail(r, findingOf(r.latest_obs, r.kind));
      return [r, { ...d, evidenceId: d.evidenceId ?? byObs.get(r.latest_obs)?.evidence_id ?? null }];
    }),
  );
  const refs = await loadFindingEvidenceRefs(
    db,
    [...latestOf.values()].map((d) => d.evidenceId),
  );
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
          evidenceId: latestOf.get(r)!.evidenceId,
        },
        evidence: refs.get(latestOf.get(r)!.evidenceId ?? -1) ?? null,
        signals: latestOf.get(r)!.signals,
        storefrontUrl: latestOf.get(r)!.storefrontUrl,
        group: latestOf.get(r)!.group,
      };
    }),
  };
}

type LatestDetail = Pick<FindingGroup, 'signals' | 'storefrontUrl' | 'group'> & { evidenceId: number | null };

/**
 * The latest read's grey-market signals, or the storefront and group of the seller this group is,
 * and the evidence proving it: the seller item's own (it names the capture that shows that seller),
 * else the finding's.
 */
function latestDetail(
  r: GroupRow,
  { detail, evidenceId }: { detail: Record<string, unknown> | undefined; evidenceId: number | null },
): LatestDetail {
  const out: LatestDetail = { signals: [], storefrontUrl: null, group: null, evidenceId };
  if (!detail) return out;
  if (r.kind === 'grey_market') out.signals = greySignals(detail['signals']).map(describeSignal);
  if (r.kind === 'unauthorized_seller' && Array.isArray(detail['sellers'])) {
    const s = (detail['sellers'] as Record<string, unknown>[]).find((x) => sellerKey(x) === r.seller_key);
    if (typeof s?.['storefront_url'] === 'string') out.storefrontUrl = s['storefront_url'];
    if (typeof s?.['group'] === 'string') out.group = s['group'];
    const ev = s?.['evidence_id'];
    if (typeof ev === 'number' && Number.isInteger(ev)) out.evidenceId = ev;
  }
  return out;
}
