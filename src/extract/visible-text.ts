/**
 * Visible-text fallback: prices in elements marked as prices (class/id "price", itemprop=price, …)
 * near the main product title, skipping navigation, footers, related/recommended carousels and
 * anything that is not a selling price (was/RRP, instalments, shipping, unit prices, savings).
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { Candidate } from './candidate.js';
import { textOf, type DomIndex } from './dom-index.js';
import { judgePrice } from './price-context.js';
import type { RegionClassifier } from './regions.js';
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
}

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
 * The main product title: among h1 elements outside nav / footer / aside, the one sharing most
 * words with the document title (og:title or <title>); pop-up h1s ("Adding to Cart...") lose.
 * A <header> also heads sections, so an h1 inside one is taken only when nothing else fits.
 */
export function findTitle($: CheerioAPI, idx: DomIndex): Element | null {
  const og = idx.meta.find((m) => m.attribs['property'] === 'og:title')?.attribs['content'] ?? '';
  const ref = words(`${og} ${idx.docTitle}`);
  let best: Element | null = null;
  let bestScore = -1;
  for (const el of idx.h1) {
    const t = norm(textOf(el));
    if (t.length < 3 || $(el).closest('nav,footer,aside').length > 0) continue;
    let overlap = 0;
    for (const w of words(t)) if (ref.has(w)) overlap++;
    const score = overlap * 2 + ($(el).closest('header').length === 0 ? 1 : 0);
    if (score > bestScore) {
      best = el;
      bestScore = score;
    }
  }
  return best;
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
  const out: TextCandidate[] = [];
  let order = 0;
  for (const el of idx.priceEls) {
    order++;
    if (SKIP_TAGS.has(el.name)) continue;
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
    if (!own) {
      const a11y = $el
        .find('*')
        .filter((_, c) => HIDDEN_A11Y.test(classOf(c as Element)))
        .first();
      own = norm(textOf(a11y.length ? a11y.get(0) : el));
    }
    if (!own || own.length > MAX_LEN || !/\d/.test(own)) continue;
    const p = priceFromText(own, currencyHint, locale);
    if (!p || p.candidates > 1) continue;
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
    if (j.role === 'skip') continue;
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
    };
    if (region === 'related') c.related = true;
    out.push(c);
  }
  return out;
}

export interface TextPick {
  chosen?: TextCandidate;
  reason?: string;
}

/**
 * The buy-box price among visible candidates: the nearest group to the title; within it one
 * amount, or one amount the markup marks as the sale/current price. Otherwise no pick.
 */
export function pickTextPrice(cands: TextCandidate[]): TextPick {
  let pool = cands.filter((c) => c.role === 'price' && !c.related);
  if (pool.length === 0) {
    // an "old-price" class with no other price on offer is the price itself
    pool = cands.filter((c) => c.role === 'list' && c.softList && !c.related);
  }
  if (pool.length === 0) return { reason: 'no visible price near the product title' };
  const best = Math.min(...pool.map((c) => c.level));
  const near = pool.filter((c) => c.level === best);
  const amounts = new Set(near.map((c) => Number(c.amount)));
  if (amounts.size === 1) return { chosen: near[0]! };
  const sale = near.filter((c) => c.sale);
  const saleAmounts = new Set(sale.map((c) => Number(c.amount)));
  if (saleAmounts.size === 1) return { chosen: sale[0]! };
  return { reason: `visible prices near the title disagree: ${[...amounts].slice(0, 4).join(', ')}` };
}
