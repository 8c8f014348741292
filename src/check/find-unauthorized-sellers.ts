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
 *   ("Northwind Official" vs "Northwind Official Store") shows up for a person to judge;
 * - a seller the page identifies (storefront URL, seller id) matches an authorized entry by
 *   that identity; its name alone authorizes it only when the entry gives no identity to
 *   compare (a look-alike storefront copying an authorized name is not waved through).
 * The finding never opens a case: the case is about what the reseller itself advertises.
 * Besides the site config's list, the catalog's list for the product's brand counts
 * (`mapwatch import authorized-sellers`: per brand, on every marketplace or one reseller's),
 * and a seller grouped with an authorized one (`mapwatch import seller-groups`) is authorized.
 */
import type { Verdict } from '../compare/compare-to-map.js';
import type { SiteConfig } from '../config/site-config.schema.js';
import { sellerKeys } from '../catalog/seller-key.js';
import { toMinorUnits } from '../normalize/currency.js';
import type { ObservationDraft } from './read-listing.js';

export interface UnauthorizedSeller {
  seller: string;
  /** The marketplace's id for the seller and its storefront, when the page gives them. */
  seller_id?: string;
  storefront_url?: string;
  /** The seller's most exact key (seller-key.ts): findings group by it (absent on older findings). */
  key?: string;
  amount: string;
  currency: string;
  /** null when the price could not be compared (no MAP in that currency, a promo suspension). */
  below_map: boolean | null;
  percent_below: number | null;
  map_minor: number | null;
  /** The seller group (several storefronts, one seller) this storefront belongs to, when known. */
  group?: string;
  /** The evidence row showing this seller on this listing (record-finding-evidence.ts), when stored. */
  evidence_id?: number;
}

/** The catalog's list for this product's brand, on this site's reseller (see load-map-rules.ts). */
export interface CatalogSellers {
  reseller: string;
  authorized: readonly { reseller: string | null; key: string; name: string }[];
  groups: ReadonlyMap<string, string>;
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
  catalog?: CatalogSellers,
): UnauthorizedSellerFinding[] {
  const fromCatalog = (catalog?.authorized ?? []).filter(
    (a) => a.reseller === null || a.reseller.toLowerCase() === catalog!.reseller.toLowerCase(),
  );
  const allowed = [...new Set([...(cfg.authorized_sellers ?? []), ...fromCatalog.map((a) => a.name)])];
  if (!allowed.length || !draft.offers?.length) return [];
  const exact = (k: string) => !k.startsWith('name:');
  // Names authorized by the site config, or by a catalog entry that names its seller only.
  const identified = new Set(fromCatalog.filter((a) => exact(a.key)).map((a) => norm(a.name)));
  const ok = new Set([
    ...(cfg.authorized_sellers ?? []).map(norm),
    ...fromCatalog.map((a) => norm(a.name)).filter((n) => !identified.has(n)),
  ]);
  const okKeys = new Set(fromCatalog.map((a) => a.key).filter(exact));
  const okGroups = new Set(
    fromCatalog.flatMap((a) => (catalog!.groups.get(a.key) ? [catalog!.groups.get(a.key)!] : [])),
  );
  for (const name of cfg.authorized_sellers ?? []) {
    const g = catalog?.groups.get(`name:${norm(name)}`);
    if (g) okGroups.add(g);
  }
  const seen = new Set<string>();
  const sellers: UnauthorizedSeller[] = [];
  for (const offer of draft.offers) {
    if (!offer.seller) continue;
    const keys = sellerKeys({ name: offer.seller, id: offer.sellerId ?? null, url: offer.sellerUrl ?? null });
    if (keys.some((k) => okKeys.has(k))) continue;
    if (ok.has(norm(offer.seller))) continue;
    // An entry with an identity authorizes by name only an offer that carries no identity to compare.
    if (identified.has(norm(offer.seller)) && !keys.some(exact)) continue;
    const group = keys.map((k) => catalog?.groups.get(k)).find((g) => g !== undefined);
    if (group && okGroups.has(group)) continue;
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
      ...(offer.sellerId ? { seller_id: offer.sellerId } : {}),
      ...(offer.sellerUrl ? { storefront_url: offer.sellerUrl } : {}),
      key: keys[0]!,
      amount: offer.amount,
      currency: offer.currency,
      below_map: compared ? compared.kind === 'violation' : null,
      percent_below: compared?.kind === 'violation' ? compared.percentBelow : null,
      map_minor: compared ? compared.mapMinor : null,
      ...(group ? { group } : {}),
    });
  }
  return sellers.length ? [{ kind: 'unauthorized_seller', detail: { sellers, authorized: allowed } }] : [];
}
