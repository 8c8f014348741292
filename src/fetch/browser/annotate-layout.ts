/**
 * Layout facts for the visible-price model, from real geometry and computed style: every short
 * element that holds a digit is annotated in the live DOM with data attributes, and the
 * serialized DOM then goes through the normal extraction (src/extract/layout-facts.ts reads
 * them). Attributes rather than a side channel keep extraction a pure function of one HTML
 * string, so the static and the layout read share every rule.
 *
 * - data-mw-hidden: not shown (display:none, visibility:hidden, opacity 0 on it or an
 *   ancestor, or a box of at most 1 px: zero size and the "sr-only" clip)
 * - data-mw-struck: a computed `line-through` on it or an ancestor whose decoration reaches it
 * - data-mw-font / data-mw-weight: computed font size (px) and weight
 * - data-mw-top: page y of its box (px); above the fold when below the viewport height
 * The root gets data-mw-layout="<viewport height>" so the reader knows the facts exist.
 */
import type { Page } from 'playwright-core';

/** Elements whose text is longer than this are blocks, not a price. */
const MAX_TEXT = 200;

export const ANNOTATE_LAYOUT_SRC = `(maxText) => {
  const root = document.documentElement;
  if (!root || !document.body) return 0;
  root.setAttribute('data-mw-layout', String(window.innerHeight));
  // text-decoration does not reach inline-block, floated or out-of-flow descendants
  const stopsDecoration = (cs) =>
    cs.display === 'inline-block' || cs.float !== 'none' || cs.position === 'absolute' || cs.position === 'fixed';
  const struck = (el) => {
    for (let n = el; n && n !== root; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if ((cs.textDecorationLine || '').includes('line-through')) return true;
      if (stopsDecoration(cs)) return false;
    }
    return false;
  };
  let n = 0;
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' || tag === 'style' || tag === 'noscript' || tag === 'template') continue;
    const text = el.textContent || '';
    if (text.length > maxText || !/\\d/.test(text)) continue;
    const r = el.getBoundingClientRect();
    const shown = el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    if (!shown || r.width <= 1 || r.height <= 1) {
      el.setAttribute('data-mw-hidden', '');
      n++;
      continue;
    }
    const cs = getComputedStyle(el);
    el.setAttribute('data-mw-font', String(Math.round(parseFloat(cs.fontSize) * 10) / 10));
    el.setAttribute('data-mw-weight', String(parseInt(cs.fontWeight, 10) || 400));
    el.setAttribute('data-mw-top', String(Math.round(r.top + window.scrollY)));
    if (struck(el)) el.setAttribute('data-mw-struck', '');
    n++;
  }
  return n;
}`;

/** Annotates the page in place; returns how many elements were annotated. */
export async function annotateLayout(page: Page): Promise<number> {
  return page.evaluate<number>(`(${ANNOTATE_LAYOUT_SRC})(${MAX_TEXT})`);
}
