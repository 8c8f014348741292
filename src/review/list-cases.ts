/** Cases with what a pricing manager needs to judge them, in one set-based query. */
import type { Kysely } from 'kysely';
import type { CaseStatus, Database } from '../db/tables.js';

export interface CaseRow {
  id: number;
  status: CaseStatus;
  severity: string;
  reseller: string;
  site: string;
  sku: string;
  product: string;
  url: string;
  currency: string;
  mapMinor: number;
  lowestMinor: number;
  lastMinor: number;
  percentBelow: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  observations: number;
  /** Product name as the reseller's page states it: untrusted text. */
  pageProductName: string | null;
}

export async function listCases(db: Kysely<Database>, filter: { status?: CaseStatus } = {}): Promise<CaseRow[]> {
  let q = db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('resellers as r', 'r.id', 's.reseller_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select((eb) => [
      'c.id',
      'c.status',
      'c.severity',
      'r.name as reseller',
      's.name as site',
      'p.sku',
      'p.name as product',
      'l.url',
      'c.currency',
      'c.map_minor',
      'c.lowest_minor',
      'c.last_minor',
      'c.first_seen_at',
      'c.last_seen_at',
      eb
        .selectFrom('case_events as e')
        .whereRef('e.case_id', '=', 'c.id')
        .where('e.observation_id', 'is not', null)
        .select((e2) => e2.fn.count<string>('e.observation_id').distinct().as('n'))
        .as('observations'),
      eb
        .selectFrom('observations as o')
        .whereRef('o.listing_id', '=', 'l.id')
        .where('o.product_name', 'is not', null)
        .orderBy('o.captured_at', 'desc')
        .limit(1)
        .select('o.product_name')
        .as('page_product_name'),
    ])
    .orderBy('c.last_seen_at', 'desc')
    .orderBy('c.id', 'desc');
  if (filter.status) q = q.where('c.status', '=', filter.status);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    severity: r.severity,
    reseller: r.reseller,
    site: r.site,
    sku: r.sku,
    product: r.product,
    url: r.url,
    currency: r.currency,
    mapMinor: r.map_minor,
    lowestMinor: r.lowest_minor,
    lastMinor: r.last_minor,
    // basis points from integers; display only
    percentBelow: Math.round(((r.map_minor - r.lowest_minor) * 10000) / r.map_minor) / 100,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    observations: Number(r.observations ?? 0),
    pageProductName: r.page_product_name ?? null,
  }));
}
