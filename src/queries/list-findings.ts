/**
 * Findings, the signals a read finds besides its own price, as one read model for
 * `mapwatch findings` and the daily digest:
 * - `map_evasion`: the page hides its price behind "see price in cart" / "add to cart for price";
 * - `unauthorized_seller`: a marketplace offer from a seller not on the site's authorized list;
 * - `grey_market`: signs of grey-market or non-genuine goods on the listing (below dealer
 *   cost, another brand on the OEM's GTIN, a GTIN outside the brand's prefixes, "compatible
 *   with" wording): for a person to weigh, never a MAP violation and never a case.
 * A finding repeats on every read of the listing; this folds the repeats into one row per
 * listing (and seller), with when it was first and last seen and on how many reads.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { type FindingEvidenceRef, loadFindingEvidenceRefs } from './finding-evidence-refs.js';

export type FindingKind = 'map_evasion' | 'unauthorized_seller' | 'grey_market';
export const FINDING_KINDS: readonly FindingKind[] = ['map_evasion', 'unauthorized_seller', 'grey_market'];

interface FindingBase {
  listingId: number;
  site: string;
  reseller: string;
  resellerRegion: string | null;
  resellerTier: string | null;
  brand: string | null;
  sku: string;
  product: string;
  url: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Reads that carried this finding. */
  reads: number;
  /**
   * The stored page that proves the finding (the newest read's that has one): for an unauthorized
   * seller, the first capture that day that showed the seller on this listing. Null: none kept.
   */
  evidence: FindingEvidenceRef | null;
}

export interface EvasionFinding extends FindingBase {
  kind: 'map_evasion';
  /** The page's own words, e.g. "see price in cart": untrusted text. */
  phrases: string[];
  /** Whether the hidden price only appeared after the site's scripted steps (add to cart). */
  revealedBySteps: boolean;
  /** The price the read found (in the cart), if any. */
  priceMinor: number | null;
  currency: string | null;
}

export interface UnauthorizedSellerFinding extends FindingBase {
  kind: 'unauthorized_seller';
  /** The seller's name as the page states it: untrusted text. */
  seller: string;
  amount: string;
  currency: string;
  belowMap: boolean | null;
  percentBelow: number | null;
  mapMinor: number | null;
  /** The marketplace's id for the seller, its storefront and its seller group, when known. */
  sellerId: string | null;
  storefrontUrl: string | null;
  group: string | null;
}

/** One grey-market signal as stored (check/find-grey-market.ts); page text in it is untrusted. */
export type GreySignal =
  | { signal: 'below_dealer_cost'; amount_minor: number; dealer_cost_minor: number; currency: string }
  | { signal: 'brand_mismatch'; page_brand: string; catalog_brand: string; gtin: string }
  | { signal: 'foreign_gtin_prefix'; gtin: string; brand: string }
  | { signal: 'compatible_wording'; phrase: string; part: string };

export interface GreyMarketFinding extends FindingBase {
  kind: 'grey_market';
  signals: GreySignal[];
  /** The read's own price. */
  priceMinor: number | null;
  currency: string | null;
}

export type FindingRow = EvasionFinding | UnauthorizedSellerFinding | GreyMarketFinding;

export interface ListFindingsOptions {
  kind?: FindingKind;
  /** Only findings seen at or after this time. */
  since?: Date;
  /** Page through the folded rows (newest last-seen first). */
  limit?: number;
  offset?: number;
}

const str = (x: unknown) => (typeof x === 'string' ? x : '');
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export async function listFindings(db: Kysely<Database>, opts: ListFindingsOptions = {}): Promise<FindingRow[]> {
  let q = db
    .selectFrom('findings as f')
    .innerJoin('observations as o', 'o.id', 'f.observation_id')
    .innerJoin('listings as l', 'l.id', 'f.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('resellers as r', 'r.id', 's.reseller_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select([
      'f.kind',
      'f.detail',
      'f.at',
      'f.listing_id',
      'f.evidence_id',
      'o.amount_minor',
      'o.currency',
      's.name as site',
      'r.name as reseller',
      'r.region',
      'r.tier',
      'p.brand',
      'p.sku',
      'p.name as product',
      'l.url',
    ])
    .where('f.kind', 'in', [...FINDING_KINDS])
    .orderBy('f.at')
    .orderBy('f.id');
  if (opts.kind) q = q.where('f.kind', '=', opts.kind);
  if (opts.since) q = q.where('f.at', '>=', opts.since);

  // Oldest first, so the newest read's details win for each folded row.
  const folded = new Map<string, FindingRow>();
  // Evidence ids while folding; resolved to references for the rows returned only.
  const evidenceOf = new Map<FindingRow, number>();
  for (const f of await q.execute()) {
    const detail = (typeof f.detail === 'string' ? JSON.parse(f.detail) : f.detail) as Record<string, unknown>;
    const base: FindingBase = {
      listingId: f.listing_id,
      site: f.site,
      reseller: f.reseller,
      resellerRegion: f.region,
      resellerTier: f.tier,
      brand: f.brand,
      sku: f.sku,
      product: f.product,
      url: f.url,
      firstSeenAt: f.at,
      lastSeenAt: f.at,
      reads: 1,
      evidence: null,
    };
    const itemEvidence = new Map<FindingRow, number>();
    const rows: [string, FindingRow][] =
      f.kind === 'map_evasion'
        ? [
            [
              `${f.listing_id}|evasion`,
              {
                ...base,
                kind: 'map_evasion',
                phrases: Array.isArray(detail['phrases']) ? detail['phrases'].map(str) : [],
                revealedBySteps: detail['revealed_by_steps'] === true,
                priceMinor: f.amount_minor,
                currency: f.currency,
              },
            ],
          ]
        : f.kind === 'grey_market'
          ? [
              [
                `${f.listing_id}|grey`,
                {
                  ...base,
                  kind: 'grey_market',
                  signals: greySignals(detail['signals']),
                  priceMinor: f.amount_minor,
                  currency: f.currency,
                },
              ],
            ]
          : (Array.isArray(detail['sellers']) ? (detail['sellers'] as Record<string, unknown>[]) : []).map((s) => {
              const row: FindingRow = {
                ...base,
                kind: 'unauthorized_seller',
                seller: str(s['seller']),
                amount: str(s['amount']),
                currency: str(s['currency']),
                belowMap: typeof s['below_map'] === 'boolean' ? s['below_map'] : null,
                percentBelow: num(s['percent_below']),
                mapMinor: num(s['map_minor']),
                sellerId: str(s['seller_id']) || null,
                storefrontUrl: str(s['storefront_url']) || null,
                group: str(s['group']) || null,
              };
              const ev = s['evidence_id'];
              if (typeof ev === 'number' && Number.isInteger(ev)) itemEvidence.set(row, ev);
              return [`${f.listing_id}|seller|${sellerKey(s)}`, row];
            });
    for (const [key, row] of rows) {
      const prev = folded.get(key);
      const next = prev ? { ...row, firstSeenAt: prev.firstSeenAt, reads: prev.reads + 1 } : row;
      // A seller's own item names the capture that shows it; other kinds, the read's evidence.
      const ev =
        (row.kind === 'unauthorized_seller' ? itemEvidence.get(row) : f.evidence_id) ??
        (prev ? evidenceOf.get(prev) : undefined);
      if (ev !== undefined && ev !== null) evidenceOf.set(next, ev);
      folded.set(key, next);
    }
  }
  const all = [...folded.values()].sort(
    (a, b) =>
      b.lastSeenAt.getTime() - a.lastSeenAt.getTime() ||
      a.reseller.localeCompare(b.reseller) ||
      a.sku.localeCompare(b.sku),
  );
  const offset = opts.offset ?? 0;
  const page = opts.limit === undefined ? all.slice(offset) : all.slice(offset, offset + opts.limit);
  const refs = await loadFindingEvidenceRefs(
    db,
    page.map((r) => evidenceOf.get(r)),
  );
  for (const r of page) r.evidence = refs.get(evidenceOf.get(r) ?? -1) ?? null;
  return page;
}

/** The seller's identity as the summary keys it (migrations/20261203030000): group, storefront or id, else name. */
export function sellerKey(s: Record<string, unknown>): string {
  const group = str(s['group']).trim().toLowerCase();
  if (group) return `group:${group}`;
  const key = str(s['key']);
  return /^(url|id):/.test(key) ? key : str(s['seller']).trim().toLowerCase();
}

/** Only well-formed signals: the detail is JSON written by this program, but read defensively. */
export function greySignals(v: unknown): GreySignal[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (x): x is GreySignal =>
      typeof x === 'object' &&
      x !== null &&
      ['below_dealer_cost', 'brand_mismatch', 'foreign_gtin_prefix', 'compatible_wording'].includes(
        (x as { signal?: unknown }).signal as string,
      ),
  );
}
