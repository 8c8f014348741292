/**
 * Visible-text fallback: prices in elements marked as prices (class/id "price", itemprop=price, …)
 * near the main product title, skipping navigation, footers, related/recommended carousels and
 * anything that is not a selling price (was/RRP, instalments, shipping, unit prices, savings).
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { Candidate } from './candidate.js';
import { hiddenWithin, notThePrice, textOf, type DomIndex } from './dom-index.js';
import { judgePrice } from './price-context.js';
import type { RegionClassifier } from './regions.js';
import { elementById } from './select-cache.js';
import {
  cartDistance,
  inCheckboxLabel,
  inlineProminence,
  inRepeatedItem,
  layoutFactOf,
  mapCartControls,
  type LayoutFact,
} from './price-features.js';
import { priceFromText } from './text-price.js';

const HIDDEN_A11Y =
  /(^|[\s_-])(a-offscreen|offscreen|sr-only|visually-?hidden|screen-?reader(-text)?|visuallyhidden)([\s_-]|$)/i;
const SKIP_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'select',
  'option',
  'input',
  'textarea',
  'button',
  'svg',
  'head',
  'title',
  'meta',
  'link',
]);
const MAX_LEN = 64;

export interface TextCandidate extends Candidate {
  /** Steps from the title's ancestors to the candidate's common ancestor with the title (smaller = nearer). */
  level: number;
  sale: boolean;
  softList: boolean;
  order: number;
  /** Steps up and down to the nearest add-to-cart control (Infinity: none near). */
  cart: number;
  /** Large, bold or red by inline style. */
  prominent: boolean;
  /** Inside a repeated list item / row / card. */
  repeated: boolean;
  /** itemprop=price on the element. */
  itemprop: boolean;
  /** "from" / "ab" / "à partir de" right before it: a lowest price over variants. */
  from: boolean;
  /** Unmarked price right after a "Price" label (unclassed-prices.ts). */
  labelled?: boolean;
  /** Unmarked price inside the add-to-cart form (unclassed-prices.ts). */
  buyForm?: boolean;
  /** Geometry and computed style, when a browser laid the page out (layout-facts.ts). */
  layout?: LayoutFact;
}

/** "from", "ab", "à partir de", "desde", "od", "от" right before a price. */
const FROM =
  /(^|[^\p{L}])(from|starting\s+at|ab|à\s+partir\s+de|a\s+partir\s+de|desde|od|от|vanaf|a\s+partire\s+da)\s*:?\s*$/iu;

function norm(s: string): string {
  return s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

function classOf(el: Element): string {
  return `${el.attribs['class'] ?? ''} ${el.attribs['id'] ?? ''}`;
}

function siblingText($: CheerioAPI, el: Element, dir: 'prev' | 'next', want: number): string {
  let acc = '';
  let node: AnyNode | null = el;
  for (let up = 0; up < 3 && node && acc.length < want; up++) {
    let s: AnyNode | null = dir === 'prev' ? node.prev : node.next;
    while (s && acc.length < want) {
      const t =
        s.type === 'text'
          ? (s as unknown as { data: string }).data
          : s.type === 'tag' && !SKIP_TAGS.has((s as Element).name)
            ? textOf(s, want * 4)
            : '';
      acc = dir === 'prev' ? `${norm(t)} ${acc}` : `${acc} ${norm(t)}`;
      s = dir === 'prev' ? s.prev : s.next;
    }
    node = node.parent;
    if (node && node.type === 'tag' && /^(body|html|main)$/i.test((node as Element).name)) break;
  }
  return norm(acc);
}

/**
 * The element's text with a space at every element boundary. Markup often glues its parts with
 * no whitespace (`<em>De R$ 199,00</em><em>Por R$ 139,30</em><em>ou 10x de R$ 13,93</em>`), so
 * the plain text reads as one amount with words stuck to the others.
 */
function spacedText(el: Element, limit: number): string {
  let out = '';
  const stack: AnyNode[] = [el];
  while (stack.length && out.length < limit) {
    const n = stack.pop()!;
    if (n.type === 'text') {
      out += (n as unknown as { data: string }).data;
      continue;
    }
    if (n.type !== 'tag') continue;
    const e = n as Element;
    if (e !== el && (SKIP_TAGS.has(e.name) || notThePrice(e))) continue;
    out += ' ';
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return out;
}

/**
 * A block of several amounts (former, current, instalment) is no single price: it is skipped and
 * the price elements inside it are judged one by one.
 */
function holdsSeveralAmounts(el: Element, currencyHint?: string, locale?: string): boolean {
  if (!el.children.some((c) => c.type === 'tag')) return false;
  const spaced = norm(spacedText(el, MAX_LEN * 4));
  if (spaced.length > MAX_LEN * 2) return false;
  const p = priceFromText(spaced, currencyHint, locale);
  return p !== null && p.candidates > 1;
}

/** Words of a title, for overlap scoring. */
function words(s: string): Set<string> {
  return new Set(
    s
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 1),
  );
}

/**
 * In a link, a recommendations block or a repeated tile: a heading that names another product.
 * ("product-card" alone is no sign: themes wrap the page's own product in one.)
 */
function inLinkOrTile(el: Element): boolean {
  let up = 0;
  for (let n: AnyNode | null = el.parent; n && n.type === 'tag' && up < 6; n = n.parent, up++) {
    const e = n as Element;
    if (e.name === 'a' && e.attribs['href']) return true;
    if (RELATED_HEADING.test(`${e.attribs['class'] ?? ''} ${e.attribs['id'] ?? ''}`)) return true;
  }
  return inRepeatedItem(el);
}
const RELATED_HEADING =
  /(related|recommend|similar|also-?(bought|viewed|like)|upsell|cross-?sell|carousel|sponsored|recently-?viewed)/i;

const CHROME_TAGS = new Set(['nav', 'footer', 'aside']);
const HEADER_TAG = new Set(['header']);

/** `el` or an ancestor is one of `names` (`$(el).closest(names)`, without a selector engine). */
function withinTag(el: Element, names: ReadonlySet<string>): boolean {
  for (let n: AnyNode | null = el; n && n.type === 'tag'; n = n.parent) if (names.has((n as Element).name)) return true;
  return false;
}

/**
 * The main product title. The first h1 is not trusted: an h1 inside a link or a product tile
 * names another product, and some themes put the product name in an h2, `itemprop=name` or a
 * "product-title" element. Candidates outside nav / footer / aside and outside links and tiles
 * are scored by the words they share with the document title (og:title and <title>); a non-h1
 * needs two shared words and half of its own words to count.
 */
export function findTitle(idx: DomIndex): Element | null {
  const og = idx.meta.find((m) => m.attribs['property'] === 'og:title')?.attribs['content'] ?? '';
  const ref = words(`${og} ${idx.docTitle}`);
  const pick = (els: Element[], h1: boolean): { el: Element | null; overlap: number } => {
    let best: Element | null = null;
    let bestScore = -1;
    let bestOverlap = 0;
    for (const el of els) {
      const t = norm(textOf(el, 400));
      if (t.length < 3 || t.length > 300 || withinTag(el, CHROME_TAGS) || inLinkOrTile(el)) continue;
      const own = words(t);
      let overlap = 0;
      for (const w of own) if (ref.has(w)) overlap++;
      if (!h1 && (overlap < 2 || overlap < own.size / 2)) continue;
      const score = overlap * 2 + (withinTag(el, HEADER_TAG) ? 0 : 1);
      if (score > bestScore) {
        best = el;
        bestScore = score;
        bestOverlap = overlap;
      }
    }
    return { el: best, overlap: bestOverlap };
  };
  // an h1 that shares a word with the document title is the title; other headings only stand in
  // when no such h1 exists (the h1 is a logo, a tile's link, or missing)
  const h1 = pick(idx.h1, true);
  if (h1.el && h1.overlap > 0) return h1.el;
  return pick(idx.titleLike, false).el ?? h1.el;
}

/** The title and its ancestors: always the page's main region. */
export function ancestorsOf(el: Element | null): AnyNode[] {
  const out: AnyNode[] = [];
  for (let n: AnyNode | null = el; n; n = n.parent) out.push(n);
  return out;
}

export function extractVisibleText(
  $: CheerioAPI,
  idx: DomIndex,
  regions: RegionClassifier,
  title: Element | null,
  currencyHint?: string,
  locale?: string,
): TextCandidate[] {
  const titleLevels = new Map<AnyNode, number>();
  for (let n: AnyNode | null = title, i = 0; n; n = n.parent, i++) titleLevels.set(n, i);
  const chosen = new Set<AnyNode>();
  const cartMap = mapCartControls(idx.controls);
  const byId = (id: string): Element | undefined => elementById($, id);
  const out: TextCandidate[] = [];
  let order = 0;
  for (const el of idx.priceEls) {
    order++;
    // a hidden copy (another variant's price, a template) is not what the page shows
    if (SKIP_TAGS.has(el.name) || hiddenWithin(el)) continue;
    let skip = false;
    for (let p: AnyNode | null = el.parent; p; p = p.parent) {
      if (chosen.has(p)) {
        skip = true;
        break;
      }
    }
    if (skip) continue;
    const $el = $(el);
    let own = el.attribs['content'] && el.name === 'meta' ? el.attribs['content'] : '';
    // the accessible copy of the price, when the element has one: it is read alone
    let fromA11y = false;
    if (!own) {
      const a11y = $el
        .find('*')
        .filter((_, c) => HIDDEN_A11Y.test(classOf(c as Element)))
        .first();
      // struck or hidden parts inside the element ("<del>$100</del> $50") are never its price
      fromA11y = a11y.length > 0;
      own = norm(fromA11y ? textOf(a11y.get(0)) : textOf(el, Number.POSITIVE_INFINITY, notThePrice));
    }
    if (!own || own.length > MAX_LEN || !/\d/.test(own)) continue;
    const p = priceFromText(own, currencyHint, locale);
    if (!p || p.candidates > 1 || (!fromA11y && holdsSeveralAmounts(el, currencyHint, locale))) continue;
    chosen.add(el);
    const region = regions.of(el);
    if (region === 'chrome') continue;
    const parent = el.parent && el.parent.type === 'tag' ? (el.parent as Element) : null;
    const j = judgePrice({
      before: `${siblingText($, el, 'prev', 60)} ${p.before}`.trim(),
      raw: p.raw,
      after: `${p.after} ${siblingText($, el, 'next', 40)}`.trim(),
      ownAfter: p.after,
      classes: classOf(el),
      parentClasses: parent ? classOf(parent) : '',
      struck:
        $el.closest('del,s,strike').length > 0 ||
        /line-through/i.test(`${el.attribs['style'] ?? ''} ${parent?.attribs['style'] ?? ''}`),
    });
    if (j.role === 'skip' || inCheckboxLabel(el, byId)) continue;
    let level = Number.POSITIVE_INFINITY;
    if (title) {
      for (let n: AnyNode | null = el, up = 0; n; n = n.parent, up++) {
        const l = titleLevels.get(n);
        if (l !== undefined) {
          level = l;
          break;
        }
      }
    }
    const c: TextCandidate = {
      source: 'text',
      role: j.role,
      amount: p.amount,
      currency: p.currency,
      raw: own,
      ...(p.unsettledSign ? { unsettledSign: true } : {}),
      level,
      sale: j.sale,
      softList: j.softList,
      order,
      cart: cartDistance(el, cartMap),
      prominent: inlineProminence(el),
      repeated: inRepeatedItem(el),
      itemprop: el.attribs['itemprop'] === 'price',
      from: FROM.test(`${siblingText($, el, 'prev', 30)} ${p.before}`.trim()),
    };
    if (region === 'related') c.related = true;
    const layout = layoutFactOf(el);
    if (layout) c.layout = layout;
    elementOf.set(c, el);
    out.push(c);
  }
  return out;
}

export interface TextPick {
  chosen?: TextCandidate;
  reason?: string;
}

/** Each visible candidate's element (kept off the candidate, which becomes an offer). */
const elementOf = new WeakMap<TextCandidate, Element>();

/** Steps up from `a` and from `b` to their nearest common ancestor, summed. */
function stepsApart(a: Element, b: Element): number {
  const depth = new Map<AnyNode, number>();
  let i = 0;
  for (let n: AnyNode | null = a; n; n = n.parent, i++) depth.set(n, i);
  let j = 0;
  for (let n: AnyNode | null = b; n; n = n.parent, j++) {
    const d = depth.get(n);
    if (d !== undefined) return d + j;
  }
  return Number.POSITIVE_INFINITY;
}

/** A saving, a former price and the current price count as one block within this many steps. */
const SAVING_NEAR = 6;

const cents = (c: TextCandidate): number => Math.round(Number(c.amount) * 100);

/**
 * Was / now / save: where a shop shows a saving S next to a former price A and a price B with
 * A − S = B to the cent, B is what is paid now and A what it was, whatever their classes say
 * ("Price: $25.99 · With Deal: $20.39 · You Save: $5.60"). Only amounts in one block count (a
 * "save $10 on two" banner elsewhere does not tie two variant prices together); an amount that
 * would be both is left alone.
 */
function savingPairs(cands: TextCandidate[], pool: TextCandidate[]): { now: Set<number>; was: Set<number> } {
  const now = new Set<number>();
  const was = new Set<number>();
  const savings = cands.filter((c) => c.role === 'saving' && !c.related && elementOf.has(c));
  if (savings.length === 0) return { now, was };
  const formers = cands.filter((c) => (c.role === 'price' || c.role === 'list') && !c.related && elementOf.has(c));
  for (const s of savings)
    for (const b of pool) {
      const eb = elementOf.get(b);
      if (!eb || stepsApart(elementOf.get(s)!, eb) > SAVING_NEAR) continue;
      for (const a of formers) {
        if (cents(a) !== cents(b) + cents(s) || cents(s) <= 0) continue;
        if (a.currency !== null && b.currency !== null && a.currency !== b.currency) continue;
        if (stepsApart(elementOf.get(a)!, eb) > SAVING_NEAR) continue;
        now.add(cents(b));
        was.add(cents(a));
      }
    }
  for (const x of now)
    if (was.has(x)) {
      now.delete(x);
      was.delete(x);
    }
  return { now, was };
}

/**
 * Weights of the visible-price model. Each feature is a fact about how storefronts lay out a
 * product page; the weight says how much it separates the buy-box price from the other amounts.
 */
export const WEIGHTS = {
  /** Per step further from the title than the nearest candidate: the buy box sits by the title. */
  level: -1,
  /** Marked current / sale / final by class or label: shops mark the price to pay. */
  sale: 1.5,
  /** Near the add-to-cart control (within two steps of the nearest candidate, 8 at most): the buy box. */
  cart: 1,
  /** Large, bold or red by inline style: how a price is made prominent without classes. */
  prominent: 0.5,
  /** itemprop=price on the visible element: the shop names it the offer's price. */
  itemprop: 0.5,
  /** In a repeated list item / row / card: a listing of other products or offers. */
  repeated: -1.5,
  /** "from …": a lowest price over variants, not necessarily this one's. */
  from: -1,
  /** The same amount shown twice or more near the title (price and its accessible copy). */
  agreement: 0.25,
  /** Was − saving = this amount, all in one block: the price paid now (savingPairs). */
  saving: 1,
} as const;

/** The top amount must beat the runner-up by this much, or the read abstains. */
export const MARGIN = 1;

export interface TextPick {
  chosen?: TextCandidate;
  reason?: string;
  /** Score per amount, best first (for warnings and evidence). */
  scores?: Array<{ amount: string; score: number }>;
}

function score(c: TextCandidate, nearest: number, nearestCart: number): number {
  let s = WEIGHTS.level * (c.level - nearest);
  if (c.sale) s += WEIGHTS.sale;
  // within two steps of the nearest: the buy box is a small block, not one element
  if (Number.isFinite(c.cart) && c.cart <= nearestCart + 2) s += WEIGHTS.cart;
  if (c.prominent) s += WEIGHTS.prominent;
  if (c.itemprop) s += WEIGHTS.itemprop;
  if (c.repeated) s += WEIGHTS.repeated;
  if (c.from) s += WEIGHTS.from;
  return s;
}

/**
 * The buy-box price among visible candidates: every selling-price candidate outside related
 * regions is scored (WEIGHTS); amounts take their best candidate's score. The top amount is taken
 * only when it clears MARGIN over the runner-up; otherwise no pick, with the reason.
 */
export function pickTextPrice(cands: TextCandidate[]): TextPick {
  let pool = cands.filter((c) => c.role === 'price' && !c.related);
  if (pool.length === 0) {
    // an "old-price" class with no other price on offer is the price itself
    pool = cands.filter((c) => c.role === 'list' && c.softList && !c.related);
  }
  if (pool.length === 0) return { reason: 'no visible price near the product title' };
  const nearest = Math.min(...pool.map((c) => c.level));
  if (!Number.isFinite(nearest)) {
    // no title to measure from: only a single amount on the page can stand
    const amounts = new Set(pool.map((c) => Number(c.amount)));
    return amounts.size === 1 ? { chosen: pool[0]! } : { reason: `visible prices disagree and no title anchors them` };
  }
  const nearestCart = Math.min(...pool.map((c) => c.cart));
  const pairs = savingPairs(cands, pool);
  const byAmount = new Map<number, { best: TextCandidate; score: number; n: number }>();
  for (const c of pool) {
    // the former price of a was / now / save block is not on offer
    if (pairs.was.has(cents(c))) continue;
    const s = score(c, nearest, nearestCart) + (pairs.now.has(cents(c)) ? WEIGHTS.saving : 0);
    const k = Number(c.amount);
    const e = byAmount.get(k);
    if (!e) byAmount.set(k, { best: c, score: s, n: 1 });
    else {
      e.n++;
      if (s > e.score) {
        e.best = c;
        e.score = s;
      }
    }
  }
  const ranked = [...byAmount.values()]
    .map((e) => ({ ...e, score: e.score + (e.n > 1 ? WEIGHTS.agreement : 0) }))
    .sort((a, b) => b.score - a.score);
  const scores = ranked.slice(0, 4).map((e) => ({ amount: e.best.amount, score: e.score }));
  const [top, second] = ranked;
  if (!top) return { reason: 'every visible price near the title is a former price of a was / now / save block' };
  if (!second || top.score - second.score >= MARGIN) return { chosen: top.best, scores };
  return {
    reason: `visible prices near the title disagree: ${scores.map((x) => `${x.amount} (${x.score})`).join(', ')}; the best does not clear the margin of ${MARGIN}`,
    scores,
  };
}
