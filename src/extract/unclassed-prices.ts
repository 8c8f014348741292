/**
 * Prices no class, id or itemprop marks: how hand-written and table-layout shops show them. Used
 * only when no marked price stands near the title. Two signals a reader uses on such pages:
 * - a label that says "Price" right before the amount (`<td>Price</td><td>£340.00</td>`,
 *   `<b>Price:</b> £60`, `<dt>Preis</dt><dd>12,90 €</dd>`);
 * - the add-to-cart form holding exactly one selling amount: what the button buys.
 * Either is taken only when every such amount on the page (outside related blocks and chrome, at
 * the title's nearest level) is one and the same; anything else abstains with a reason.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { hiddenWithin, notThePrice, textOf, type DomIndex } from './dom-index.js';
import { sameAmount } from './money.js';
import { judgePrice } from './price-context.js';
import { inCheckboxLabel, mapCartControls, type CartMap } from './price-features.js';
import type { RegionClassifier } from './regions.js';
import { elementById } from './select-cache.js';
import { priceFromText } from './text-price.js';
import type { TextCandidate, TextPick } from './visible-text.js';

/**
 * A label naming the selling price, as the whole text of its element ("Price", "Our price:",
 * "Preis:", "Prix TTC"). Not "unit price", "list price", "was price", "price per kg": those name
 * other amounts, and judgePrice would not see the label inside the element.
 */
const PRICE_LABEL =
  /^((our|your|sale|selling|today'?s|special|offer|current|unser|ihr|notre|votre|nuestro|nosso|il\s+nostro)\s+)?(price|prix|preis|precio|prezzo|preço|preco|cena|prijs|pris|hinta|цена|fiyat|fiyatı|価格|价格|售价|verkaufspreis|prix\s+de\s+vente|precio\s+de\s+venta)(\s*\(?\s*(inc|incl|inkl|ttc|tvac)\.?\s*(vat|tax|gst|mwst|tva|iva)?\s*\)?|\s+ttc)?\s*:?$/iu;

/** Elements whose text is never a shown amount (form values, scripts, option lists). */
const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'select',
  'option',
  'textarea',
  'button',
  'svg',
  'head',
]);
const MAX_VALUE = 48;
/** A buy form is a small block: a size picker, a quantity, the price and the button (visible characters). */
const MAX_FORM_TEXT = 1500;

const norm = (s: string): string => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const classOf = (el: Element | null): string => (el ? `${el.attribs['class'] ?? ''} ${el.attribs['id'] ?? ''}` : '');

interface Found {
  el: Element;
  text: string;
  before: string;
  labelled: boolean;
  buyForm: boolean;
}

function skipped(el: Element): boolean {
  for (let n: AnyNode | null = el; n && n.type !== 'root'; n = n.parent)
    if (n.type === 'tag' && SKIP.has((n as Element).name)) return true;
  return hiddenWithin(el);
}

/** The label's element: climb while the parent says nothing more than the label. */
function labelElement(text: AnyNode, label: string): AnyNode {
  let node: AnyNode = text;
  for (let up = 0; up < 3; up++) {
    const p = node.parent;
    if (!p || p.type !== 'tag' || /^(body|html|main|form|table|tbody|tr)$/.test((p as Element).name)) break;
    if (norm(textOf(p, 200)) !== label) break;
    node = p;
  }
  return node;
}

/** The first node after `node` that has text (its next sibling, or its parent's, up to two steps). */
function nextWithText(node: AnyNode): AnyNode | null {
  for (let n: AnyNode | null = node, up = 0; n && up < 2; n = n.parent, up++) {
    for (let s = n.next; s; s = s.next) {
      if (s.type === 'tag' && SKIP.has((s as Element).name)) continue;
      if (norm(textOf(s, MAX_VALUE * 2))) return s;
    }
  }
  return null;
}

const elementOf = (n: AnyNode): Element | null =>
  n.type === 'tag' ? (n as Element) : n.parent?.type === 'tag' ? (n.parent as Element) : null;

/** Amounts right after a "Price" label. */
function labelled(textNodes: AnyNode[]): Found[] {
  const out: Found[] = [];
  for (const t of textNodes) {
    const own = norm((t as unknown as { data: string }).data);
    if (own.length > 40) continue;
    const inline = /^(.{2,30}?)\s*:\s*(.+)$/u.exec(own);
    if (PRICE_LABEL.test(own)) {
      const value = nextWithText(labelElement(t, own));
      const el = value && elementOf(value);
      if (value && el)
        out.push({
          el,
          text: norm(textOf(value, MAX_VALUE * 2, notThePrice)),
          before: own,
          labelled: true,
          buyForm: false,
        });
    } else if (inline && PRICE_LABEL.test(inline[1]!) && /\d/.test(inline[2]!)) {
      // "Price: £60" in one text node
      const el = elementOf(t);
      if (el) out.push({ el, text: inline[2]!, before: inline[1]!, labelled: true, buyForm: false });
    }
  }
  return out;
}

/** Amounts inside an add-to-cart form (text nodes, each its own amount). */
function inBuyForms(forms: Element[], cart: CartMap, textNodes: AnyNode[]): Found[] {
  // a form with a page's worth of text is no buy box: some frameworks wrap the whole page in one form
  const buy = new Set<AnyNode>(
    forms.filter(
      (f) => f.name === 'form' && cart.depth.has(f) && norm(textOf(f, 40 * MAX_FORM_TEXT)).length <= MAX_FORM_TEXT,
    ),
  );
  if (buy.size === 0) return [];
  const out: Found[] = [];
  for (const t of textNodes) {
    let form: AnyNode | null = t.parent;
    while (form && !buy.has(form)) form = form.parent;
    if (!form) continue;
    const el = elementOf(t);
    const own = norm((t as unknown as { data: string }).data);
    if (el && /\d/.test(own))
      out.push({ el, text: own, before: norm(textOf(t.prev, 60)), labelled: false, buyForm: true });
  }
  return out;
}

/** Visible text nodes under body with a digit or a price label, in document order. */
function textNodes($: CheerioAPI): AnyNode[] {
  const out: AnyNode[] = [];
  const body = $('body').get(0);
  if (!body) return out;
  const stack: AnyNode[] = [body];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'text') {
      const d = (n as unknown as { data: string }).data;
      if (d.trim().length > 0 && d.length <= 200) out.push(n);
      continue;
    }
    if (n.type !== 'tag' || SKIP.has((n as Element).name)) continue;
    const kids = (n as Element).children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

export interface UnclassedOptions {
  $: CheerioAPI;
  idx: DomIndex;
  regions: RegionClassifier;
  title: Element | null;
  currencyHint?: string;
  locale?: string;
}

export function findUnclassedPrices(o: UnclassedOptions): TextCandidate[] {
  const titleLevels = new Map<AnyNode, number>();
  for (let n: AnyNode | null = o.title, i = 0; n; n = n.parent, i++) titleLevels.set(n, i);
  const nodes = textNodes(o.$);
  const cart = mapCartControls(o.idx.controls);
  const found = [...labelled(nodes), ...inBuyForms(o.idx.controls, cart, nodes)];
  const byId = (id: string): Element | undefined => elementById(o.$, id);
  const out: TextCandidate[] = [];
  for (const f of found) {
    if (!f.text || f.text.length > MAX_VALUE || skipped(f.el) || inCheckboxLabel(f.el, byId)) continue;
    const p = priceFromText(f.text, o.currencyHint, o.locale);
    // the amount must lead the value and carry its own currency; a value holding two amounts is no read
    if (!p || p.candidates > 1 || !p.currencyFromText || p.before.trim().length > 0) continue;
    if (!(Number(p.amount) > 0)) continue;
    const region = o.regions.of(f.el);
    if (region === 'chrome') continue;
    const parent = f.el.parent?.type === 'tag' ? (f.el.parent as Element) : null;
    const j = judgePrice({
      before: `${f.before} ${p.before}`.trim(),
      raw: p.raw,
      after: p.after,
      ownAfter: p.after,
      classes: classOf(f.el),
      parentClasses: classOf(parent),
      struck:
        o.$(f.el).closest('del,s,strike').length > 0 ||
        /line-through/i.test(`${f.el.attribs['style'] ?? ''} ${parent?.attribs['style'] ?? ''}`),
    });
    if (j.role !== 'price') continue;
    let level = Number.POSITIVE_INFINITY;
    for (let n: AnyNode | null = f.el; n; n = n.parent) {
      const l = titleLevels.get(n);
      if (l !== undefined) {
        level = l;
        break;
      }
    }
    out.push({
      source: 'text',
      role: 'price',
      amount: p.amount,
      currency: p.currency,
      raw: norm(p.raw),
      ...(p.unsettledSign ? { unsettledSign: true } : {}),
      ...(region === 'related' ? { related: true } : {}),
      level,
      sale: j.sale,
      softList: false,
      order: out.length,
      cart: 0,
      prominent: false,
      repeated: false,
      itemprop: false,
      from: false,
      labelled: f.labelled,
      buyForm: f.buyForm,
    });
  }
  return out;
}

/**
 * One amount or none: the candidates outside related blocks at the title's nearest level (all of
 * them when no title is found) must name a single amount in a single currency.
 */
export function pickUnclassed(cands: TextCandidate[]): TextPick {
  let pool = cands.filter((c) => !c.related);
  if (pool.length === 0)
    return { reason: 'no visible price near the product title, and none labelled "Price" or in the add-to-cart form' };
  const nearest = Math.min(...pool.map((c) => c.level));
  pool = pool.filter((c) => c.level === nearest);
  const first = pool[0]!;
  const others = pool.filter((c) => !sameAmount(c.amount, first.amount) || c.currency !== first.currency);
  if (others.length > 0) {
    const amounts = [...new Set(pool.map((c) => `${c.amount} ${c.currency ?? '?'}`))].join(', ');
    return { reason: `unmarked prices by a "Price" label or in the add-to-cart form disagree: ${amounts}` };
  }
  return { chosen: pool.find((c) => c.labelled) ?? first };
}
