/**
 * Microdata offers (itemscope/itemtype Product, Offer, AggregateOffer). `content=` wins over text;
 * a nested itemscope's properties belong to that nested item, so a related product's Product
 * itemscope is never mistaken for the page's product.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { normalizeAvailability, normalizeCondition } from './availability.js';
import type { Candidate, CandidateRole, ProductInfo } from './candidate.js';
import { notThePrice, textOf, type DomIndex } from './dom-index.js';
import { normalizeAmount, normalizeCurrency, signOf } from './money.js';
import type { RegionClassifier } from './regions.js';
import { priceFromText } from './text-price.js';

interface Item {
  el: Element;
  types: string[];
  props: Map<string, Array<Value>>;
  owner: Item | null;
  ownerProp?: string;
}
interface Value {
  text: string;
  fromContent: boolean;
  el: Element;
  item?: Item;
}

function itemTypes(el: Element): string[] {
  return (
    (el.attribs['itemtype'] ?? '')
      .split(/\s+/)
      .filter(Boolean)
      // protocol-relative "//schema.org/Offer" is as common as http(s) in old templates
      .map((t) => t.replace(/^(https?:)?\/\/(www\.)?(schema|data-vocabulary)\.org\//i, '').toLowerCase())
  );
}

function value($: CheerioAPI, el: Element): { text: string; fromContent: boolean } {
  const a = el.attribs;
  if (a['content'] !== undefined) return { text: a['content'], fromContent: true };
  const tag = el.name.toLowerCase();
  if ((tag === 'link' || tag === 'a') && a['href'] !== undefined) return { text: a['href'], fromContent: true };
  if (tag === 'meta') return { text: a['value'] ?? '', fromContent: true };
  if ((tag === 'data' || tag === 'meter') && a['value'] !== undefined) return { text: a['value'], fromContent: true };
  if (tag === 'time' && a['datetime'] !== undefined) return { text: a['datetime'], fromContent: true };
  if (tag === 'img') return { text: a['src'] ?? '', fromContent: true };
  return { text: textOf(el, Number.POSITIVE_INFINITY, notThePrice).replace(/\s+/g, ' ').trim(), fromContent: false };
}

function first(item: Item, ...names: string[]): Value | undefined {
  for (const n of names) {
    const v = item.props.get(n)?.[0];
    if (v) return v;
  }
  return undefined;
}

function str(v: Value | undefined, depth = 0): string | undefined {
  if (!v || depth > 8) return undefined;
  if (v.item) return str(first(v.item, 'name'), depth + 1);
  return v.text.trim() || undefined;
}

const isProduct = (i: Item): boolean =>
  i.types.some((t) => /product|vehicle|^car$|^book$/.test(t) && t !== 'productgroup') ||
  i.types.includes('productgroup');
const isOffer = (i: Item): boolean => i.types.some((t) => t === 'offer' || t === 'aggregateoffer');

export function extractMicrodata(
  $: CheerioAPI,
  idx: DomIndex,
  regions: RegionClassifier,
  currencyHint?: string,
  locale?: string,
  warnings: string[] = [],
): Candidate[] {
  const scopes = idx.itemscopes;
  if (scopes.length === 0) return [];
  const items = new Map<Element, Item>();
  for (const el of scopes) items.set(el, { el, types: itemTypes(el), props: new Map(), owner: null });
  const ownerOf = (el: Element): Item | null => {
    for (let p = el.parent; p && p.type !== 'root'; p = p.parent) {
      const it = items.get(p as Element);
      if (it) return it;
    }
    return null;
  };
  for (const it of items.values()) {
    const o = ownerOf(it.el);
    it.owner = o;
  }
  for (const el of idx.itemprops) {
    const owner = ownerOf(el);
    if (!owner) continue;
    const nested = items.get(el);
    const v: Value = nested ? { text: '', fromContent: false, el, item: nested } : { ...value($, el), el };
    for (const name of (el.attribs['itemprop'] ?? '').split(/\s+/).filter(Boolean)) {
      const key = name.toLowerCase();
      const arr = owner.props.get(key);
      if (arr) arr.push(v);
      else owner.props.set(key, [v]);
      if (nested) nested.ownerProp = key;
    }
  }

  const out: Candidate[] = [];
  let key = 0;
  const productOf = (it: Item): Item | null => {
    for (let o = it.owner; o; o = o.owner) if (isProduct(o)) return o;
    return null;
  };
  const relatedProduct = (p: Item): boolean => {
    // a product nested in another product (not as a variant) is an accessory / related item
    for (let o = p.owner; o; o = o.owner)
      if (isProduct(o) && p.ownerProp !== 'hasvariant' && p.ownerProp !== 'model') return true;
    return regions.of(p.el) === 'related' || regions.of(p.el) === 'chrome';
  };
  const productKeys = new Map<Item, { key: string; info: ProductInfo; related: boolean }>();
  const productMeta = (p: Item) => {
    let m = productKeys.get(p);
    if (!m) {
      const info: ProductInfo = {};
      const name = str(first(p, 'name'));
      if (name) info.name = name;
      const sku = str(first(p, 'sku', 'productid'));
      if (sku) info.sku = sku;
      const gtin = str(first(p, 'gtin13', 'gtin12', 'gtin14', 'gtin8', 'gtin', 'isbn'));
      if (gtin) info.gtin = gtin;
      const mpn = str(first(p, 'mpn'));
      if (mpn) info.mpn = mpn;
      const brand = str(first(p, 'brand', 'manufacturer'));
      if (brand) info.brand = brand;
      const url = str(first(p, 'url'));
      if (url) info.url = url;
      m = { key: `microdata:${key++}`, info, related: relatedProduct(p) };
      productKeys.set(p, m);
    }
    return m;
  };

  const emit = (holder: Item, product: Item | null): void => {
    const currency = normalizeCurrency(str(first(holder, 'pricecurrency')));
    const base: Omit<Candidate, 'amount' | 'role' | 'currency'> = { source: 'microdata' };
    if (product) {
      const m = productMeta(product);
      base.product = m.info;
      base.productKey = m.key;
      base.related = m.related;
    } else {
      const r = regions.of(holder.el);
      base.related = r !== 'main';
    }
    const availability = normalizeAvailability(str(first(holder, 'availability')));
    if (availability) base.availability = availability;
    const condition = normalizeCondition(str(first(holder, 'itemcondition')));
    if (condition) base.condition = condition;
    const sellerValue = first(holder, 'seller');
    const seller = str(sellerValue);
    if (seller) base.seller = seller;
    // An Organization/Person itemscope for the seller may link its storefront and give its id.
    if (sellerValue?.item) {
      const id = str(first(sellerValue.item, 'identifier'));
      if (id) base.sellerId = id.slice(0, 200);
      const url = str(first(sellerValue.item, 'url'));
      if (url && /^(https?:)?\/\/|^\//i.test(url)) base.sellerUrl = url.slice(0, 2000);
    }
    if (holder !== product) {
      const sku = str(first(holder, 'sku'));
      if (sku) base.sku = sku;
      const gtin = str(first(holder, 'gtin13', 'gtin12', 'gtin14', 'gtin8', 'gtin'));
      if (gtin) base.gtin = gtin;
    }
    type Read = { amount: string; currency: string | null; raw: string; unsettledSign?: boolean };
    const read = (v: Value | undefined): Read | null => {
      if (!v || v.item) return null;
      if (v.fromContent) {
        const sign = currency ? null : signOf(v.text);
        const cur = currency ?? sign?.code ?? null;
        const amount = normalizeAmount(v.text, cur);
        if (amount !== null)
          return { amount, currency: cur, raw: v.text, ...(sign?.unsettled ? { unsettledSign: true } : {}) };
      }
      const p = priceFromText(v.text, currency ?? currencyHint, locale);
      if (!p) return null;
      if (p.candidates > 1) {
        // "$100 $50" in one itemprop: which one is the offer's price is not the markup's to say
        warnings.push(`microdata: one price value holds several amounts ("${v.text.slice(0, 40)}"); not read`);
        return null;
      }
      const r: Read = { amount: p.amount, currency: currency ?? (p.currencyFromText ? p.currency : null), raw: v.text };
      if (!currency && p.unsettledSign) r.unsettledSign = true;
      return r;
    };
    const lo = read(first(holder, 'lowprice'));
    const hi = read(first(holder, 'highprice'));
    const prices = holder.props.get('price') ?? [];
    const push = (role: CandidateRole, r: Read, high?: string): void => {
      const c: Candidate = { ...base, role, amount: r.amount, currency: r.currency, raw: r.raw };
      if (high) c.high = high;
      if (r.unsettledSign) c.unsettledSign = true;
      out.push(c);
    };
    if (prices.length > 0) {
      for (const v of prices) {
        const r = read(v);
        if (!r) continue;
        const region = regions.of(v.el);
        const struck = $(v.el).closest('del,s,strike').length > 0;
        push(struck ? 'list' : 'price', r);
        if (region !== 'main' && !product) out[out.length - 1]!.related = true;
      }
    } else if (lo) {
      if (hi && Number(hi.amount) !== Number(lo.amount)) push('range', lo, hi.amount);
      else push('price', lo);
    }
  };

  for (const it of items.values()) {
    if (isOffer(it)) emit(it, productOf(it));
    else if (isProduct(it) && it.props.has('price') && !it.props.get('offers')?.some((v) => v.item)) emit(it, it);
  }
  return out;
}
