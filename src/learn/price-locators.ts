/**
 * Price locators: CSS paths that pick a page's price, found from pages whose price was
 * read well, and applied to later pages as a cross-check of the model.
 *
 * A locator is only a candidate on a page when EVERY element it matches there holds the
 * amount that was read (a selector that also matches a struck price, a related product or
 * a label is refused), so "first match" (how `selectors.price` is applied, selectors.ts)
 * and "any match" give the same answer. Candidates are built from stable words only
 * (itemprop, id and class words, optionally qualified by one ancestor's id or class);
 * position chains (nth-child) and generated names (css-1x2y3z, long digit runs) never,
 * because they change with the next deploy or the next product.
 */
import type { CheerioAPI } from 'cheerio';
import { parseHtml } from '../extract/parse-html.js';
import type { AnyNode, Element } from 'domhandler';
import { cssSelectorProblem } from '../config/css-selector.js';
import { textOf } from '../extract/dom-index.js';
import { selectAll } from '../extract/select-cache.js';
import { normalizeAmount } from '../extract/money.js';
import { priceFromText } from '../extract/text-price.js';
import { toMinorUnits } from '../normalize/currency.js';
import { type Handle, matchHandles, parseHandle } from './match-handles.js';
import { mayShowValue } from './short-text.js';

/** Distinct listings that must share a locator before it is learned. */
export const MIN_LISTINGS = 3;
/** A price element holds a price and little else; longer texts are containers. */
const MAX_VALUE_CHARS = 60;
const MAX_CANDIDATES = 40;
/** How much of an element's text is read: past MAX_VALUE_CHARS once its spaces are collapsed, it is a container. */
const TEXT_LIMIT = MAX_VALUE_CHARS * 2;

/** The amount (minor units of `currency`) an element shows, as selectors.ts would read it; null if none. */
function minorAt(el: Element, currency: string): number | null {
  const content = el.attribs['content'];
  // Most elements of a page are containers or hold no digit: they are told from the text's
  // length and digits alone, without building it (short-text.ts), a search reading every one.
  if (content === undefined && !mayShowValue(el)) return null;
  // textOf stops reading past the limit: a container's whole text is never built.
  const raw = (content ?? textOf(el, TEXT_LIMIT)).replace(/\s+/g, ' ').trim();
  if (!raw || raw.length > MAX_VALUE_CHARS || !/\d/.test(raw)) return null;
  const key = `${currency}\u0000${raw}`;
  const known = minorOfText.get(key);
  if (known !== undefined) return known;
  const minor = readMinor(raw, currency);
  if (minorOfText.size >= MAX_KNOWN_TEXTS) minorOfText.clear();
  minorOfText.set(key, minor);
  return minor;
}

/**
 * readMinor by text and currency: the same short texts (navigation, related products, labels)
 * come back on every page of a site, and a candidate search reads every element's text; the
 * price parser was most of a search's time (issue 15's profile). A pure function of its key.
 */
const minorOfText = new Map<string, number | null>();
const MAX_KNOWN_TEXTS = 5000;

function readMinor(raw: string, currency: string): number | null {
  const p = priceFromText(raw, currency);
  if (p?.currency && p.currency !== currency) return null;
  // A price element shows one amount and at most a short label ("Price:", "incl. VAT");
  // an element around a struck price, a title with digits or a whole buy box is a container.
  if (p) {
    const rest = raw.replace(p.raw, ' ');
    if (p.candidates > 1 || /\d/.test(rest) || rest.trim().length > 24) return null;
  }
  const amount = p?.amount ?? normalizeAmount(raw, currency);
  if (!amount) return null;
  try {
    return toMinorUnits(amount, currency);
  } catch {
    return null;
  }
}

/** A class or id word that reads the same on the next deploy. */
function stableWord(w: string): boolean {
  return (
    /^[A-Za-z][\w-]{0,39}$/.test(w) &&
    !/\d{3}/.test(w) &&
    !/^(css|sc|jsx|emotion|svelte|styles?)[-_]/i.test(w) &&
    !/[A-Z].*[A-Z].*\d|\d.*[A-Z]/.test(w) // mixed-case hashes like "aB3xQ"
  );
}

/** The element's own stable handles: itemprop, id, class words (with and without the tag name). */
function ownHandles(el: Element): string[] {
  const out: string[] = [];
  const itemprop = el.attribs['itemprop'];
  if (itemprop && stableWord(itemprop)) out.push(`[itemprop="${itemprop}"]`);
  const id = el.attribs['id'];
  if (id && stableWord(id)) out.push(`#${id}`);
  for (const c of (el.attribs['class'] ?? '').split(/\s+/).filter(stableWord)) out.push(`.${c}`, `${el.name}.${c}`);
  return out;
}

/** The nearest ancestors' stable id or class words (up to three levels up). */
function ancestorHandles(el: Element): string[] {
  const out: string[] = [];
  let p = el.parent;
  for (let depth = 0; p && p.type === 'tag' && depth < 3; depth++, p = p.parent) {
    const a = p as Element;
    if (a.attribs['id'] && stableWord(a.attribs['id'])) out.push(`#${a.attribs['id']}`);
    for (const c of (a.attribs['class'] ?? '').split(/\s+/).filter(stableWord).slice(0, 3)) out.push(`.${c}`);
  }
  return out;
}

/** What a selector picks on a page: every match agrees on `minor`, finds nothing, or disagrees. */
export type LocatorRead =
  { kind: 'agree' } | { kind: 'missing' } | { kind: 'disagree'; amounts: number[]; unreadable: number };

export function applyLocator($: CheerioAPI, selector: string, minor: number, currency: string): LocatorRead {
  // A selector the search builds (every learned locator) is matched in one walk, cheaper than a
  // css-select query on every read of the site; any other through css-select, cached per page.
  const handle = parseHandle(selector);
  let els: readonly Element[];
  if (handle) {
    const found: Element[] = [];
    matchHandles($.root()[0]!, [handle], (_h, el) => found.push(el) > 0);
    els = found;
  } else {
    try {
      els = selectAll($, selector);
    } catch {
      return { kind: 'missing' };
    }
  }
  return readMatches(els, minor, currency);
}

/** What the elements a selector matched say of `minor`. */
export function readMatches(els: readonly Element[], minor: number, currency: string): LocatorRead {
  if (!els.length) return { kind: 'missing' };
  const values = els.map((el) => minorAt(el, currency));
  const amounts = [...new Set(values.filter((v): v is number => v !== null))];
  const unreadable = values.filter((v) => v === null).length;
  if (!amounts.length) return { kind: 'missing' };
  if (amounts.length === 1 && amounts[0] === minor && unreadable === 0) return { kind: 'agree' };
  return { kind: 'disagree', amounts, unreadable };
}

/** Every stable selector that, on this page, matches only elements showing `minor` (best first). */
export function locatorCandidates(html: string | CheerioAPI, minor: number, currency: string): string[] {
  const $ = typeof html === 'string' ? parseHtml(html) : html;
  const seen = candidateHandles($, minor, currency);
  // The selectors the search builds are matched in one walk of the page (match-handles.ts);
  // anything else (a tag name CSS would read otherwise) is asked of css-select, as a
  // configured selector is.
  const agreed = new Set<string>();
  const handles: Handle[] = [];
  for (const sel of seen) {
    const h = parseHandle(sel);
    if (h) handles.push(h);
    else if (cssSelectorProblem(sel) === null && applyLocator($, sel, minor, currency).kind === 'agree')
      agreed.add(sel);
  }
  const disagreed = new Set<Handle>();
  const matched = new Set<Handle>();
  matchHandles($.root()[0]!, handles, (h, el) => {
    matched.add(h);
    if (minorAt(el, currency) === minor) return true;
    disagreed.add(h);
    return false;
  });
  for (const h of handles) if (matched.has(h) && !disagreed.has(h)) agreed.add(h.selector);
  return [...agreed].sort(byPreference).slice(0, MAX_CANDIDATES);
}

/**
 * The selectors a search tries: the stable handles of every element in the body (and the head's
 * itemprop meta tags) that shows `minor`, alone and under a near ancestor's handle, in document order.
 */
export function candidateHandles($: CheerioAPI, minor: number, currency: string): Set<string> {
  const seen = new Set<string>();
  for (const el of searchedElements($)) {
    if (minorAt(el, currency) !== minor) continue;
    const own = ownHandles(el);
    const up = ancestorHandles(el);
    for (const h of own) {
      seen.add(h);
      for (const a of up) seen.add(`${a} ${h}`);
    }
    if (seen.size > MAX_CANDIDATES * 4) break;
  }
  return seen;
}

/** `body *, head meta[itemprop]`, in document order, without a cheerio object of the whole page. */
function* searchedElements($: CheerioAPI): Generator<Element> {
  const stack: { node: AnyNode; inBody: boolean; inHead: boolean }[] = [];
  const root = $.root()[0]!;
  for (let i = root.children.length - 1; i >= 0; i--)
    stack.push({ node: root.children[i]!, inBody: false, inHead: false });
  while (stack.length) {
    const { node, inBody, inHead } = stack.pop()!;
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') continue;
    const el = node as Element;
    if (inBody || (inHead && el.name === 'meta' && el.attribs['itemprop'] !== undefined)) yield el;
    const body = inBody || el.name === 'body';
    const head = inHead || el.name === 'head';
    for (let i = el.children.length - 1; i >= 0; i--) stack.push({ node: el.children[i]!, inBody: body, inHead: head });
  }
}

/** itemprop, then id, then class words; unqualified before qualified; then the shorter. */
function rank(s: string): number {
  const qualified = s.includes(' ') ? 3 : 0;
  if (s.includes('[itemprop=')) return qualified;
  if (/^#|\s#/.test(s)) return 1 + qualified;
  return 2 + qualified;
}

export function byPreference(a: string, b: string): number {
  return rank(a) - rank(b) || a.length - b.length || a.localeCompare(b);
}

/**
 * The locator shared by every sampled listing, or null: fewer than MIN_LISTINGS listings,
 * or their pages have no selector in common (inconsistent layouts are never generalised).
 */
export function deriveLocator(samples: readonly (readonly string[])[]): { selector: string; verified: number } | null {
  if (samples.length < MIN_LISTINGS) return null;
  const [first, ...rest] = samples;
  const common = first!.filter((s) => rest.every((r) => r.includes(s)));
  if (!common.length) return null;
  return { selector: [...common].sort(byPreference)[0]!, verified: samples.length };
}
