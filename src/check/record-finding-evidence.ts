/**
 * Evidence for unauthorized-seller findings. A finding opens no case, so before this only the
 * page's hash was kept; a seller disputing the finding could not be shown the page. Now the
 * first read each reporting day that sees a seller on a listing keeps that read as evidence,
 * captured and chained exactly like case evidence (capture-evidence.ts, record-evidence.ts,
 * with no case), and every finding row names the evidence that proves it.
 *
 * Bounded: one capture per (listing, seller key, day). A marketplace read every 15 minutes
 * stores one copy a day per seller, not 96; a new seller the same day gets its own. The day
 * is the reporting day (MAPWATCH_REPORT_TIME_ZONE, UTC by default), the one the dashboards,
 * the findings' daily figures and the weekly report count in, so each day a person sees in
 * the app has its own proof. The claim row is written in the transaction that chains the
 * evidence, and its key makes two racing reads keep one claim.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/tables.js';
import type { PreparedManifest } from '../evidence/capture-evidence.js';
import type { Manifest } from '../evidence/manifest.js';
import { recordEvidence } from '../evidence/record-evidence.js';
import type { UnauthorizedSeller } from './find-unauthorized-sellers.js';
import type { Finding } from './findings.js';

/** The key a seller's day is claimed under: its most exact key (seller-key.ts), else its name. */
export function findingSellerKey(s: UnauthorizedSeller): string {
  return s.key ?? `name:${s.seller.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()}`;
}

/** The seller keys of a read's unauthorized-seller finding (find-unauthorized-sellers.ts). */
export function unauthorizedSellerKeys(findings: readonly Finding[]): string[] {
  const keys = findings.flatMap((f) =>
    f.kind === 'unauthorized_seller' ? f.detail.sellers.map(findingSellerKey) : [],
  );
  return [...new Set(keys)];
}

/** The reporting day (YYYY-MM-DD) a read falls on. */
export function evidenceDay(at: Date, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  return f.format(at);
}
/** A formatter per zone: building one costs far more than formatting with it. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export interface DayEvidence {
  /** Sellers with no evidence yet this day on this listing: the read is captured for them. */
  uncovered: string[];
  /** The newest evidence showing each covered seller on this listing this day. */
  covered: Map<string, number>;
}

/** One indexed look-up per read that shows an unauthorized seller; nothing for any other read. */
export async function dayEvidenceOf(
  db: Kysely<Database>,
  o: { listingId: number; day: string; keys: readonly string[] },
): Promise<DayEvidence> {
  if (!o.keys.length) return { uncovered: [], covered: new Map() };
  const rows = await db
    .selectFrom('finding_evidence_days')
    .select(['seller_key', 'evidence_id'])
    .where('listing_id', '=', o.listingId)
    .where('day', '=', o.day)
    .where('seller_key', 'in', [...o.keys])
    .execute();
  const covered = new Map(rows.map((r) => [r.seller_key, r.evidence_id]));
  return { uncovered: o.keys.filter((k) => !covered.has(k)), covered };
}

export interface FindingEvidenceOptions {
  listingId: number;
  observationId: number;
  day: string;
  /** Every unauthorized seller the read saw, and which already have evidence this day. */
  sellers: readonly string[];
  today: DayEvidence;
  /** This read's files, stored before the transaction; null when the read was not captured. */
  prepared: PreparedManifest | null;
  /** This read's evidence row when its case chained it already (a read of a listing with a case). */
  evidenceId: number | null;
  recheck: Manifest['recheck'];
}

export interface FindingEvidence {
  /** This read's own evidence row, or null. */
  own: number | null;
  /** Per seller key: the evidence showing that seller on this listing (this read's, else the day's). */
  bySeller: Map<string, number>;
}

/**
 * Chains the read as finding evidence when it shows a seller not yet kept today (unless its case
 * chained it already), and points the day of every seller the read shows at it: the newest
 * capture that shows a seller is the one a later read of the day links to. A capture happens
 * only for an uncovered seller, so the bound holds; a racing read of the same day loses nothing
 * but the claim's order.
 */
export async function recordFindingEvidence(
  trx: Transaction<Database> | Kysely<Database>,
  o: FindingEvidenceOptions,
): Promise<FindingEvidence> {
  let own = o.evidenceId;
  if (own === null && o.prepared && o.today.uncovered.length)
    own = (await recordEvidence(trx, { caseId: null, observationId: o.observationId, recheck: o.recheck }, o.prepared))
      .id;
  if (own === null) return { own, bySeller: o.today.covered };
  if (o.today.uncovered.length && o.sellers.length)
    await trx
      .insertInto('finding_evidence_days')
      .values(o.sellers.map((k) => ({ listing_id: o.listingId, day: o.day, seller_key: k, evidence_id: own! })))
      .onConflict((oc) =>
        oc
          .columns(['listing_id', 'day', 'seller_key'])
          .doUpdateSet((eb) => ({ evidence_id: eb.ref('excluded.evidence_id') })),
      )
      .execute();
  return { own, bySeller: new Map(o.sellers.map((k) => [k, own!])) };
}
