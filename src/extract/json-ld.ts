/**
 * JSON-LD offers: Product, ProductGroup (hasVariant), Offer, AggregateOffer, priceSpecification,
 * `@graph`, nested arrays, several script blocks, and the broken JSON real sites ship.
 */
import type { CheerioAPI } from 'cheerio';
import { normalizeAvailability, normalizeCondition } from './availability.js';
import type { Candidate, CandidateRole, ProductInfo } from './candidate.js';
import { textOf, type DomIndex } from './dom-index.js';
import { decodeEntities, parseLenientJson } from './lenient-json.js';
import { normalizeAmount, normalizeCurrency, signOf } from './money.js';

type Node = Record<string, unknown>;

const PRODUCT_TYPES = new Set([
  'product',
  'productgroup',
  'individualproduct',
  'productmodel',
  'someproducts',
  'vehicle',
  'car',
  'motorcycle',
  'book',
  'musicalbum',
  'musicrecording',
]);
/** Properties whose products are not the page's own product. */
const RELATED_KEYS =
  /^(isrelatedto|issimilarto|isaccessoryorsparepartfor|isconsumablefor|relatedlink|itemlistelement|related|recommendations?|isvariantof)$/i;
const LIST_PRICE_TYPE = /strikethrough|listprice|srp|msrp|regular|original|was|invoice/i;

function types(n: Node): string[] {
  const t = n['@type'];
  const arr = Array.isArray(t) ? t : [t];
  return (
    arr
      .filter((x): x is string => typeof x === 'string')
      // "http://schema.org/Offer", "https://schema.org/Offer", "//schema.org/Offer", "schema:Offer"
      .map((x) => x.replace(/^((https?:)?\/\/(www\.)?schema\.org\/|schema:)/i, '').toLowerCase())
  );
}

function isObj(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** A plain text value: string, number, {name}, {@value}, or the first of an array. */
function text(v: unknown, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  if (Array.isArray(v)) return text(v[0], depth + 1);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    const s = decodeEntities(v).replace(/\s+/g, ' ').trim();
    return s || undefined;
  }
  if (isObj(v)) return text(v['name'] ?? v['@value'], depth + 1);
  return undefined;
}

const HTTP_URL = /^(https?:)?\/\/|^\//i;

/**
 * A seller's identity as schema.org gives it: a bare name, or an Organization/Person with
 * `name`, `identifier` (text or a PropertyValue), `url` and `@id`. An `@id` that is a URL is
 * the storefront when `url` is absent (a fragment only names the node); any other `@id` is the
 * marketplace's id. Relative URLs are resolved against the page later (extract-offers.ts).
 */
function sellerOf(v: unknown): Pick<Candidate, 'seller' | 'sellerId' | 'sellerUrl'> {
  const node = Array.isArray(v) ? v[0] : v;
  const out: Pick<Candidate, 'seller' | 'sellerId' | 'sellerUrl'> = {};
  const name = text(node);
  if (name) out.seller = name;
  if (!isObj(node)) return out;
  const ident = node['identifier'];
  const id = text(isObj(ident) ? (ident['value'] ?? ident['@value']) : ident);
  const at = typeof node['@id'] === 'string' ? node['@id'].trim() : '';
  if (id) out.sellerId = id.slice(0, 200);
  else if (at && !HTTP_URL.test(at) && !at.startsWith('_:') && !at.startsWith('#')) out.sellerId = at.slice(0, 200);
  const url = text(node['url']) ?? (HTTP_URL.test(at) ? at.replace(/#.*$/, '') : undefined);
  if (url && HTTP_URL.test(url)) out.sellerUrl = url.slice(0, 2000);
  return out;
}

function productInfo(n: Node, inherit?: ProductInfo): ProductInfo {
  const p: ProductInfo = { ...inherit };
  const name = text(n['name']);
  if (name) p.name = name;
  const sku = text(n['sku'] ?? n['productID']);
  if (sku) p.sku = sku;
  const gtin = text(n['gtin13'] ?? n['gtin12'] ?? n['gtin14'] ?? n['gtin8'] ?? n['gtin'] ?? n['isbn']);
  if (gtin) p.gtin = gtin;
  const mpn = text(n['mpn']);
  if (mpn) p.mpn = mpn;
  const brand = text(n['brand'] ?? n['manufacturer']);
  if (brand) p.brand = brand;
  const url = text(n['url'] ?? n['@id']);
  if (url) p.url = url;
  return p;
}

interface Walk {
  out: Candidate[];
  nextKey: number;
  /** Set when a branch was cut at MAX_DEPTH. */
  tooDeep: boolean;
}

/**
 * Real JSON-LD nests a handful of levels (graph → product → offers → priceSpecification); a page
 * nesting hundreds of thousands deep is hostile or broken, and recursing into it would overflow
 * the stack. Deeper branches are skipped with a warning.
 */
const MAX_DEPTH = 32;

interface OfferScope {
  product?: ProductInfo;
  productKey?: string;
  related: boolean;
  main: boolean;
}

function offerCandidates(o: Node, scope: OfferScope, w: Walk, depth: number): void {
  if (depth > MAX_DEPTH) {
    w.tooDeep = true;
    return;
  }
  const t = types(o);
  const base: Omit<Candidate, 'amount' | 'role' | 'currency'> = {
    source: 'json-ld',
    related: scope.related,
  };
  if (scope.product) base.product = scope.product;
  if (scope.productKey) base.productKey = scope.productKey;
  if (scope.main) base.main = true;
  const itemOffered = o['itemOffered'];
  if (!scope.product && isObj(itemOffered)) {
    base.product = productInfo(itemOffered);
    base.productKey = `jsonld:${w.nextKey++}`;
  }
  const availability = normalizeAvailability(text(o['availability']));
  if (availability) base.availability = availability;
  const condition = normalizeCondition(text(o['itemCondition']));
  if (condition) base.condition = condition;
  Object.assign(base, sellerOf(o['seller'] ?? o['offeredBy']));
  const sku = text(o['sku']);
  if (sku) base.sku = sku;
  const gtin = text(o['gtin13'] ?? o['gtin12'] ?? o['gtin14'] ?? o['gtin8'] ?? o['gtin']);
  if (gtin) base.gtin = gtin;
  const mpn = text(o['mpn']);
  if (mpn) base.mpn = mpn;

  const currency = normalizeCurrency(text(o['priceCurrency']));
  const push = (role: CandidateRole, rawAmount: unknown, given: string | null, high?: unknown): void => {
    const sign = given ? null : signOf(rawAmount);
    const cur = given ?? sign?.code ?? null;
    const amount = normalizeAmount(rawAmount, cur);
    if (amount === null) return;
    const c: Candidate = { ...base, role, amount, currency: cur, raw: String(rawAmount) };
    if (sign?.unsettled) c.unsettledSign = true;
    if (high !== undefined) {
      const h = normalizeAmount(high, cur);
      if (h !== null) c.high = h;
    }
    w.out.push(c);
  };

  // nested offers of an AggregateOffer settle the range
  const nested = asArray(o['offers']).filter(isObj);
  const before = w.out.length;
  for (const n of nested) offerCandidates(n, scope, w, depth + 1);
  const hasNestedPrice = w.out.slice(before).some((c) => c.role === 'price');

  if (t.includes('aggregateoffer') || o['lowPrice'] !== undefined || o['highPrice'] !== undefined) {
    if (!hasNestedPrice) {
      const low = o['lowPrice'] ?? o['price'];
      const high = o['highPrice'];
      const l = normalizeAmount(text(low), currency);
      const h = normalizeAmount(text(high), currency);
      if (l !== null && h !== null && Number(l) !== Number(h)) push('range', text(low), currency, text(high));
      else if (l !== null) push('price', text(low), currency);
      else if (h !== null) push('price', text(high), currency);
    }
    return;
  }

  const hasPrice = o['price'] !== undefined && normalizeAmount(text(o['price']), currency) !== null;
  if (hasPrice) push('price', text(o['price']), currency);
  for (const spec of asArray(o['priceSpecification']).filter(isObj)) {
    const cur = normalizeCurrency(text(spec['priceCurrency'])) ?? currency;
    const priceType = text(spec['priceType']) ?? '';
    const ref = spec['referenceQuantity'];
    const refValue = isObj(ref) ? Number(text(ref['value']) ?? '1') : 1;
    const unitText = isObj(ref) ? (text(ref['unitCode']) ?? text(ref['unitText'])) : undefined;
    let role: CandidateRole = 'price';
    if (LIST_PRICE_TYPE.test(priceType)) role = 'list';
    else if (/install|subscription|monthly/i.test(priceType)) role = 'installment';
    else if (
      isObj(ref) &&
      (refValue !== 1 || (unitText !== undefined && !/^(c62|h87|ea|unit|piece|pcs?)$/i.test(unitText)))
    )
      role = 'unit';
    else if (types(spec).some((x) => /delivery|shipping/.test(x))) role = 'shipping';
    if (spec['price'] !== undefined) {
      if (role === 'price' && hasPrice) {
        // the offer's own price already is the selling price; a differing spec price is a second opinion
        push('price', text(spec['price']), cur);
      } else push(role, text(spec['price']), cur);
    } else if (spec['minPrice'] !== undefined || spec['maxPrice'] !== undefined) {
      const l = normalizeAmount(text(spec['minPrice']), cur);
      const h = normalizeAmount(text(spec['maxPrice']), cur);
      if (l !== null && h !== null && Number(l) !== Number(h))
        push('range', text(spec['minPrice']), cur, text(spec['maxPrice']));
      else push(role, text(spec['minPrice'] ?? spec['maxPrice']), cur);
    }
  }
}

function walk(
  v: unknown,
  w: Walk,
  depth: number,
  related: boolean,
  main: boolean,
  group?: { key: string; info: ProductInfo },
): void {
  if (depth > MAX_DEPTH) {
    w.tooDeep = true;
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) walk(x, w, depth + 1, related, main, group);
    return;
  }
  if (!isObj(v)) return;
  const t = types(v);
  if (t.some((x) => PRODUCT_TYPES.has(x))) {
    const key = group?.key ?? `jsonld:${w.nextKey++}`;
    const info = productInfo(v, group?.info);
    const scope: OfferScope = { product: info, productKey: key, related, main };
    for (const o of asArray(v['offers'])) if (isObj(o)) offerCandidates(o, scope, w, depth + 1);
    for (const [k, val] of Object.entries(v)) {
      if (k === 'offers' || typeof val !== 'object' || val === null) continue;
      if (/^hasvariant$/i.test(k))
        walk(val, w, depth + 1, related, main, {
          key,
          info: { ...info, sku: undefined, gtin: undefined } as ProductInfo,
        });
      else if (/^(review|aggregaterating|brand|manufacturer|image|isvariantof)$/i.test(k)) continue;
      // any other product nested in a product (accessories, "similar items") is not the page's own
      else walk(val, w, depth + 1, true, false);
    }
    return;
  }
  if (t.includes('offer') || t.includes('aggregateoffer')) {
    offerCandidates(v, { related, main }, w, depth + 1);
    return;
  }
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'object' || val === null) continue;
    const isMain = /^(mainentity|mainentityofpage)$/i.test(k);
    walk(val, w, depth + 1, related || RELATED_KEYS.test(k), isMain || main, group);
  }
}

export function extractJsonLd($: CheerioAPI, idx: DomIndex, warnings: string[]): Candidate[] {
  const w: Walk = { out: [], nextKey: 0, tooDeep: false };
  for (const el of idx.ldScripts) {
    const body = textOf(el);
    if (!/offer|price|product/i.test(body)) continue;
    const { values, warnings: ws } = parseLenientJson(body);
    for (const m of ws) if (!warnings.includes(m)) warnings.push(m);
    for (const v of values) walk(v, w, 0, false, false);
  }
  if (w.tooDeep) warnings.push(`json-ld: nesting deeper than ${MAX_DEPTH} levels skipped`);
  return w.out;
}
