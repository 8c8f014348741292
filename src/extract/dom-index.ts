/**
 * One walk over the parsed document collecting everything the extractors look at, so no
 * extractor scans the whole document again (this is the hot path: thousands of pages a run).
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

export interface DomIndex {
  h1: Element[];
  meta: Element[];
  ldScripts: Element[];
  itemscopes: Element[];
  itemprops: Element[];
  /** Elements whose class/id names a price (document order). */
  priceEls: Element[];
  /** Inline scripts that are not JSON-LD (state blobs, analytics): embedded-JSON evidence. */
  dataScripts: Element[];
  canonical?: string;
  docTitle: string;
  /** `<html lang>`, when given. */
  htmlLang?: string;
}

const PRICE_ATTR = /price|prix|preis|precio|prezzo|cena|preco/i;

export function indexDom($: CheerioAPI): DomIndex {
  const idx: DomIndex = {
    h1: [],
    meta: [],
    ldScripts: [],
    itemscopes: [],
    itemprops: [],
    priceEls: [],
    dataScripts: [],
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
export function textOf(node: AnyNode | null | undefined, limit = Number.POSITIVE_INFINITY): string {
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
    if (n.type === 'tag' && (n as Element).name === 'template' && n !== node) continue;
    const kids = (n as { children?: AnyNode[] }).children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}
