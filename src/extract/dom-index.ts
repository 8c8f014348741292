/**
 * One walk over the parsed document collecting everything the extractors look at, so no
 * extractor scans the whole document again (this is the hot path: thousands of pages a run).
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

export interface DomIndex {
  h1: Element[];
  /** Other elements that may hold the product title: h2, itemprop=name, product-title classes. */
  titleLike: Element[];
  meta: Element[];
  ldScripts: Element[];
  itemscopes: Element[];
  itemprops: Element[];
  /** Elements whose class/id names a price (document order). */
  priceEls: Element[];
  /** Buttons, submit inputs, forms and button-styled links: where add-to-cart controls are. */
  controls: Element[];
  /** Inline scripts that are not JSON-LD (state blobs, analytics): embedded-JSON evidence. */
  dataScripts: Element[];
  /** `a[href]` in document order: where seller-links.ts looks for storefront links. */
  links: Element[];
  canonical?: string;
  docTitle: string;
  /** `<html lang>`, when given. */
  htmlLang?: string;
}

const PRICE_ATTR = /price|prix|preis|precio|prezzo|cena|preco/i;
const TITLE_CLASS = /(product|item|pdp)[-_]?(title|name)|(^|\s)(title|product-title|productTitle)(\s|$)/i;

export function indexDom($: CheerioAPI): DomIndex {
  const idx: DomIndex = {
    h1: [],
    titleLike: [],
    meta: [],
    ldScripts: [],
    itemscopes: [],
    itemprops: [],
    priceEls: [],
    dataScripts: [],
    links: [],
    controls: [],
    docTitle: '',
  };
  const root = $.root().get(0);
  if (!root) return idx;
  const stack: AnyNode[] = [root];
  const order: Element[] = [];
  // iterative pre-order walk (document order)
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'tag' || n.type === 'script' || n.type === 'style') {
      order.push(n as Element);
    }
    const kids = (n as { children?: AnyNode[] }).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  for (const el of order) {
    const a = el.attribs;
    const name = el.name;
    if (name === 'h1') idx.h1.push(el);
    else if (name === 'h2' || a['itemprop'] === 'name' || TITLE_CLASS.test(`${a['class'] ?? ''} ${a['id'] ?? ''}`))
      idx.titleLike.push(el);
    else if (name === 'meta') idx.meta.push(el);
    else if (name === 'script') {
      if (/ld\+json/i.test(a['type'] ?? '')) idx.ldScripts.push(el);
      else if (a['src'] === undefined && el.children.length > 0) idx.dataScripts.push(el);
      continue;
    } else if (name === 'title' && !idx.docTitle) idx.docTitle = textOf(el);
    else if (name === 'html' && idx.htmlLang === undefined && a['lang']) idx.htmlLang = a['lang'];
    else if (
      name === 'link' &&
      idx.canonical === undefined &&
      /(^|\s)canonical(\s|$)/i.test(a['rel'] ?? '') &&
      a['href']
    )
      idx.canonical = a['href'];
    if (name === 'a' && a['href'] !== undefined) idx.links.push(el);
    if (
      name === 'button' ||
      name === 'form' ||
      (name === 'input' && /^(submit|button|image)$/i.test(a['type'] ?? '')) ||
      (name === 'a' && /button|btn|cart|buy/i.test(a['class'] ?? ''))
    )
      idx.controls.push(el);
    if (a['itemscope'] !== undefined) idx.itemscopes.push(el);
    if (a['itemprop'] !== undefined) idx.itemprops.push(el);
    if (
      PRICE_ATTR.test(a['class'] ?? '') ||
      PRICE_ATTR.test(a['id'] ?? '') ||
      a['itemprop'] === 'price' ||
      a['data-price'] !== undefined
    )
      idx.priceEls.push(el);
  }
  return idx;
}

/**
 * Text of a node and its descendants, walked iteratively (cheerio's `.text()` recurses, and a page
 * of 10,000 nested elements overflows the stack). Stops once `limit` characters are collected:
 * callers that look at a few words near a price need not copy a whole sibling subtree.
 * Skips script, style and template bodies, which are never visible text.
 */
export function textOf(
  node: AnyNode | null | undefined,
  limit = Number.POSITIVE_INFINITY,
  skip?: (el: Element) => boolean,
): string {
  if (!node) return '';
  let out = '';
  const stack: AnyNode[] = [node];
  while (stack.length && out.length < limit) {
    const n = stack.pop()!;
    if (n.type === 'text') {
      out += (n as unknown as { data: string }).data;
      continue;
    }
    if ((n.type === 'script' || n.type === 'style') && n !== node) continue;
    if (n.type === 'tag' && n !== node && ((n as Element).name === 'template' || skip?.(n as Element))) continue;
    const kids = (n as { children?: AnyNode[] }).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/**
 * All text of a node, scripts and templates included: what cheerio's `.text()` gives (domutils'
 * textContent), walked iteratively so a deeply nested page cannot overflow the stack.
 */
export function textContentOf(node: AnyNode): string {
  let out = '';
  const stack: AnyNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'text') out += (n as unknown as { data: string }).data;
    else if (n.type === 'comment') continue;
    const kids = (n as { children?: AnyNode[] }).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

const HIDDEN_CLASS = /(^|\s)(hidden|d-none|hide|is-hidden|u-hidden|invisible|display-none)(\s|$)/i;

/**
 * Hidden from everyone (not merely from sighted users): the `hidden` attribute, inline
 * display:none / visibility:hidden, or a utility class that does that. Screen-reader-only text
 * ("sr-only", "a-offscreen") is not hidden: it is the accessible copy of what is shown.
 */
export function isHidden(el: Element): boolean {
  const a = el.attribs;
  if (a['hidden'] !== undefined) return true;
  const style = a['style'];
  if (style && /(display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style)) return true;
  return HIDDEN_CLASS.test(a['class'] ?? '');
}

/** Struck through: a former price inside the element (`<del>`, `<s>`, `<strike>`, line-through). */
export function isStruck(el: Element): boolean {
  const n = el.name;
  if (n === 'del' || n === 's' || n === 'strike') return true;
  return /line-through/i.test(el.attribs['style'] ?? '');
}

/** Hidden or struck: a part of a value that is never its price. */
export const notThePrice = (el: Element): boolean => isHidden(el) || isStruck(el);

/** The element or one of its ancestors is hidden. */
export function hiddenWithin(el: Element): boolean {
  for (let n: AnyNode | null = el; n && n.type === 'tag'; n = n.parent) if (isHidden(n as Element)) return true;
  return false;
}
