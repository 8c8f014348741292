/** Cases with what a pricing manager needs to judge them: the case facts plus how many reads back them. */
import type { Kysely } from 'kysely';
import { loadCaseFacts } from '../cases/load-case-facts.js';
import type { CaseStatus, Database } from '../db/tables.js';
import { type PageRequest, pageOf } from './page.js';

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

/** One page of cases, most recently seen first (default: the first 100). */
export async function listCases(
  db: Kysely<Database>,
  filter: { status?: CaseStatus } & PageRequest = {},
): Promise<CaseRow[]> {
  const page = pageOf(filter);
  let q = db
    .selectFrom('cases as c')
    .select((eb) => [
      'c.id',
      eb
        .selectFrom('case_events as e')
        .whereRef('e.case_id', '=', 'c.id')
        .where('e.observation_id', 'is not', null)
        .select((e2) => e2.fn.count<string>('e.observation_id').distinct().as('n'))
        .as('observations'),
    ])
    .orderBy('c.last_seen_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(page.limit)
    .offset(page.offset);
  if (filter.status) q = q.where('c.status', '=', filter.status);
  const order = await q.execute();
  const facts = new Map(
    (
      await loadCaseFacts(
        db,
        order.map((r) => r.id),
      )
    ).map((f) => [f.caseId, f]),
  );
  return order.map(({ id, observations }) => {
    const f = facts.get(id)!;
    return {
      id,
      status: f.status,
      severity: f.severity,
      reseller: f.resellerName,
      site: f.siteName,
      sku: f.sku,
      product: f.productName,
      url: f.url,
      currency: f.currency,
      mapMinor: f.mapMinor,
      lowestMinor: f.lowestMinor,
      lastMinor: f.lastMinor,
      percentBelow: f.percentBelow,
      firstSeenAt: f.firstSeenAt,
      lastSeenAt: f.lastSeenAt,
      observations: Number(observations ?? 0),
      pageProductName: f.pageProductName,
    };
  });
}
