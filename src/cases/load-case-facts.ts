/**
 * Everything a message about one case says, in one query, plus the merge fields that
 * templates may use. Page-derived strings (the page's product name) stay untrusted: the
 * renderers escape them.
 */
import { percentBelowMap } from '../compare/percent-below.js';
import type { Kysely, Transaction } from 'kysely';
import type { CaseStatus, Database } from '../db/tables.js';
import { formatMoney } from '../normalize/currency.js';

export interface CaseFacts {
  caseId: number;
  listingId: number;
  status: CaseStatus;
  severity: string;
  resellerId: number;
  resellerName: string;
  resellerRegion: string | null;
  resellerTier: string | null;
  contactEmail: string | null;
  siteName: string;
  sku: string;
  productName: string;
  brand: string | null;
  url: string;
  currency: string;
  mapMinor: number;
  lowestMinor: number;
  lastMinor: number;
  percentBelow: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  closedAt: Date | null;
  pageProductName: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;

export async function loadCaseFacts(db: Db, caseIds: readonly number[]): Promise<CaseFacts[]> {
  if (!caseIds.length) return [];
  const rows = await db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('resellers as r', 'r.id', 's.reseller_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select((eb) => [
      'c.id',
      'c.listing_id',
      'c.status',
      'c.severity',
      'c.currency',
      'c.map_minor',
      'c.lowest_minor',
      'c.last_minor',
      'c.first_seen_at',
      'c.last_seen_at',
      'c.closed_at',
      'r.id as reseller_id',
      'r.name as reseller',
      'r.region',
      'r.tier',
      'r.contact_email',
      's.name as site',
      'p.sku',
      'p.name as product',
      'p.brand',
      'l.url',
      eb
        .selectFrom('observations as o')
        .whereRef('o.listing_id', '=', 'l.id')
        .where('o.product_name', 'is not', null)
        .orderBy('o.captured_at', 'desc')
        .limit(1)
        .select('o.product_name')
        .as('page_product_name'),
    ])
    .where('c.id', 'in', [...caseIds])
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({
    caseId: r.id,
    listingId: r.listing_id,
    status: r.status,
    severity: r.severity,
    resellerId: r.reseller_id,
    resellerName: r.reseller,
    resellerRegion: r.region,
    resellerTier: r.tier,
    contactEmail: r.contact_email,
    siteName: r.site,
    sku: r.sku,
    productName: r.product,
    brand: r.brand,
    url: r.url,
    currency: r.currency,
    mapMinor: r.map_minor,
    lowestMinor: r.lowest_minor,
    lastMinor: r.last_minor,
    percentBelow: percentBelowMap(r.lowest_minor, r.map_minor),
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    closedAt: r.closed_at,
    pageProductName: r.page_product_name ?? null,
  }));
}

export function daysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 86_400_000));
}

/** Merge fields shared by alerts and notices. */
export function mergeFields(
  f: CaseFacts,
  now: Date,
  extra: Record<string, string | number> = {},
): Record<string, string | number> {
  return {
    case_id: f.caseId,
    reference: `MAP-${f.caseId}`,
    severity: f.severity,
    reseller_name: f.resellerName,
    reseller_region: f.resellerRegion ?? 'region unknown',
    reseller_tier: f.resellerTier ?? '',
    sku: f.sku,
    product_name: f.productName,
    brand: f.brand ?? '',
    listing_url: f.url,
    map_price: formatMoney(f.mapMinor, f.currency),
    observed_price: formatMoney(f.lastMinor, f.currency),
    lowest_price: formatMoney(f.lowestMinor, f.currency),
    percent_below: f.percentBelow,
    first_seen: f.firstSeenAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    days_open: daysBetween(f.firstSeenAt, now),
    page_product_name: f.pageProductName ?? '(not stated)',
    ...extra,
  };
}
