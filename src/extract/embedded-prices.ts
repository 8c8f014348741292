/**
 * Prices in embedded state blobs, each tied to the product object that holds it. Known formats
 * state their units (Shopify product JSON and `meta`: minor units; VTEX skuJson: bestPrice in
 * minor units); generic framework state (Next.js, Nuxt, Redux) does not, so its amounts are only
 * ever compared as written. The walk is depth- and node-limited like the JSON-LD walk.
 */
import type { ProductInfo } from './candidate.js';
import type { Blob, BlobKind } from './embedded-blobs.js';
import { normalizeAmount, normalizeCurrency } from './money.js';

export interface EmbeddedPrice {
  kind: BlobKind;
  amount: string;
  currency: string | null;
  /** list: a was/compare-at price, never the selling price. */
  role: 'price' | 'list';
  product: ProductInfo;
  productKey: string;
  /** Units are stated by the format (Shopify, VTEX): a disagreement with the page means something. */
  knownUnits: boolean;
  /** The format itself ties it to the page's product (Shopify `meta` of a product page, Magento's cart form). */
  pageProduct?: boolean;
  /** Shopify variant id: a product URL's `?variant=` names the variant the page shows. */
  variantId?: string;
}

/** Same limit as the JSON-LD walk: real state nests deeper than JSON-LD, but not by much. */
export const MAX_DEPTH = 32;
/** Objects visited per blob: a 5 MB Redux store must not cost a second. */
const MAX_NODES = 200_000;

type Node = Record<string, unknown>;
const isObj = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;

/** Minor units ("2999" → "29.99"), for formats that document them. */
function fromMinor(v: unknown): string | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) return null;
  return normalizeAmount((n / 100).toFixed(2));
}

/** Shopify product JSON / `meta.product`: variants[].price and compare_at_price in minor units. */
function shopify(kind: BlobKind, p: Node, out: EmbeddedPrice[], pageProduct = false): void {
  const title = str(p['title']);
  const handle = str(p['handle']);
  const info: ProductInfo = {};
  if (title) info.name = title;
  if (handle) info.url = `/products/${handle}`;
  const key = `${kind}:${str(p['id']) ?? handle ?? title ?? '?'}`;
  const variants = Array.isArray(p['variants']) ? p['variants'].filter(isObj) : [];
  for (const v of variants.slice(0, 500)) {
    const product: ProductInfo = { ...info };
    const sku = str(v['sku']);
    if (sku) product.sku = sku;
    const gtin = str(v['barcode']);
    if (gtin) product.gtin = gtin;
    if (!product.name) {
      // meta.product has no title; a variant's name is "Title - Option"
      const n = str(v['name']);
      if (n) product.name = n.replace(/\s+-\s+[^-]*$/, '');
    }
    const price = fromMinor(v['price']);
    if (price !== null) {
      const e: EmbeddedPrice = {
        kind,
        amount: price,
        currency: null,
        role: 'price',
        product,
        productKey: key,
        knownUnits: true,
      };
      if (pageProduct) e.pageProduct = true;
      const vid = str(v['id']);
      if (vid) e.variantId = vid;
      out.push(e);
    }
    const was = fromMinor(v['compare_at_price']);
    if (was !== null && price !== null && Number(was) > Number(price))
      out.push({ kind, amount: was, currency: null, role: 'list', product, productKey: key, knownUnits: true });
  }
}

/** VTEX skuJson: skus[].bestPrice / listPrice in minor units, only available SKUs sell. */
function vtex(p: Node, out: EmbeddedPrice[]): void {
  const name = str(p['name']);
  const key = `vtex-sku:${str(p['productId']) ?? name ?? '?'}`;
  const skus = Array.isArray(p['skus']) ? p['skus'].filter(isObj) : [];
  for (const s of skus.slice(0, 500)) {
    if (s['available'] === false) continue;
    const product: ProductInfo = {};
    if (name) product.name = name;
    const sku = str(s['sku']);
    if (sku) product.sku = sku;
    const best = fromMinor(s['bestPrice']);
    if (best === null || best === '0') continue;
    out.push({
      kind: 'vtex-sku',
      amount: best,
      currency: null,
      role: 'price',
      product,
      productKey: key,
      knownUnits: true,
    });
    const list = fromMinor(s['listPrice']);
    if (list !== null && Number(list) > Number(best))
      out.push({
        kind: 'vtex-sku',
        amount: list,
        currency: null,
        role: 'list',
        product,
        productKey: key,
        knownUnits: true,
      });
  }
}

const NAME_KEY = /^(name|title|productName|productTitle|displayName)$/;
const PRICE_KEY = /^(price|salePrice|currentPrice|finalPrice|sellingPrice|offerPrice|specialPrice|priceValue)$/;
const LIST_KEY = /^(listPrice|regularPrice|originalPrice|wasPrice|oldPrice|msrp|rrp|compareAtPrice|basePrice)$/;
const RELATED = /related|recommend|similar|upsell|crossSell|crosssell|accessor|alsoBought|alsoViewed|recentlyViewed/i;

/** A generic price value: 19.99, "19.99", {amount|value, currency|currencyCode}. */
function genericPrice(v: unknown): { amount: string; currency: string | null } | null {
  if (typeof v === 'number' || typeof v === 'string') {
    const a = normalizeAmount(v);
    return a === null ? null : { amount: a, currency: null };
  }
  if (!isObj(v)) return null;
  const cur = normalizeCurrency(str(v['currency'] ?? v['currencyCode'] ?? v['currencyIso']));
  const raw = v['amount'] ?? v['value'];
  if (typeof raw !== 'number' && typeof raw !== 'string') return null;
  const a = normalizeAmount(raw, cur);
  return a === null ? null : { amount: a, currency: cur };
}

interface Walk {
  out: EmbeddedPrice[];
  nodes: number;
  tooDeep: boolean;
  next: number;
}

/** Generic state: an object with a name and a price is a product; its identity comes from its keys. */
function walkGeneric(kind: BlobKind, v: unknown, w: Walk, depth: number): void {
  if (depth > MAX_DEPTH) {
    w.tooDeep = true;
    return;
  }
  if (++w.nodes > MAX_NODES) return;
  if (Array.isArray(v)) {
    for (const x of v) walkGeneric(kind, x, w, depth + 1);
    return;
  }
  if (!isObj(v)) return;
  const keys = Object.keys(v);
  const nameKey = keys.find((k) => NAME_KEY.test(k) && typeof v[k] === 'string');
  const priceKeys = keys.filter((k) => PRICE_KEY.test(k) || LIST_KEY.test(k));
  if (nameKey && priceKeys.length > 0) {
    const product: ProductInfo = { name: str(v[nameKey])! };
    const sku = str(v['sku'] ?? v['skuId'] ?? v['productId'] ?? v['id']);
    if (sku) product.sku = sku;
    const gtin = str(v['gtin'] ?? v['gtin13'] ?? v['ean'] ?? v['upc'] ?? v['barcode']);
    if (gtin) product.gtin = gtin;
    const url = str(v['url'] ?? v['canonicalUrl'] ?? v['href']);
    if (url) product.url = url;
    const productKey = `${kind}:${w.next++}`;
    for (const k of priceKeys) {
      const p = genericPrice(v[k]);
      if (!p) continue;
      const role = LIST_KEY.test(k) ? 'list' : 'price';
      w.out.push({ kind, ...p, role, product, productKey, knownUnits: false });
    }
  }
  for (const k of keys) {
    const x = v[k];
    if (typeof x !== 'object' || x === null || RELATED.test(k)) continue;
    walkGeneric(kind, x, w, depth + 1);
  }
}

export function embeddedPrices(blobs: Blob[], warnings: string[]): EmbeddedPrice[] {
  const out: EmbeddedPrice[] = [];
  const w: Walk = { out, nodes: 0, tooDeep: false, next: 0 };
  let flightSeen = false;
  for (const b of blobs) {
    const v = b.value;
    if (b.kind === 'shopify-product') {
      if (isObj(v)) shopify(b.kind, v, out);
    } else if (b.kind === 'shopify-meta') {
      const page = isObj(v) && isObj(v['page']) ? v['page'] : {};
      // Shopify's analytics `meta` describes the page itself, when the page is a product page
      if (isObj(v) && isObj(v['product'])) shopify(b.kind, v['product'], out, page['pageType'] === 'product');
    } else if (b.kind === 'vtex-sku') {
      if (isObj(v)) vtex(v, out);
    } else {
      // the lines of one flight stream share one node budget
      if (b.kind !== 'next-flight' || !flightSeen) w.nodes = 0;
      if (b.kind === 'next-flight') flightSeen = true;
      walkGeneric(b.kind, v, w, 0);
    }
  }
  if (w.tooDeep) warnings.push(`embedded: state nesting deeper than ${MAX_DEPTH} levels skipped`);
  return out;
}
