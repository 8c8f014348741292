/**
 * Page-structure features of a visible price candidate that its words and classes do not give:
 * how near it sits to the add-to-cart control, whether inline style makes it prominent, whether it
 * repeats in a list of tiles, whether it is marked itemprop=price. Computed statically from the
 * markup; a rendered page can give the same from geometry and computed style.
 */
import type { AnyNode, Element } from 'domhandler';
import { textOf } from './dom-index.js';

/** An add-to-cart / buy control, in the languages storefronts use most. */
const CART =
  /(add[\s_-]?to[\s_-]?(cart|bag|basket|trolley)|addtocart|add-to-cart|buy[\s_-]?(it[\s_-]?)?now|buy-?box|in\s+den\s+warenkorb|warenkorb|ajouter\s+au\s+panier|añadir\s+al\s+carrito|agregar\s+al\s+carrito|aggiungi\s+al\s+carrello|adicionar\s+(ao|à)\s+(carrinho|sacola)|comprar\s+agora|do\s+koszyka|в\s+корзину|купить|sepete\s+ekle|in\s+winkelwagen|lägg\s+i\s+varukorgen|カートに入れる|加入购物车|장바구니)/i;

/** Up to this many steps up from a candidate (and down to the control) count as "near". */
const MAX_STEPS = 8;

export interface CartMap {
  /** ancestor → fewest steps down to a cart control inside it */
  depth: Map<AnyNode, number>;
}

function isCartControl(el: Element): boolean {
  const a = el.attribs;
  const attrs = `${a['id'] ?? ''} ${a['class'] ?? ''} ${a['name'] ?? ''} ${a['value'] ?? ''} ${a['action'] ?? ''} ${a['aria-label'] ?? ''}`;
  if (CART.test(attrs)) return true;
  if (el.name === 'button' || (el.name === 'a' && /button|btn/i.test(a['class'] ?? '')))
    return CART.test(textOf(el, 60));
  return false;
}

export function mapCartControls(candidates: Element[]): CartMap {
  const depth = new Map<AnyNode, number>();
  for (const el of candidates) {
    if (!isCartControl(el)) continue;
    let d = 0;
    for (let n: AnyNode | null = el; n && d <= MAX_STEPS; n = n.parent, d++) {
      const prev = depth.get(n);
      if (prev === undefined || d < prev) depth.set(n, d);
    }
  }
  return { depth };
}

/** Steps from the candidate up to a shared ancestor and down to the nearest cart control. */
export function cartDistance(el: Element, cart: CartMap): number {
  let best = Number.POSITIVE_INFINITY;
  let up = 0;
  for (let n: AnyNode | null = el; n && up <= MAX_STEPS; n = n.parent, up++) {
    const d = cart.depth.get(n);
    if (d !== undefined) best = Math.min(best, up + d);
  }
  return best;
}

/** Large, bold or red by inline style (the element or its parent): how a sale price is often shown. */
export function inlineProminence(el: Element): boolean {
  const style = `${el.attribs['style'] ?? ''};${el.parent?.type === 'tag' ? ((el.parent as Element).attribs['style'] ?? '') : ''}`;
  if (!style.trim()) return false;
  const size = /font-size\s*:\s*([\d.]+)\s*(px|pt|em|rem)/i.exec(style);
  if (size) {
    const v = Number(size[1]);
    const px = size[2]!.toLowerCase() === 'pt' ? v * 1.33 : /em/i.test(size[2]!) ? v * 16 : v;
    if (px >= 18) return true;
  }
  if (/font-weight\s*:\s*(bold|bolder|[6-9]00)/i.test(style)) return true;
  return /(^|;)\s*color\s*:\s*(red|#f00\b|#ff0000|#c00\b|#cc0000|#d00|#e00|rgb\(\s*(2[0-5]\d|1[5-9]\d)\s*,\s*\d{1,2}\s*,\s*\d{1,2}\s*\))/i.test(
    style,
  );
}

/**
 * Inside a list item, table row or card that repeats among its siblings (three or more of the
 * same tag): a listing of products, variants or offers, not the buy box.
 */
export function inRepeatedItem(el: Element): boolean {
  let up = 0;
  for (let n: AnyNode | null = el.parent; n && n.type === 'tag' && up < 5; n = n.parent, up++) {
    const e = n as Element;
    if (e.name === 'body' || e.name === 'main') return false;
    if (e.name !== 'li' && e.name !== 'tr' && e.name !== 'article') continue;
    const parent = e.parent;
    if (!parent) return false;
    let same = 0;
    for (const s of (parent as Element).children ?? []) if (s.type === 'tag' && (s as Element).name === e.name) same++;
    return same >= 3;
  }
  return false;
}

function hasCheckbox(root: Element): boolean {
  const stack: AnyNode[] = [root];
  for (let seen = 0; stack.length && seen < 200; seen++) {
    const n = stack.pop()!;
    if (n.type !== 'tag') continue;
    const e = n as Element;
    if (e.name === 'input' && (e.attribs['type'] ?? '').toLowerCase() === 'checkbox') return true;
    for (const c of e.children) stack.push(c);
  }
  return false;
}

/**
 * In the label of a checkbox: an optional add-on ("Include Office for ₹5,322", "Add a 2-year
 * protection plan for $11.99", gift wrap), never the product's price. Radio buttons are not
 * add-ons: they choose between the product's own options.
 */
export function inCheckboxLabel(el: Element, byId: (id: string) => Element | undefined): boolean {
  let up = 0;
  for (let n: AnyNode | null = el; n && n.type === 'tag' && up < 8; n = n.parent, up++) {
    const e = n as Element;
    if (e.name !== 'label') continue;
    if (hasCheckbox(e)) return true;
    const target = e.attribs['for'] ? byId(e.attribs['for']) : undefined;
    return target?.name === 'input' && (target.attribs['type'] ?? '').toLowerCase() === 'checkbox';
  }
  return false;
}

/** Layout facts a browser wrote on the element (src/fetch/browser/annotate-layout.ts). */
export interface LayoutFact {
  hidden: boolean;
  struck: boolean;
  /** Computed font size in px. */
  font: number;
  weight: number;
  /** Page y of the box, px. */
  top: number;
}

export function layoutFactOf(el: Element): LayoutFact | undefined {
  const a = el.attribs;
  if ('data-mw-hidden' in a) return { hidden: true, struck: false, font: 0, weight: 0, top: 0 };
  if (a['data-mw-font'] === undefined) return undefined;
  return {
    hidden: false,
    struck: 'data-mw-struck' in a,
    font: Number(a['data-mw-font']) || 0,
    weight: Number(a['data-mw-weight']) || 400,
    top: Number(a['data-mw-top']) || 0,
  };
}
