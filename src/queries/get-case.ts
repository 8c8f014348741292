/**
 * Everything the case page and `GET /api/v1/cases/:id` show about one case: the facts
 * (product, reseller with tier and region, site, listing), the MAP rule in effect with its
 * promo/VAT/pack explanation and the MSRP, the listing's price history (each read with
 * whether a screenshot proves it), the evidence and whether it verifies, the audit
 * timeline, the notice ladder, comments and misreads. Page text (product and seller names,
 * raw price text) is untrusted: renderers escape it.
 */
import type { Kysely } from 'kysely';
import type { Verdict } from '../compare/compare-to-map.js';
import { explainPrice } from '../compare/explain-price.js';
import { mapInEffect } from '../compare/map-in-effect.js';
import { type CaseFacts, loadCaseFacts } from '../cases/load-case-facts.js';
import { resellerViolationLevel } from '../cases/violation-level.js';
import type { Database, NoticeStatus, VerdictKind } from '../db/tables.js';
import { NotFoundError } from '../errors.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import { type CaseVerification, verifyCaseEvidence } from '../evidence/verify-case-evidence.js';
import type { ObservationStatus } from '../types.js';

/** Reads shown in the chart and table: the newest ones, enough for months of daily reads. */
export const HISTORY_LIMIT = 500;

export interface PriceRead {
  id: number;
  capturedAt: Date;
  status: ObservationStatus;
  amountMinor: number | null;
  currency: string | null;
  normalizedMinor: number | null;
  mapMinor: number | null;
  verdict: VerdictKind | null;
  rawPriceText: string | null;
  seller: string | null;
  reason: string | null;
  hasScreenshot: boolean;
  misread: boolean;
}

export interface RuleInEffect {
  /** One line: advertised, compared, MAP, outcome. */
  line: string;
  advertised: string;
  compared: string;
  map: string | null;
  /** The VAT and pack adjustments, "" when none. */
  basis: string;
  baseMapMinor: number | null;
  mapMinor: number | null;
  currency: string | null;
  effectiveFrom: string | null;
  effectiveTo: string | null;
  promo: { kind: string; note: string | null; startsAt: string; endsAt: string; timeZone: string } | null;
  /** The read the rule was applied to. */
  observationId: number;
}

export interface TimelineEvent {
  id: number;
  kind: string;
  at: Date;
  observationId: number | null;
  /** Who did it (a person's email/name, or "system" for automatic steps). */
  who: string;
  role: string;
  detail: Record<string, unknown>;
}

export interface NoticeRow {
  id: number;
  step: number | null;
  status: NoticeStatus;
  reason: string | null;
  proposedAt: Date;
  notBefore: Date | null;
  approvedAt: Date | null;
  approvedBy: string | null;
  sentAt: Date | null;
}

export interface MisreadRow {
  id: number;
  observationId: number;
  correctMinor: number | null;
  currency: string | null;
  selector: string | null;
  note: string | null;
  by: string;
  role: string;
  at: Date;
}

export interface CaseDetail {
  facts: CaseFacts;
  siteId: number;
  assignee: string | null;
  seller: string | null;
  note: string | null;
  productPackSize: number;
  listingPackSize: number;
  mapIncludesVat: boolean;
  rule: RuleInEffect | null;
  /** The manufacturer's list price (MSRP) of the MAP window in effect now, if the catalog has one. */
  msrpMinor: number | null;
  history: PriceRead[];
  verification: CaseVerification;
  timeline: TimelineEvent[];
  comments: { id: number; at: Date; who: string; role: string; text: string }[];
  notices: NoticeRow[];
  /** The reseller's notice-ladder level (highest step approved or sent in its current episode). */
  ladderLevel: number;
  misreads: MisreadRow[];
}

const asObject = (v: unknown): Record<string, unknown> =>
  (typeof v === 'string' ? JSON.parse(v) : (v ?? {})) as Record<string, unknown>;

export async function getCase(
  db: Kysely<Database>,
  caseId: number,
  opts: { store?: EvidenceStore; resetAfterDaysClean?: number; now?: Date } = {},
): Promise<CaseDetail> {
  const [facts] = await loadCaseFacts(db, [caseId]);
  if (!facts) throw new NotFoundError(`case #${caseId} does not exist`);
  const now = opts.now ?? new Date();
  const extra = await db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select([
      'c.assignee',
      'c.seller',
      'c.resolution_note',
      'l.site_id',
      'l.pack_size as listing_pack',
      'p.id as product_id',
      'p.pack_size as product_pack',
      'p.map_includes_vat',
    ])
    .where('c.id', '=', caseId)
    .executeTakeFirstOrThrow();

  const [history, events, notices, misreads, windows, verification, level] = await Promise.all([
    priceHistory(db, facts.listingId),
    db
      .selectFrom('case_events')
      .select(['id', 'kind', 'at', 'observation_id', 'detail'])
      .where('case_id', '=', caseId)
      .orderBy('chain_seq')
      .execute(),
    db.selectFrom('notices').selectAll().where('case_id', '=', caseId).orderBy('id').execute(),
    db.selectFrom('misreads').selectAll().where('case_id', '=', caseId).orderBy('id').execute(),
    db.selectFrom('map_prices').selectAll().where('product_id', '=', extra.product_id).execute(),
    verifyCaseEvidence(db, caseId, opts.store),
    resellerViolationLevel(db, facts.resellerId, now, opts.resetAfterDaysClean ?? 90),
  ]);
  const misreadIds = new Set(misreads.map((m) => Number(m.observation_id)));
  for (const h of history) h.misread = misreadIds.has(h.id);

  const timeline: TimelineEvent[] = events.map((e) => {
    const d = asObject(e.detail);
    return {
      id: e.id,
      kind: e.kind,
      at: e.at,
      observationId: e.observation_id === null ? null : Number(e.observation_id),
      who: typeof d.by === 'string' ? d.by : 'system',
      role: typeof d.role === 'string' ? d.role : 'system',
      detail: d,
    };
  });
  const window = mapInEffect(
    windows.map((w) => ({
      ...w,
      mapMinor: w.map_minor,
      effectiveFrom: new Date(w.effective_from),
      effectiveTo: w.effective_to ? new Date(w.effective_to) : null,
    })),
    facts.currency,
    now,
  );
  return {
    facts,
    siteId: extra.site_id,
    assignee: extra.assignee,
    seller: extra.seller,
    note: extra.resolution_note,
    productPackSize: extra.product_pack,
    listingPackSize: extra.listing_pack,
    mapIncludesVat: extra.map_includes_vat,
    rule: await ruleInEffect(db, facts),
    msrpMinor: window?.list_minor ?? null,
    history,
    verification,
    timeline,
    comments: timeline
      .filter((t) => t.kind === 'comment')
      .map((t) => ({ id: t.id, at: t.at, who: t.who, role: t.role, text: String(t.detail.text ?? '') })),
    notices: notices.map((n) => ({
      id: n.id,
      step: n.step,
      status: n.status,
      reason: n.reason,
      proposedAt: n.proposed_at,
      notBefore: n.not_before,
      approvedAt: n.approved_at,
      approvedBy: n.approved_by,
      sentAt: n.sent_at,
    })),
    ladderLevel: level.level,
    misreads: misreads.map((m) => ({
      id: m.id,
      observationId: Number(m.observation_id),
      correctMinor: m.correct_minor,
      currency: m.currency,
      selector: m.selector,
      note: m.note,
      by: m.by,
      role: m.role,
      at: m.at,
    })),
  };
}

/** The listing's newest reads (oldest first), each with whether its evidence holds a screenshot. */
export async function priceHistory(
  db: Kysely<Database>,
  listingId: number,
  limit = HISTORY_LIMIT,
): Promise<PriceRead[]> {
  const rows = await db
    .selectFrom('observations as o')
    .leftJoin('evidence as e', 'e.observation_id', 'o.id')
    .select((eb) => [
      'o.id',
      'o.captured_at',
      'o.status',
      'o.amount_minor',
      'o.currency',
      'o.normalized_minor',
      'o.map_minor',
      'o.verdict',
      'o.raw_price_text',
      'o.seller',
      'o.reason',
      eb
        .case()
        .when('e.id', 'is', null)
        .then(false)
        .else(
          eb.or([
            eb('e.manifest', '@>', JSON.stringify({ files: [{ role: 'screenshot_annotated' }] })),
            eb('e.manifest', '@>', JSON.stringify({ files: [{ role: 'screenshot_viewport' }] })),
          ]),
        )
        .end()
        .as('has_screenshot'),
    ])
    .where('o.listing_id', '=', listingId)
    .orderBy('o.captured_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((o) => ({
    id: Number(o.id),
    capturedAt: o.captured_at,
    status: o.status,
    amountMinor: o.amount_minor,
    currency: o.currency,
    normalizedMinor: o.normalized_minor,
    mapMinor: o.map_minor,
    verdict: o.verdict,
    rawPriceText: o.raw_price_text,
    seller: o.seller,
    reason: o.reason,
    hasScreenshot: o.has_screenshot === true,
    misread: false,
  }));
}

/** The MAP rule applied to the read behind the case's latest price, explained. */
async function ruleInEffect(db: Kysely<Database>, facts: CaseFacts): Promise<RuleInEffect | null> {
  const o = await db
    .selectFrom('observations')
    .select(['id', 'amount_minor', 'currency', 'verdict_detail'])
    .where('listing_id', '=', facts.listingId)
    .where('verdict_detail', 'is not', null)
    .where('captured_at', '<=', facts.lastSeenAt)
    .orderBy('captured_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!o) return null;
  const verdict = asObject(o.verdict_detail) as unknown as Verdict;
  const ex = explainPrice(o.amount_minor, o.currency, verdict);
  const rule = 'rule' in verdict ? verdict.rule : undefined;
  const promo = rule?.promo
    ? {
        kind: rule.promo.kind,
        note: rule.promo.note ?? null,
        startsAt: rule.promo.startsAt,
        endsAt: rule.promo.endsAt,
        timeZone: rule.promo.timeZone,
      }
    : null;
  return {
    ...ex,
    baseMapMinor: rule?.baseMapMinor ?? null,
    mapMinor: rule?.mapMinor ?? null,
    currency: rule?.currency ?? null,
    effectiveFrom: rule ? String(rule.effectiveFrom) : null,
    effectiveTo: rule?.effectiveTo ? String(rule.effectiveTo) : null,
    promo,
    observationId: Number(o.id),
  };
}
