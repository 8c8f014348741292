/**
 * The embedded-state price of the page's own product. State blobs hold related products, cart
 * contents and recommendations next to the page's product, so the first product found is never
 * taken: a product matches by SKU or GTIN (of the page's structured data or in its URL), by its
 * URL, or by its name against the main title. When the matched product has several selling prices
 * (variants priced differently) and nothing on the page decides, there is no embedded price.
 */
import type { PageContext } from './candidate.js';
import type { EmbeddedPrice } from './embedded-prices.js';
import { sameAmount } from './money.js';

export interface EmbeddedWitness {
  amount: string;
  currency: string | null;
  /** "embedded next-data", "embedded shopify-product", … */
  source: string;
  knownUnits: boolean;
}

export interface EmbeddedMatch {
  witness?: EmbeddedWitness;
  reason?: string;
}

const norm = (s: string | undefined): string =>
  (s ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

function pathOf(u: string | undefined, base: string): string | null {
  if (!u) return null;
  try {
    const x = new URL(u, base);
    return x.pathname.replace(/\/+$/, '').toLowerCase();
  } catch {
    return null;
  }
}

export interface PageIds {
  skus: Set<string>;
  gtins: Set<string>;
}

interface PageKeys {
  urls: string;
  paths: string[];
  title: string;
}

function score(p: EmbeddedPrice, page: PageKeys, ids: PageIds, base: string): number {
  const { sku, gtin, url, name } = p.product;
  let s = p.pageProduct ? 8 : 0;
  const lc = (x: string): string => x.toLowerCase();
  if (sku && ids.skus.has(lc(sku))) s += 8;
  if (gtin && ids.gtins.has(gtin.replace(/^0+/, ''))) s += 8;
  if (sku && sku.length >= 4 && !/^\d{1,6}$/.test(sku) && page.urls.includes(lc(sku))) s += 4;
  const pu = url ? pathOf(url, base) : null;
  // a Shopify product is also served under /collections/x/products/handle
  if (pu && pu.length > 1 && page.paths.some((q) => q === pu || q.endsWith(pu))) s += 8;
  const n = norm(name);
  const t = page.title;
  // the state's name is the title, or the title plus a brand or variant; never a shorter name
  // inside the title ("iPhone 15" is not "iPhone 15 Case"). The exact name outranks a longer one
  // ("Widget Pro" over "Widget Pro Mini" on the page titled "Widget Pro").
  if (n && t && n === t) s += 3;
  else if (n && t && t.length > 8 && n.includes(t)) s += 2;
  return s;
}

export function matchEmbedded(prices: EmbeddedPrice[], ctx: PageContext, ids: PageIds): EmbeddedMatch {
  if (prices.length === 0) return {};
  const page: PageKeys = {
    urls: `${ctx.url} ${ctx.canonical ?? ''}`.toLowerCase(),
    paths: [pathOf(ctx.url, ctx.url), pathOf(ctx.canonical, ctx.url)].filter((q): q is string => !!q),
    title: norm(ctx.title),
  };
  const groups = new Map<string, { s: number; ps: EmbeddedPrice[] }>();
  for (const p of prices) {
    const g = groups.get(p.productKey);
    const s = score(p, page, ids, ctx.url);
    if (g) {
      g.ps.push(p);
      g.s = Math.max(g.s, s);
    } else groups.set(p.productKey, { s, ps: [p] });
  }
  const ranked = [...groups.values()].filter((g) => g.s > 0).sort((a, b) => b.s - a.s);
  if (ranked.length === 0) return { reason: "no product in the page's state matches its URL, SKU or title" };
  const top = ranked.filter((g) => g.s === ranked[0]!.s);
  let sells = top.flatMap((g) => g.ps).filter((p) => p.role === 'price');
  // a variant the page names by SKU or GTIN settles which of the product's prices is meant
  const named = sells.filter(
    (p) =>
      (p.product.sku && ids.skus.has(p.product.sku.toLowerCase())) ||
      (p.product.gtin && ids.gtins.has(p.product.gtin.replace(/^0+/, ''))),
  );
  if (named.length > 0) sells = named;
  else {
    // Shopify: /products/x?variant=123 opens the page on that variant and shows its price
    const vid = /[?&]variant=(\d+)/.exec(ctx.url)?.[1];
    const selected = vid ? sells.filter((p) => p.variantId === vid) : [];
    if (selected.length > 0) sells = selected;
  }
  const distinct: EmbeddedPrice[] = [];
  for (const p of sells) if (!distinct.some((d) => sameAmount(d.amount, p.amount))) distinct.push(p);
  if (distinct.length === 0) return { reason: 'the matched product in the state has no selling price' };
  if (distinct.length > 1)
    return {
      reason: `the matched product in the state has several prices (${distinct
        .slice(0, 4)
        .map((d) => d.amount)
        .join(', ')}) and nothing settles which`,
    };
  const p = distinct[0]!;
  return {
    witness: { amount: p.amount, currency: p.currency, source: `embedded ${p.kind}`, knownUnits: p.knownUnits },
  };
}
