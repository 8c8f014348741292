/**
 * One reseller's page: its summary row (list-resellers.ts), its sites with their health
 * state, its most recent cases and the notices it was sent. For `/resellers/:id` and
 * `/api/v1/resellers/:id`.
 */
import type { Kysely } from 'kysely';
import type { CaseStatus, Database, NoticeStatus } from '../db/tables.js';
import { NotFoundError } from '../errors.js';
import { listResellers, type ResellerRow } from './list-resellers.js';

export interface ResellerDetail extends ResellerRow {
  contactEmail: string | null;
  siteList: { name: string; domain: string; listings: number; state: string }[];
  /** The latest cases (most recently seen first), at most `caseLimit`. */
  cases: {
    id: number;
    status: CaseStatus;
    severity: string;
    site: string;
    sku: string;
    product: string;
    url: string;
    currency: string;
    mapMinor: number;
    lowestMinor: number;
    lastSeenAt: Date;
  }[];
  notices: { id: number; caseId: number; step: number | null; status: NoticeStatus; at: Date; reason: string | null }[];
}

export async function getReseller(
  db: Kysely<Database>,
  id: number,
  o: { caseLimit?: number; resetAfterDaysClean?: number; now?: Date } = {},
): Promise<ResellerDetail> {
  const { items } = await listResellers(db, { id, limit: 1, resetAfterDaysClean: o.resetAfterDaysClean, now: o.now });
  const row = items[0];
  if (!row) throw new NotFoundError(`no reseller ${id}`);
  const [contact, sites, cases, notices] = await Promise.all([
    db.selectFrom('resellers').select('contact_email').where('id', '=', id).executeTakeFirstOrThrow(),
    db
      .selectFrom('sites as s')
      .leftJoin('site_health as h', 'h.site_id', 's.id')
      .select((eb) => [
        's.name',
        's.domain',
        'h.state',
        eb
          .selectFrom('listings as l')
          .whereRef('l.site_id', '=', 's.id')
          .where('l.active', '=', true)
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('listings'),
      ])
      .where('s.reseller_id', '=', id)
      .orderBy('s.name')
      .execute(),
    db
      .selectFrom('cases as c')
      .innerJoin('listings as l', 'l.id', 'c.listing_id')
      .innerJoin('sites as s', 's.id', 'l.site_id')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .select([
        'c.id',
        'c.status',
        'c.severity',
        's.name as site',
        'p.sku',
        'p.name as product',
        'l.url',
        'c.currency',
        'c.map_minor',
        'c.lowest_minor',
        'c.last_seen_at',
      ])
      .where('s.reseller_id', '=', id)
      .orderBy('c.last_seen_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(o.caseLimit ?? 50)
      .execute(),
    db
      .selectFrom('notices')
      .select(['id', 'case_id', 'step', 'status', 'proposed_at', 'sent_at', 'reason'])
      .where('reseller_id', '=', id)
      .orderBy('id', 'desc')
      .limit(50)
      .execute(),
  ]);
  return {
    ...row,
    contactEmail: contact.contact_email,
    siteList: sites.map((s) => ({
      name: s.name,
      domain: s.domain,
      listings: Number(s.listings),
      state: s.state ?? 'unknown',
    })),
    cases: cases.map((c) => ({
      id: c.id,
      status: c.status,
      severity: c.severity,
      site: c.site,
      sku: c.sku,
      product: c.product,
      url: c.url,
      currency: c.currency,
      mapMinor: c.map_minor,
      lowestMinor: c.lowest_minor,
      lastSeenAt: c.last_seen_at,
    })),
    notices: notices.map((n) => ({
      id: n.id,
      caseId: n.case_id,
      step: n.step,
      status: n.status,
      at: n.sent_at ?? n.proposed_at,
      reason: n.reason,
    })),
  };
}
