/**
 * Sellers a marketplace page names in its markup rather than its structured data:
 * - a seller link: an `<a href>` to a storefront ("/seller/ID", "/shops/ID", "?seller=ID",
 *   see catalog/seller-key.ts), or any link right after "Sold by" / "Seller:" wording;
 * - an offer-listing block ("other sellers"): sibling rows of the same tag, each holding
 *   exactly one seller link and exactly one price.
 * Only the page's main region counts (a "sold by" in a related-products carousel is another
 * product's). A row whose price is not unambiguous (two amounts, say price and shipping,
 * with no single price element) is skipped: a wrong price is worse than none.
 */
import type { Element } from 'domhandler';
import { sellerNameKey, storefrontId } from '../catalog/seller-key.js';
import { normalizeCondition } from './availability.js';
import type { Candidate } from './candidate.js';
import { type DomIndex, notThePrice, textContentOf, textOf } from './dom-index.js';
import type { RegionClassifier } from './regions.js';
import { priceFromText } from './text-price.js';

export interface SellerLink {
  el: Element;
  name: string;
  url: string;
}

const SOLD_BY =
  /(sold|shipped and sold|sold and shipped|fulfilled|offered)\s+by\s*:?\s*$|\b(seller|vendor|merchant|store)\s*:\s*$|verkauf\s+(und\s+versand\s+)?durch\s*:?\s*$|vendu\s+par\s*:?\s*$|vendido\s+por\s*:?\s*$|venduto\s+da\s*:?\s*$/i;
const PRICE_CLASS = /price/i;
const NOT_PRICE_CLASS = /ship|deliver|freight|was|list|old|strike|regular|save|saving|unit|per-|tax/i;
const MAX_ROW_DEPTH = 6;

/** Text just before `el` within its parent (and the parent's parent), at most 60 characters. */
function textBefore(el: Element): string {
  let s = '';
  for (let n: Element | null = el, depth = 0; n && depth < 2 && s.length < 60; depth++) {
    let prev = n.prev;
    while (prev && s.length < 60) {
      s = textOf(prev, 80) + s;
      prev = prev.prev;
    }
    n = n.parent?.type === 'tag' ? (n.parent as Element) : null;
  }
  return s.replace(/\s+/g, ' ').slice(-60);
}

/** The page's seller links, from the DOM index's `a[href]` (the document is not walked or selected again). */
export function findSellerLinks(
  idx: Pick<DomIndex, 'links'>,
  pageUrl: string,
  regions: RegionClassifier,
): SellerLink[] {
  const out: SellerLink[] = [];
  for (const a of idx.links) {
    if (out.length >= 200) break;
    // The region first: most links of a page (menus, footer, carousels) are outside the main
    // region, and resolving and reading each of them cost more than the whole walk up.
    if (regions.of(a) !== 'main') continue;
    const href = a.attribs['href'] ?? '';
    let url: string;
    try {
      url = new URL(href, pageUrl).toString();
    } catch {
      continue;
    }
    if (!/^https?:/i.test(url)) continue;
    const name = textContentOf(a).replace(/\s+/g, ' ').trim();
    if (!name || name.length > 120) continue;
    if (storefrontId(url) || SOLD_BY.test(textBefore(a))) out.push({ el: a, name, url });
  }
  return out;
}

/** The storefront URL each named seller links to, when it links exactly one (by name key). */
export function storefrontsByName(links: readonly SellerLink[]): Map<string, string> {
  const urls = new Map<string, Set<string>>();
  for (const l of links) {
    const k = sellerNameKey(l.name);
    urls.set(k, (urls.get(k) ?? new Set()).add(l.url));
  }
  return new Map([...urls].flatMap(([k, set]) => (set.size === 1 ? [[k, [...set][0]!] as const] : [])));
}

const contains = (outer: Element, inner: Element): boolean => {
  for (let n: Element | null = inner; n; n = n.parent?.type === 'tag' ? (n.parent as Element) : null)
    if (n === outer) return true;
  return false;
};

/** The row of an offer list holding `link`: an ancestor with a same-tag sibling that holds another seller link. */
function rowOf(link: SellerLink, links: readonly SellerLink[]): Element | null {
  let n: Element | null = link.el;
  for (let depth = 0; n && depth < MAX_ROW_DEPTH; depth++) {
    const parent: Element | null = n.parent?.type === 'tag' ? (n.parent as Element) : null;
    if (!parent) return null;
    const row: Element = n;
    const mine = links.filter((l) => contains(row, l.el));
    if (mine.length > 1) return null;
    const siblings = parent.children.filter(
      (c): c is Element => c !== row && c.type === 'tag' && (c as Element).name === row.name,
    );
    if (siblings.some((s) => links.some((l) => contains(s, l.el)))) return row;
    n = parent;
  }
  return null;
}

/** The elements under `row` in document order (what `$(row).find('*')` gives), without a selector engine. */
function descendants(row: Element): Element[] {
  const out: Element[] = [];
  const stack = [...row.children].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
    out.push(n as Element);
    const kids = (n as Element).children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** One unambiguous price in the row: its single price element, else the row's only amount. */
function rowPrice(row: Element, link: Element, currencyHint?: string, locale?: string) {
  const priceEls = descendants(row)
    .filter((e) => {
      const cls = `${e.attribs['class'] ?? ''} ${e.attribs['itemprop'] ?? ''}`;
      return PRICE_CLASS.test(cls) && !NOT_PRICE_CLASS.test(cls) && !notThePrice(e);
    })
    // the outermost price element only (a .price holding .price-whole and .price-fraction)
    .filter((e, _, all) => !all.some((o) => o !== e && contains(o, e)));
  if (priceEls.length > 1) return null;
  const source = priceEls[0] ?? row;
  const text = textOf(source, Number.POSITIVE_INFINITY, (e) => e === link || notThePrice(e));
  const p = priceFromText(text, currencyHint, locale);
  return p && p.candidates === 1 && !p.unsettledSign ? p : null;
}

const CONDITION = /\b(used|refurbished|renewed|pre-?owned|open[- ]box|damaged|new)\b/i;

/** Offer rows of an "other sellers" block, as candidates with source `text` (never the primary). */
export function offerListingRows(links: readonly SellerLink[], currencyHint?: string, locale?: string): Candidate[] {
  const out: Candidate[] = [];
  for (const link of links) {
    const row = rowOf(link, links);
    if (!row) continue;
    const p = rowPrice(row, link.el, currencyHint, locale);
    if (!p || !p.currency) continue;
    const c: Candidate = {
      source: 'text',
      role: 'price',
      amount: p.amount,
      currency: p.currency,
      raw: p.raw,
      seller: link.name,
      sellerUrl: link.url,
    };
    const condition = CONDITION.exec(textOf(row, 2000, (e) => e === link.el))?.[1];
    const cond = condition ? normalizeCondition(condition.toLowerCase().replace(/\s/g, '')) : undefined;
    if (cond) c.condition = cond;
    out.push(c);
  }
  return out;
}
