/**
 * The layout read: what real geometry and computed style say about the visible price
 * candidates, once a browser has annotated the DOM (src/fetch/browser/annotate-layout.ts).
 *
 * It only ever settles an abstention of the static read, and only on clear evidence:
 * 1. a candidate the browser shows as hidden (a stylesheet's display:none, visibility, opacity,
 *    zero size) is not what the page shows, and one struck by a computed line-through is a
 *    former price; with those out, the static model must clear its own margin again;
 * 2. failing that, one amount set much larger than every other, above the fold and as near the
 *    title as any candidate, is the price the page puts forward.
 * Anything less stays an abstention: a wrong price is a false accusation.
 */
import type { CheerioAPI } from 'cheerio';
import { pickTextPrice, type TextCandidate, type TextPick } from './visible-text.js';

export type { LayoutFact } from './price-features.js';

/**
 * The largest price must be at least this many times the size of every other amount's: a
 * storefront's buy-box price is typically 1.5–3× body text (24–36 px against 14–16 px), while
 * a sale price and its neighbour set in the same style differ by far less. Below it, size is
 * no evidence.
 */
export const FONT_RATIO = 1.5;

/** Viewport height when the root does not say (the pool's VIEWPORT). */
const DEFAULT_FOLD = 900;

/** The viewport height the page was laid out in, or null when the HTML carries no layout facts. */
export function layoutFold($: CheerioAPI): number | null {
  const v = $('html').attr('data-mw-layout');
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_FOLD;
}

export interface LayoutPick extends TextPick {
  /** The candidates as the layout read sees them (hidden ones gone, struck ones former prices). */
  cands: TextCandidate[];
}

/** Rule 2: one amount much larger than all others, above the fold and nearest the title. */
function byProminence(pool: TextCandidate[], fold: number): TextPick {
  const nearest = Math.min(...pool.map((c) => c.level));
  if (!Number.isFinite(nearest)) return { reason: 'layout: no title to measure from' };
  const largest = new Map<number, TextCandidate>();
  for (const c of pool) {
    const k = Number(c.amount);
    const e = largest.get(k);
    if (!e || (c.layout?.font ?? 0) > (e.layout?.font ?? 0)) largest.set(k, c);
  }
  const ranked = [...largest.values()].sort((a, b) => (b.layout?.font ?? 0) - (a.layout?.font ?? 0));
  const [top, second] = ranked;
  if (!top?.layout || !second?.layout) return { reason: 'layout: no second amount to weigh' };
  const ratio = top.layout.font / Math.max(second.layout.font, 1);
  if (ratio < FONT_RATIO)
    return { reason: `layout: no amount stands out by size (${top.layout.font}px vs ${second.layout.font}px)` };
  if (top.layout.top >= fold) return { reason: `layout: the largest amount ${top.amount} is below the fold` };
  if (top.level > nearest) return { reason: `layout: the largest amount ${top.amount} is not the nearest the title` };
  if (top.from) return { reason: `layout: the largest amount ${top.amount} is a "from" price` };
  return { chosen: top };
}

/**
 * The layout read of the visible candidates. Call only when the static read abstained and the
 * HTML carries layout facts (layoutFold not null).
 */
export function pickWithLayout(textCands: TextCandidate[], fold: number): LayoutPick {
  const struck: TextCandidate[] = [];
  const cands: TextCandidate[] = [];
  for (const c of textCands) {
    if (c.layout?.hidden) continue;
    if (c.layout?.struck && c.role === 'price') struck.push(c);
    cands.push(c);
  }
  // a computed line-through, wherever the stylesheet put it: a former price (undone below
  // unless the layout read settles the page, so an abstention leaves the static view intact)
  for (const c of struck) c.role = 'list';
  const pick = settle(cands, fold, cands.length < textCands.length || struck.length > 0);
  if (!pick.chosen) for (const c of struck) c.role = 'price';
  return { ...pick, cands };
}

function settle(cands: TextCandidate[], fold: number, changed: boolean): TextPick {
  const pool = cands.filter((c) => c.role === 'price' && !c.related);
  if (pool.length === 0) return { reason: 'layout: no shown, unstruck price near the title' };
  if (pool.some((c) => !c.layout)) return { reason: 'layout: some candidates have no layout facts' };
  if (changed) {
    const again = pickTextPrice(cands);
    if (again.chosen) return again;
  }
  return byProminence(pool, fold);
}
