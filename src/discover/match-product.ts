/**
 * Match one discovered page to the catalog: by GTIN (as GTIN-14, check digit verified), by
 * MPN + brand, or by title similarity. Precision first: a wrong automatic match would make
 * mapwatch accuse a reseller over a product it does not sell, so only evidence that names
 * the product uniquely (a valid GTIN, or the brand's own part number with the brand) can
 * make a listing alone. Anything weaker, or any contradiction (another brand on a page with
 * the OEM's GTIN, a GTIN that disagrees with the MPN, "compatible with" wording), waits for
 * a person, with the reasons.
 */
import type { MatchMethod } from '../db/tables.js';
import { gtin14 } from '../normalize/gtin.js';
import { sameBrand, titleSimilarity, normalizeMpn } from '../normalize/similarity.js';

export interface CatalogProduct {
  id: number;
  sku: string;
  name: string;
  brand: string | null;
  gtin: string | null;
  mpn: string | null;
}

export interface PageIdentity {
  gtin?: string;
  mpn?: string;
  brand?: string;
  name?: string;
  /** Sentences with "compatible with" / "replacement for" wording (see read-page-identity.ts). */
  compatibility?: string[];
}

export interface ProductMatch {
  productId: number;
  method: MatchMethod;
  /** 0–1; `auto` is decided against the site's `review_below`. */
  confidence: number;
  /** Why it is not higher (a contradiction, wording); empty for a clean match. */
  doubts: string[];
}

/** Title matches never reach this: a title alone is never enough for a listing. */
export const TITLE_CONFIDENCE_CAP = 0.9;
/** Below this similarity a title match is not even proposed for review. */
export const TITLE_MIN_SIMILARITY = 0.6;
/** The best title must beat the runner-up by this much, or the page is ambiguous. */
const TITLE_MARGIN = 0.1;

export class Catalog {
  private readonly byGtin = new Map<string, CatalogProduct[]>();
  private readonly byMpn = new Map<string, CatalogProduct[]>();

  constructor(readonly products: readonly CatalogProduct[]) {
    for (const p of products) {
      const g = gtin14(p.gtin);
      if (g) push(this.byGtin, g, p);
      const m = normalizeMpn(p.mpn);
      if (m) push(this.byMpn, m, p);
    }
  }

  gtin(g: string): CatalogProduct[] {
    return this.byGtin.get(g) ?? [];
  }

  mpn(m: string): CatalogProduct[] {
    return this.byMpn.get(m) ?? [];
  }

  /** Catalog part numbers (MPN or SKU) a text mentions, for "compatible with" wording. */
  partNumbersIn(text: string): CatalogProduct[] {
    const t = ` ${text.toUpperCase().replace(/[^A-Z0-9]+/g, ' ')} `;
    const squeezed = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
    return this.products.filter((p) =>
      [p.mpn, p.sku].some((id) => {
        const n = normalizeMpn(id);
        return n !== null && n.length >= 4 && (t.includes(` ${n} `) || squeezed.includes(n));
      }),
    );
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function matchProduct(page: PageIdentity, catalog: Catalog): ProductMatch | null {
  const doubts: string[] = [];
  const compatible = (page.compatibility ?? []).filter((s) => catalog.partNumbersIn(s).length > 0);
  if (compatible.length)
    doubts.push(`"compatible with" wording names a catalog part: "${compatible[0]!.slice(0, 120)}"`);

  const pageGtin = gtin14(page.gtin);
  if (page.gtin && !pageGtin) doubts.push(`page GTIN "${page.gtin.slice(0, 40)}" has a wrong check digit or length`);
  const pageMpn = normalizeMpn(page.mpn);

  if (pageGtin) {
    const hits = catalog.gtin(pageGtin);
    if (hits.length === 1) {
      const p = hits[0]!;
      let confidence = page.brand ? 1 : 0.97;
      if (page.brand && p.brand && !sameBrand(page.brand, p.brand)) {
        doubts.push(`page brand "${page.brand.slice(0, 60)}" is not the catalog's "${p.brand}" for this GTIN`);
        confidence = 0.6;
      }
      const mpn = normalizeMpn(p.mpn);
      if (pageMpn && mpn && pageMpn !== mpn) {
        doubts.push(`page MPN "${page.mpn}" is not the catalog's "${p.mpn}" for this GTIN`);
        confidence = Math.min(confidence, 0.7);
      }
      if (compatible.length) confidence = Math.min(confidence, 0.5);
      return { productId: p.id, method: 'gtin', confidence, doubts };
    }
    if (hits.length > 1) doubts.push(`GTIN ${pageGtin} is on ${hits.length} catalog products`);
  }

  if (pageMpn) {
    const hits = catalog.mpn(pageMpn).filter((p) => !page.brand || !p.brand || sameBrand(page.brand, p.brand));
    if (hits.length === 1) {
      const p = hits[0]!;
      let confidence = page.brand && p.brand ? 0.96 : 0.8;
      if (!page.brand) doubts.push('the page names no brand beside the MPN');
      if (pageGtin && gtin14(p.gtin) && pageGtin !== gtin14(p.gtin)) {
        doubts.push(`page GTIN ${pageGtin} is not the catalog's for this MPN`);
        confidence = 0.5;
      }
      if (compatible.length) confidence = Math.min(confidence, 0.5);
      return { productId: p.id, method: 'mpn_brand', confidence, doubts };
    }
    if (hits.length > 1) doubts.push(`MPN ${page.mpn} is on ${hits.length} catalog products of that brand`);
  }

  if (page.name) {
    const scored = catalog.products
      .filter((p) => !page.brand || !p.brand || sameBrand(page.brand, p.brand))
      .map((p) => ({ p, s: titleSimilarity(page.name!, p.name) }))
      .sort((a, b) => b.s - a.s);
    const [best, next] = scored;
    if (best && best.s >= TITLE_MIN_SIMILARITY && (!next || best.s - next.s >= TITLE_MARGIN)) {
      let confidence = Math.min(TITLE_CONFIDENCE_CAP, Math.round(best.s * TITLE_CONFIDENCE_CAP * 1000) / 1000);
      if (compatible.length) confidence = Math.min(confidence, 0.5);
      return {
        productId: best.p.id,
        method: 'title',
        confidence,
        doubts: [...doubts, `title only (similarity ${best.s.toFixed(2)})`],
      };
    }
  }
  return null;
}
