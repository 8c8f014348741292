/**
 * When a rendered page's price is settled enough to read. Playwright's `networkidle` waits for
 * 500 ms without any request on every page; most pages that name their price (a configured
 * `selectors.price`, or structured data) are done well before that. The page counts as
 * settled when, all at once:
 * - every request the page started has finished (so a late XHR that rewrites the price is
 *   waited for, however long it takes, up to the cap), and no request started for `quietMs`;
 * - the price is in the page (the selector matches an element whose text has a digit, or the
 *   page has JSON-LD / microdata naming a price), and its text has not changed for `quietMs`.
 * `quietMs` is networkidle's 500 ms, so a script that waits a moment before asking for the price
 * is covered exactly as before: a request started within it is waited for. A shorter quiet
 * period read a little sooner, but would read a price that a script replaces after a pause of
 * 250–500 ms, and a wrong price is worse than a slow one. A page that waits longer than 500 ms
 * needs `steps` (a wait_for step), as it did with networkidle.
 * A page without a named price gets the old, longer quiet period (idleMs), as networkidle did.
 * At `maxMs` the page is read as it is, as before.
 */
import type { Page, Request } from 'playwright-core';

export interface RequestTracker {
  inFlight(): number;
  /** performance.now() of the last request started or finished. */
  lastActivity(): number;
  dispose(): void;
}

/** Attach before navigating: requests started by the document itself must be counted. */
export function trackRequests(page: Page): RequestTracker {
  const open = new Set<Request>();
  let last = performance.now();
  const start = (r: Request) => {
    open.add(r);
    last = performance.now();
  };
  const end = (r: Request) => {
    open.delete(r);
    last = performance.now();
  };
  page.on('request', start);
  page.on('requestfinished', end);
  page.on('requestfailed', end);
  return {
    inFlight: () => open.size,
    lastActivity: () => last,
    dispose() {
      page.off('request', start);
      page.off('requestfinished', end);
      page.off('requestfailed', end);
    },
  };
}

export interface SettleOptions {
  /** The site's `selectors.price`, when it has one. */
  priceSelector?: string;
  /** Quiet period once the price is in the page. */
  quietMs?: number;
  /** Quiet period for a page whose price is not (yet) found: networkidle's 500 ms. */
  idleMs?: number;
  maxMs: number;
  pollMs?: number;
}

export type SettleOutcome = 'price' | 'idle' | 'timeout';

// Passed as source text: a bundler's helper (e.g. esbuild's __name) must not leak into the page.
const PRICE_PROBE_SRC = `function (selector) {
  function text(el) { return el ? (el.textContent || '').replace(/\\s+/g, ' ').trim() : ''; }
  if (selector) {
    try { const t = text(document.querySelector(selector)); if (/\\d/.test(t)) return 'sel:' + t; } catch (e) {}
  }
  const ld = Array.from(document.querySelectorAll('script[type="application/ld+json"]'))
    .map(function (s) { return s.textContent || ''; })
    .filter(function (s) { return /"price"\\s*:|"lowPrice"\\s*:/.test(s); });
  if (ld.length) return 'ld:' + ld.join('\\n');
  const md = Array.from(document.querySelectorAll('[itemprop="price"]'))
    .map(function (el) { return el.getAttribute('content') || text(el); }).filter(Boolean);
  return md.length ? 'md:' + md.join('|') : null;
}`;

export async function settlePage(page: Page, tracker: RequestTracker, opts: SettleOptions): Promise<SettleOutcome> {
  const quietMs = opts.quietMs ?? 500;
  const idleMs = opts.idleMs ?? 500;
  const pollMs = opts.pollMs ?? 40;
  const t0 = performance.now();
  const probe = `(${PRICE_PROBE_SRC})(${JSON.stringify(opts.priceSelector ?? null)})`;
  let seen: string | null = null;
  let seenSince = t0;
  for (;;) {
    const now = performance.now();
    if (now - t0 >= opts.maxMs) return 'timeout';
    const price = await page.evaluate<string | null>(probe).catch(() => null);
    const at = performance.now();
    if (price !== seen) {
      seen = price;
      seenSince = at;
    }
    const quietFor = at - tracker.lastActivity();
    if (tracker.inFlight() === 0) {
      if (price !== null && quietFor >= quietMs && at - seenSince >= quietMs) return 'price';
      if (price === null && quietFor >= idleMs) return 'idle';
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
