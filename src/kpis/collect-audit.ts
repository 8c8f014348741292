/**
 * Everything a channel audit of one reseller over a period states, read set-based: its
 * KPIs beside its tier's, the listings covered, the violation cases with their evidence
 * hashes, the notices sent and what followed, and the unauthorized sellers seen on its
 * sites. The audit PDF (src/http/pages/render-audit.ts) renders exactly this.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { NotFoundError } from '../errors.js';
import { checkDay } from './roll-up-days.js';
import { queryKpis, type KpiRow } from './query-kpis.js';

export interface AuditData {
  reseller: { id: number; name: string; tier: string | null; region: string | null; authorized: boolean };
  from: string;
  to: string;
  timeZone: string;
  scorecard: { reseller: KpiRow | null; tier: KpiRow[] };
  listings: { site: string; sku: string; product: string; url: string; reads: number; lastReadAt: Date | null }[];
  violations: {
    caseId: number;
    sku: string;
    url: string;
    status: string;
    severity: string;
    currency: string;
    mapMinor: number;
    lowestMinor: number;
    firstSeenAt: Date;
    closedAt: Date | null;
    evidence: { capturedAt: Date; manifestSha256: string }[];
  }[];
  notices: {
    caseId: number;
    step: number | null;
    sentAt: Date | null;
    status: string;
    caseStatus: string;
    closedAt: Date | null;
  }[];
  unauthorizedSellers: { seller: string; sku: string; url: string; reads: number; lastSeenAt: Date }[];
}

/** `reseller` is a name (case-insensitive) or a numeric id. */
export async function collectAudit(
  db: Kysely<Database>,
  o: { reseller: string; from: string; to: string; timeZone: string },
): Promise<AuditData> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  const r = await db
    .selectFrom('resellers')
    .select(['id', 'name', 'tier', 'region', 'authorized'])
    .where((eb) =>
      /^\d+$/.test(o.reseller)
        ? eb('id', '=', Number(o.reseller))
        : eb(eb.fn('lower', ['name']), '=', o.reseller.toLowerCase()),
    )
    .executeTakeFirst();
  if (!r) throw new NotFoundError(`reseller "${o.reseller}": no such reseller in the catalog`);
  const t0 = sql<Date>`(${o.from}::date::timestamp at time zone ${o.timeZone})`;
  const t1 = sql<Date>`((${o.to}::date + 1)::timestamp at time zone ${o.timeZone})`;
  const [byReseller, byTier] = await Promise.all([
    queryKpis(db, { by: 'reseller', from: o.from, to: o.to }),
    queryKpis(db, { by: 'tier', from: o.from, to: o.to }),
  ]);
  const listings = await db
    .selectFrom('listings as l')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('observations as ob')
          .select((e) => ['ob.listing_id', e.fn.countAll<string>().as('reads'), e.fn.max('ob.captured_at').as('last')])
          .where('ob.captured_at', '>=', t0)
          .where('ob.captured_at', '<', t1)
          .groupBy('ob.listing_id')
          .as('o'),
      (j) => j.onRef('o.listing_id', '=', 'l.id'),
    )
    .select(['s.name as site', 'p.sku', 'p.name as product', 'l.url', 'o.reads', 'o.last'])
    .where('s.reseller_id', '=', r.id)
    .orderBy('s.name')
    .orderBy('p.sku')
    .execute();
  const cases = await db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select([
      'c.id',
      'p.sku',
      'l.url',
      'c.status',
      'c.severity',
      'c.currency',
      'c.map_minor',
      'c.lowest_minor',
      'c.first_seen_at',
      'c.closed_at',
    ])
    .where('s.reseller_id', '=', r.id)
    .where('c.first_seen_at', '<', t1)
    .where((eb) => eb.or([eb('c.closed_at', 'is', null), eb('c.closed_at', '>=', t0)]))
    .orderBy('c.id')
    .execute();
  const ids = cases.map((c) => c.id);
  const evidence = ids.length
    ? await db
        .selectFrom('evidence')
        .select(['case_id', 'captured_at', 'manifest_sha256'])
        .where('case_id', 'in', ids)
        .orderBy('id')
        .execute()
    : [];
  const notices = await db
    .selectFrom('notices as n')
    .innerJoin('cases as c', 'c.id', 'n.case_id')
    .select(['n.case_id', 'n.step', 'n.sent_at', 'n.status', 'c.status as case_status', 'c.closed_at'])
    .where('n.reseller_id', '=', r.id)
    .where('n.status', '=', 'sent')
    .where('n.sent_at', '>=', t0)
    .where('n.sent_at', '<', t1)
    .orderBy('n.sent_at')
    .execute();
  const sellers = await sql<{ seller: string; sku: string; url: string; reads: string; last: Date }>`
    select coalesce(e->>'seller', '(unnamed)') as seller, p.sku, l.url, count(*) as reads, max(f.at) as last
    from findings f
    cross join lateral jsonb_array_elements(coalesce(f.detail::jsonb->'sellers', '[]'::jsonb)) e
    join listings l on l.id = f.listing_id
    join sites s on s.id = l.site_id
    join products p on p.id = l.product_id
    where f.kind = 'unauthorized_seller' and s.reseller_id = ${r.id} and f.at >= ${t0} and f.at < ${t1}
    group by 1, 2, 3 order by 1, 2`.execute(db);
  return {
    reseller: r,
    from: o.from,
    to: o.to,
    timeZone: o.timeZone,
    scorecard: {
      reseller: byReseller.find((k) => k.key === r.name) ?? null,
      tier: byTier.filter((k) => k.key === (r.tier ?? '(none)')),
    },
    listings: listings.map((l) => ({
      site: l.site,
      sku: l.sku,
      product: l.product,
      url: l.url,
      reads: Number(l.reads ?? 0),
      lastReadAt: l.last ? new Date(l.last as Date) : null,
    })),
    violations: cases.map((c) => ({
      caseId: c.id,
      sku: c.sku,
      url: c.url,
      status: c.status,
      severity: c.severity,
      currency: c.currency,
      mapMinor: c.map_minor,
      lowestMinor: c.lowest_minor,
      firstSeenAt: new Date(c.first_seen_at),
      closedAt: c.closed_at ? new Date(c.closed_at) : null,
      evidence: evidence
        .filter((e) => e.case_id === c.id)
        .map((e) => ({ capturedAt: new Date(e.captured_at), manifestSha256: e.manifest_sha256 })),
    })),
    notices: notices.map((n) => ({
      caseId: n.case_id,
      step: n.step,
      sentAt: n.sent_at ? new Date(n.sent_at) : null,
      status: n.status,
      caseStatus: n.case_status,
      closedAt: n.closed_at ? new Date(n.closed_at) : null,
    })),
    unauthorizedSellers: sellers.rows.map((x) => ({
      seller: x.seller,
      sku: x.sku,
      url: x.url,
      reads: Number(x.reads),
      lastSeenAt: new Date(x.last),
    })),
  };
}
