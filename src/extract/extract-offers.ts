/**
 * extractOffers: the offers a product page advertises and the primary one (the page's own
 * product), structured data first. One parse per call (parse-html.ts; none, given a parsed page); never throws on page content.
 */
import * as cheerio from 'cheerio';
import type { SiteConfig } from '../config/site-config.schema.js';
import type { ExtractResult, Offer } from '../types.js';
import { type Candidate, type PageContext, toOffer } from './candidate.js';
import { type DomIndex, indexDom, textOf } from './dom-index.js';
import { parseHtml } from './parse-html.js';
import { findBlobs } from './embedded-blobs.js';
import { embeddedPrices } from './embedded-prices.js';
import { extractJsonLd } from './json-ld.js';
import { layoutFold, pickWithLayout } from './layout-facts.js';
import { magentoPrices } from './magento-price-box.js';
import { type EmbeddedWitness, matchEmbedded, type PageIds } from './match-embedded.js';
import { extractMeta } from './meta-tags.js';
import { extractMicrodata } from './microdata.js';
import { resolvePageCurrency } from './page-currency.js';
import { type Pick, pickPrimary } from './pick-primary.js';
import { finishExtract } from './finish-extract.js';
import { markupWitness } from './markup-witness.js';
import { RegionClassifier } from './regions.js';
import { extractSelectors } from './selectors.js';
import { findSellerLinks, offerListingRows, storefrontsByName } from './seller-links.js';
import { sellerNameKey } from '../catalog/seller-key.js';
import { findUnclassedPrices, pickUnclassed } from './unclassed-prices.js';
import { ancestorsOf, extractVisibleText, findTitle, pickTextPrice } from './visible-text.js';

export interface ExtractOptions {
  url: string;
  /** Read the visible text even when structured data settles the price (`sites test` shows every source). */
  alwaysReadText?: boolean;
  site?: Partial<SiteConfig>;
  /**
   * The market default for a page that settles no currency itself (a `$` on a generic domain):
   * the caller passes MAPWATCH_DEFAULT_CURRENCY. Unset means such a page gives no price.
   */
  defaultCurrency?: string;
}

/**
 * A selling price of zero or less is a placeholder ("0.00" before a script fills the price in, a
 * "call for price" product), and ten billion or more in major units is a parsing accident (an
 * id or a GTIN in a price field). Neither is ever a read: dropped with a reason, so the page
 * gives no price rather than a false one.
 */
function dropImplausible(src: string, cs: Candidate[], warnings: string[]): Candidate[] {
  return cs.filter((c) => {
    const n = Number(c.amount);
    if (c.role !== 'price' || (n > 0 && n < 1e10)) return true;
    warnings.push(`${src}: price ${c.amount} is ${n <= 0 ? 'zero' : 'implausibly large'}; never a selling price`);
    return false;
  });
}

/** SKUs and GTINs the page's structured data gives its own product: they pick it out of a state blob. */
function pageIds(bySource: Map<string, Candidate[]>): PageIds {
  const ids: PageIds = { skus: new Set(), gtins: new Set() };
  for (const cs of bySource.values())
    for (const c of cs) {
      if (c.related) continue;
      const sku = c.sku ?? c.product?.sku;
      if (sku) ids.skus.add(sku.toLowerCase());
      const gtin = c.gtin ?? c.product?.gtin;
      if (gtin) ids.gtins.add(gtin.replace(/^0+/, ''));
    }
  return ids;
}

/** `html` may come parsed already (parse-html.ts), when the caller shares the document with later steps. */
export function extractOffers(html: string | cheerio.CheerioAPI, opts: ExtractOptions): ExtractResult {
  const warnings: string[] = [];
  const locale = opts.site?.locale;
  const $ = typeof html === 'string' ? parseHtml(html) : html;
  const idx = indexDom($);
  const jsonLd = extractJsonLd($, idx, warnings);
  const pageCurrency = resolvePageCurrency({
    $,
    idx,
    url: opts.url,
    siteCurrency: opts.site?.currency,
    jsonLdCodes: jsonLd.flatMap((c) => (c.currency ? [c.currency] : [])),
    defaultCurrency: opts.defaultCurrency,
  });
  // the currency that settles `$`, `kr`, `¥` and amounts with no sign
  const siteCurrency = pageCurrency.currency ?? undefined;
  const titleEl = findTitle(idx);
  const regions = new RegionClassifier(ancestorsOf(titleEl));
  const ctx: PageContext = {
    url: opts.url,
    title: (titleEl
      ? textOf(titleEl)
      : (idx.meta.find((m) => m.attribs['property'] === 'og:title')?.attribs['content'] ?? '')
    )
      .replace(/\s+/g, ' ')
      .trim(),
  };
  const canonical = idx.canonical ?? idx.meta.find((m) => m.attribs['property'] === 'og:url')?.attribs['content'];
  if (canonical) ctx.canonical = canonical;
  if (siteCurrency) ctx.siteCurrency = siteCurrency;
  if (locale) ctx.locale = locale;

  const withSellers = (result: ExtractResult): ExtractResult => {
    addSellerIdentities(idx, opts, regions, result.offers, siteCurrency, locale);
    return result;
  };

  const bySource = new Map<string, Candidate[]>([
    ['json-ld', jsonLd],
    ['microdata', extractMicrodata($, idx, regions, siteCurrency, locale, warnings)],
    ['meta', extractMeta($, idx, siteCurrency, locale)],
    ['selector', extractSelectors($, opts.site?.selectors, warnings, siteCurrency, locale)],
  ]);
  const settleCurrency = (cs: Candidate[]) => {
    for (const c of cs) if (!c.currency && siteCurrency && !c.unsettledSign) c.currency = siteCurrency;
  };
  for (const cs of bySource.values()) settleCurrency(cs);
  for (const [src, cs] of bySource) bySource.set(src, dropImplausible(src, cs, warnings));
  const statePrices = [...embeddedPrices(findBlobs($, idx, warnings), warnings), ...magentoPrices($, idx)];
  const embedded = matchEmbedded(statePrices, ctx, pageIds(bySource));

  // Structured data that settles the price alone, with a witness in the markup: the visible
  // text could only add a warning, so it is not read (markup-witness.ts).
  const alone = opts.alwaysReadText ? null : settledByMarkup(bySource, ctx, embedded.witness, idx);
  if (alone) {
    if (embedded.reason) warnings.push(`embedded: ${embedded.reason}`);
    warnings.push(...alone.warnings);
    return withSellers(finishExtract(bySource, alone.pick, {}, pageCurrency, warnings));
  }

  const textCands = extractVisibleText($, idx, regions, titleEl, siteCurrency, locale);
  settleCurrency(textCands);
  let textPick = pickTextPrice(textCands);
  const fold = textPick.chosen || textPick.scores === undefined ? null : layoutFold($);
  if (fold !== null) {
    // the static model saw a tie; a browser's layout may settle it on clear evidence
    const laid = pickWithLayout(textCands, fold);
    if (laid.chosen) {
      // the witnesses pickPrimary consults see the page as laid out, too
      textCands.splice(0, textCands.length, ...laid.cands);
      warnings.push(`text: layout read settled the visible prices at ${laid.chosen.amount}`);
      textPick = laid;
    } else warnings.push(laid.reason ?? 'layout: no clear evidence');
  }
  if (!textCands.some((c) => (c.role === 'price' || c.softList) && !c.related)) {
    // nothing marked as a price: what a "Price" label or the add-to-cart form shows
    const unclassed = findUnclassedPrices({ $, idx, regions, title: titleEl, currencyHint: siteCurrency, locale });
    for (const c of unclassed) if (!c.currency && siteCurrency && !c.unsettledSign) c.currency = siteCurrency;
    textPick = pickUnclassed(unclassed);
    textCands.push(...unclassed);
  }

  if (embedded.reason) warnings.push(`embedded: ${embedded.reason}`);
  const pick = pickPrimary(bySource, textPick, ctx, warnings, { embedded: embedded.witness, textCands });
  return withSellers(finishExtract(bySource, pick, textPick, pageCurrency, warnings));
}

/** The structured pick when it needs no visible text (pick-primary.ts `settledAlone`) and the markup witnesses it. */
function settledByMarkup(
  bySource: Map<string, Candidate[]>,
  ctx: PageContext,
  embedded: EmbeddedWitness | undefined,
  idx: DomIndex,
): { pick: Pick; warnings: string[] } | null {
  const warnings: string[] = [];
  const pick = pickPrimary(bySource, {}, ctx, warnings, { embedded });
  if (!pick.settledAlone || !pick.chosen || pick.ambiguous) return null;
  const witness = markupWitness({ chosen: pick.chosen, bySource, embedded, idx });
  return witness ? { pick, warnings } : null;
}

/**
 * Seller identity beyond structured data: a storefront URL the page links under the seller's
 * name fills in an offer that names its seller only, and an "other sellers" block adds the
 * offers of sellers the structured data does not name. Relative storefront URLs are resolved
 * against the page. These offers never compete for the primary price (it is picked above).
 */
function addSellerIdentities(
  idx: DomIndex,
  opts: ExtractOptions,
  regions: RegionClassifier,
  offers: Offer[],
  currencyHint?: string,
  locale?: string,
): void {
  for (const o of offers) {
    if (!o.sellerUrl) continue;
    try {
      o.sellerUrl = new URL(o.sellerUrl, opts.url).toString();
    } catch {
      delete o.sellerUrl;
    }
  }
  const links = findSellerLinks(idx, opts.url, regions);
  if (!links.length) return;
  const byName = storefrontsByName(links);
  for (const o of offers) {
    if (o.seller && !o.sellerUrl) {
      const url = byName.get(sellerNameKey(o.seller));
      if (url) o.sellerUrl = url;
    }
  }
  const named = new Set(offers.flatMap((o) => (o.seller ? [sellerNameKey(o.seller)] : [])));
  for (const c of offerListingRows(links, currencyHint, locale)) {
    if (named.has(sellerNameKey(c.seller!))) continue;
    offers.push(toOffer(c, c.currency!));
  }
}
