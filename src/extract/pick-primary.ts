/**
 * Chooses the offer for the page's own product. Structured data first (JSON-LD, microdata, meta),
 * then configured selectors, then visible text. Candidates that disagree with nothing to settle it
 * give no primary and `ambiguous: true`: a wrong price is worse than none.
 */
import type { Candidate, PageContext } from './candidate.js';
import type { EmbeddedWitness } from './match-embedded.js';
import { relDiff, sameAmount } from './money.js';
import type { TextCandidate, TextPick } from './visible-text.js';

export interface Pick {
  chosen: Candidate | null;
  ambiguous: boolean;
  /**
   * The structured source read first gave its product exactly one price, and no other source
   * contradicts it: no witness was consulted, so the visible text could only have added a warning.
   */
  settledAlone?: boolean;
}

/** Another reading of the price that can confirm one of several (meta tags, visible text, state). */
interface Witness {
  amount: string;
  currency: string | null;
  source: string;
}

export interface PickExtras {
  /** The page's product's price in its embedded state (matched by SKU, GTIN, URL or title). */
  embedded?: EmbeddedWitness;
  /** Every visible-text candidate: a state price confirms one of them when the text model abstains. */
  textCands?: TextCandidate[];
}

/** The state's amount and this one are the same price (a state amount with no currency takes the page's). */
function agrees(e: EmbeddedWitness, c: { amount: string; currency: string | null }): boolean {
  return sameAmount(e.amount, c.amount) && (e.currency === null || c.currency === null || e.currency === c.currency);
}

const STRUCTURED = ['json-ld', 'microdata', 'meta', 'selector'] as const;

const eligible = (c: Candidate): boolean =>
  c.role === 'price' &&
  !c.related &&
  c.condition !== 'used' &&
  c.condition !== 'refurbished' &&
  c.condition !== 'damaged';

function pathOf(u: string | undefined, base: string): string | null {
  if (!u) return null;
  try {
    const x = new URL(u, base);
    return (x.host + x.pathname).replace(/\/+$/, '').toLowerCase();
  } catch {
    return null;
  }
}

function normName(s: string | undefined): string {
  return (s ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** How well a product group matches the page: canonical/URL, main entity, sku in URL, title. */
function matchScore(group: Candidate[], ctx: PageContext): number {
  const c = group[0]!;
  const p = c.product ?? {};
  let s = 0;
  if (c.main) s += 4;
  const pu = pathOf(p.url, ctx.url);
  if (pu && (pu === pathOf(ctx.url, ctx.url) || pu === pathOf(ctx.canonical, ctx.url))) s += 8;
  const sku = p.sku ?? c.sku;
  if (sku && sku.length >= 4 && `${ctx.url} ${ctx.canonical ?? ''}`.toLowerCase().includes(sku.toLowerCase())) s += 4;
  const n = normName(p.name);
  const t = normName(ctx.title);
  if (n && t && (n === t || (n.length > 8 && t.includes(n)) || (t.length > 8 && n.includes(t)))) s += 2;
  return s;
}

/** "210 USD" and a bare "210" on the same page are one price, not two. */
const sameCurrency = (a: Candidate, b: Candidate): boolean =>
  a.currency === b.currency || a.currency === null || b.currency === null;

function distinctAmounts(cs: Candidate[]): Candidate[] {
  const seen: Candidate[] = [];
  for (const c of cs) if (!seen.some((s) => sameAmount(s.amount, c.amount) && sameCurrency(s, c))) seen.push(c);
  return seen;
}

/** Picks the page's product among a source's product groups. */
function pageProduct(cands: Candidate[], ctx: PageContext, warnings: string[]): Candidate[] | 'ambiguous' {
  const groups = new Map<string, Candidate[]>();
  for (const c of cands) {
    const k = c.productKey ?? '(page)';
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  if (groups.size === 1) return [...groups.values()][0]!;
  const scored = [...groups.values()].map((g) => ({ g, s: matchScore(g, ctx) })).sort((a, b) => b.s - a.s);
  const top = scored.filter((x) => x.s === scored[0]!.s);
  if (top.length === 1) return top[0]!.g;
  const all = top.flatMap((x) => x.g);
  if (distinctAmounts(all).length === 1) return all;
  warnings.push(
    `${cands[0]!.source}: ${groups.size} products with different prices and none matches the page's URL, SKU or title`,
  );
  return 'ambiguous';
}

const fmt = (c: Candidate): string => `${c.amount} ${c.currency ?? '???'}`;

/** Narrows several prices of the page's product to one, or explains why it cannot. */
/** The product's distinct prices, those in the site's currency when there are several and some are. */
function priceOptions(product: Candidate[], ctx: PageContext): Candidate[] {
  const options = distinctAmounts(product);
  if (options.length > 1 && ctx.siteCurrency) {
    const same = options.filter((c) => c.currency === ctx.siteCurrency);
    if (same.length > 0) return same;
  }
  return options;
}

function settle(
  src: string,
  product: Candidate[],
  witnesses: Witness[],
  ctx: PageContext,
  warnings: string[],
): Candidate | null {
  let options = priceOptions(product, ctx);
  if (options.length > 1) {
    // another source (meta tags, the visible buy-box price) confirming exactly one of them settles it
    const confirmed = options.filter((o) =>
      witnesses.some((w) => sameAmount(w.amount, o.amount) && (w.currency === o.currency || w.currency === null)),
    );
    if (confirmed.length === 1) {
      warnings.push(
        `${src}: offers disagree (${options.map(fmt).join(', ')}); ${fmt(confirmed[0]!)} is confirmed by ${witnesses.find((w) => sameAmount(w.amount, confirmed[0]!.amount))!.source}`,
      );
      options = confirmed;
    }
  }
  if (options.length > 1 && product.some((c) => c.availability !== undefined)) {
    const inStock = distinctAmounts(
      product.filter(
        (c) =>
          c.availability === 'in_stock' &&
          options.some((o) => sameAmount(o.amount, c.amount) && o.currency === c.currency),
      ),
    );
    if (inStock.length === 1) options = inStock;
  }
  if (options.length > 1) {
    warnings.push(
      `${src}: the page's product has several prices (${options.map(fmt).join(', ')}) and nothing settles which is advertised`,
    );
    return null;
  }
  const o = options[0]!;
  return product.find((c) => sameAmount(c.amount, o.amount) && c.currency === o.currency) ?? o;
}

export function pickPrimary(
  bySource: Map<string, Candidate[]>,
  text: TextPick,
  ctx: PageContext,
  warnings: string[],
  extras: PickExtras = {},
): Pick {
  const { embedded } = extras;
  // the page's product per structured source
  const pageCands = new Map<string, Candidate[]>();
  let first: string | null = null;
  for (const src of STRUCTURED) {
    const all = bySource.get(src) ?? [];
    const el = all.filter(eligible);
    if (el.length === 0) {
      const range = all.find((c) => c.role === 'range' && !c.related);
      if (!first && range) {
        // a range settles only when the visible buy-box price sits inside it
        const t = text.chosen;
        if (
          t &&
          t.currency === range.currency &&
          Number(t.amount) >= Number(range.amount) &&
          Number(t.amount) <= Number(range.high ?? range.amount)
        ) {
          warnings.push(
            `${src}: price range ${range.amount}–${range.high ?? '?'}; the visible price ${fmt(t)} is inside it`,
          );
          return { chosen: t, ambiguous: false };
        }
        warnings.push(
          `${src}: only a price range ${range.amount}–${range.high ?? '?'}${range.currency ? ` ${range.currency}` : ''} is given`,
        );
        return { chosen: null, ambiguous: true };
      }
      if (!first && all.some((c) => c.role === 'price' && !c.related && c.condition && c.condition !== 'new')) {
        warnings.push(
          `${src}: only ${all.find((c) => c.condition && c.condition !== 'new')!.condition} offers, which are never the primary price`,
        );
        return { chosen: null, ambiguous: false };
      }
      continue;
    }
    const product = pageProduct(el, ctx, warnings);
    if (product === 'ambiguous') {
      if (!first) return { chosen: null, ambiguous: true };
      continue;
    }
    pageCands.set(src, product);
    first ??= src;
  }

  if (first) {
    const witnesses: Witness[] = [...pageCands].filter(([s]) => s !== first).flatMap(([, cs]) => cs);
    if (text.chosen) witnesses.push(text.chosen);
    if (embedded) witnesses.push(embedded);
    const chosen = settle(first, pageCands.get(first)!, witnesses, ctx, warnings);
    if (!chosen) return { chosen: null, ambiguous: true };
    let settledAlone = priceOptions(pageCands.get(first)!, ctx).length === 1;
    // a lower-priority structured source that names a different price is a conflict
    for (const [src, cs] of pageCands) {
      if (src === first || cs.some((c) => sameAmount(c.amount, chosen.amount))) continue;
      const other = distinctAmounts(cs).map(fmt).join(', ');
      if (text.chosen && sameAmount(text.chosen.amount, chosen.amount)) {
        warnings.push(`${src} says ${other} but ${first} and the visible price say ${fmt(chosen)}`);
        settledAlone = false;
        continue;
      }
      warnings.push(`${first} says ${fmt(chosen)} but ${src} says ${other}`);
      return { chosen: null, ambiguous: true };
    }
    if (text.chosen && relDiff(text.chosen.amount, chosen.amount) > 0.02) {
      warnings.push(`visible text shows ${fmt(text.chosen)} but ${first} says ${fmt(chosen)}`);
    }
    if (embedded && !agrees(embedded, chosen))
      warnings.push(`${embedded.source} says ${embedded.amount} but ${first} says ${fmt(chosen)}`);
    return { chosen, ambiguous: false, settledAlone };
  }
  if (text.chosen) {
    if (embedded && !agrees(embedded, text.chosen) && embedded.knownUnits) {
      // a state format that states its units, matched to the page's product, names another price:
      // one of the two is not the advertised price and nothing says which
      warnings.push(`visible text shows ${fmt(text.chosen)} but ${embedded.source} says ${embedded.amount}`);
      return { chosen: null, ambiguous: true };
    }
    return { chosen: text.chosen, ambiguous: false };
  }
  if (text.reason) warnings.push(`text: ${text.reason}`);
  if (embedded) {
    // the state settles among the visible prices; a price the page does not show is never taken alone
    const shown = (extras.textCands ?? [])
      .filter((c) => c.role === 'price' && !c.related && agrees(embedded, c))
      .sort((a, b) => a.level - b.level)[0];
    if (shown) {
      warnings.push(`visible price ${fmt(shown)} confirmed by ${embedded.source}`);
      return { chosen: shown, ambiguous: false };
    }
    warnings.push(`${embedded.source} says ${embedded.amount}, which the page does not show; not taken alone`);
  }
  return { chosen: null, ambiguous: /disagree/.test(text.reason ?? '') };
}
