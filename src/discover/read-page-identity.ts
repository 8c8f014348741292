/**
 * What a discovered page says about its product: GTIN, MPN, brand and name from the same
 * extractors a price read uses (structured data first), its canonical URL, and any
 * "compatible with" / "replacement for" wording (a non-genuine part sold under the OEM's
 * part number). Page text is untrusted: everything is cut to a bounded length.
 */
import type { CheerioAPI } from 'cheerio';
import { compatibilitySentences } from '../extract/compatibility-wording.js';
import { extractOffers } from '../extract/extract-offers.js';
import { parseHtml } from '../extract/parse-html.js';
import type { SiteConfig } from '../config/site-config.schema.js';
import type { Offer } from '../types.js';
import type { PageIdentity } from './match-product.js';

export interface PageRead extends PageIdentity {
  canonical?: string;
  /** Offers the page advertises (the buy box and other sellers), for the listing's first read. */
  offers: Offer[];
}

const cut = (s: string | undefined, n = 300) =>
  s ? s.replace(/\s+/g, ' ').trim().slice(0, n) || undefined : undefined;

export function readPageIdentity(html: string, url: string, site: Partial<SiteConfig>): PageRead {
  // One parse for the offers, the identity and the wording: the one a price read makes
  // (htmlparser2), where a second cheerio.load (parse5) cost several times the first on real pages.
  const $ = parseHtml(html);
  const r = extractOffers($, { url, site });
  const offer = r.primary ?? r.offers[0];
  const ld = structuredIdentity($);
  const out: PageRead = { offers: r.offers };
  const gtin = offer?.gtin ?? ld.gtin ?? $('[itemprop^="gtin"]').first().attr('content');
  const mpn = offer?.mpn ?? ld.mpn ?? $('[itemprop="mpn"]').first().attr('content');
  const brand = offer?.brand ?? ld.brand ?? $('[itemprop="brand"]').first().text();
  const name = offer?.name ?? ld.name ?? $('h1').first().text() ?? $('meta[property="og:title"]').attr('content');
  if (cut(gtin, 40)) out.gtin = cut(gtin, 40)!;
  if (cut(mpn, 80)) out.mpn = cut(mpn, 80)!;
  if (cut(brand, 120)) out.brand = cut(brand, 120)!;
  if (cut(name)) out.name = cut(name)!;
  const canonical = $('link[rel="canonical"]').attr('href');
  if (canonical) {
    try {
      out.canonical = new URL(canonical, url).href;
    } catch {
      // an unparseable canonical says nothing
    }
  }
  const sentences = compatibilitySentences(html, $);
  if (sentences.length) out.compatibility = sentences;
  return out;
}

/** The first JSON-LD Product's identity, for pages that state no price (no offer to carry it). */
function structuredIdentity($: CheerioAPI): Partial<Record<'gtin' | 'mpn' | 'brand' | 'name', string>> {
  for (const el of $('script[type="application/ld+json"]').toArray()) {
    let data: unknown;
    try {
      data = JSON.parse($(el).text());
    } catch {
      continue;
    }
    const nodes = (
      Array.isArray(data) ? data : [data, ...((data as { '@graph'?: unknown[] })?.['@graph'] ?? [])]
    ) as Record<string, unknown>[];
    const p = nodes.find((n) => n && typeof n === 'object' && /product/i.test(String(n['@type'])));
    if (!p) continue;
    const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
    const brand = p['brand'];
    return {
      gtin: str(p['gtin13'] ?? p['gtin12'] ?? p['gtin14'] ?? p['gtin8'] ?? p['gtin']),
      mpn: str(p['mpn']),
      brand: typeof brand === 'object' && brand ? str((brand as Record<string, unknown>)['name']) : str(brand),
      name: str(p['name']),
    };
  }
  return {};
}
