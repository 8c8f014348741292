/**
 * Unauthorized sellers on a marketplace listing. A marketplace page carries one buy box
 * (the primary offer, judged against MAP as usual) and offers from other sellers. When a
 * site config lists `authorized_sellers`, every offer for this product from a seller the
 * page names and the list does not contain is an `unauthorized_seller` finding, with its
 * price and whether that price is below MAP. The rule is deliberately narrow:
 * - only offers that name their seller count: an unnamed offer is the site's own;
 * - used and refurbished offers are skipped (MAP policies cover new goods);
 * - an offer whose GTIN is another product's is skipped (a related-products block);
 * - names match case- and whitespace-insensitively, nothing fuzzier, so a near miss
 *   ("Northwind Official" vs "Northwind Official Store") shows up for a person to judge.
 * The finding never opens a case: the case is about what the reseller itself advertises.
 */
import type { Verdict } from '../compare/compare-to-map.js';
import type { SiteConfig } from '../config/site-config.schema.js';
import { toMinorUnits } from '../normalize/currency.js';
import type { ObservationDraft } from './read-listing.js';

export interface UnauthorizedSeller {
  seller: string;
  amount: string;
  currency: string;
  /** null when the price could not be compared (no MAP in that currency, a promo suspension). */
  below_map: boolean | null;
  percent_below: number | null;
  map_minor: number | null;
}

export interface UnauthorizedSellerFinding {
  kind: 'unauthorized_seller';
  detail: { sellers: UnauthorizedSeller[]; authorized: string[] };
}

const norm = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
const gtin14 = (g: string) => g.replace(/\D/g, '').padStart(14, '0');

/**
 * `judgeAmount` compares an amount with the MAP in effect exactly as the listing's own read
 * is compared (pack size, VAT, promo windows), so both verdicts mean the same thing.
 */
export function findUnauthorizedSellers(
  draft: ObservationDraft,
  cfg: Pick<SiteConfig, 'authorized_sellers'>,
  gtin: string | null,
  judgeAmount: (draft: ObservationDraft) => Verdict | null,
): UnauthorizedSellerFinding[] {
  const allowed = cfg.authorized_sellers;
  if (!allowed?.length || !draft.offers?.length) return [];
  const ok = new Set(allowed.map(norm));
  const seen = new Set<string>();
  const sellers: UnauthorizedSeller[] = [];
  for (const offer of draft.offers) {
    if (!offer.seller || ok.has(norm(offer.seller))) continue;
    if (offer.condition && offer.condition !== 'new') continue;
    if (gtin && offer.gtin && gtin14(gtin) !== gtin14(offer.gtin)) continue;
    const key = `${norm(offer.seller)}|${offer.amount}|${offer.currency}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let amountMinor: number;
    try {
      amountMinor = toMinorUnits(offer.amount, offer.currency);
    } catch {
      continue; // an amount its currency cannot hold is no price at all
    }
    const v = judgeAmount({ ...draft, status: 'ok', offer, amountMinor, currency: offer.currency });
    const compared = v && v.kind !== 'not_comparable' ? v : null;
    sellers.push({
      seller: offer.seller,
      amount: offer.amount,
      currency: offer.currency,
      below_map: compared ? compared.kind === 'violation' : null,
      percent_below: compared?.kind === 'violation' ? compared.percentBelow : null,
      map_minor: compared ? compared.mapMinor : null,
    });
  }
  return sellers.length ? [{ kind: 'unauthorized_seller', detail: { sellers, authorized: [...allowed] } }] : [];
}
