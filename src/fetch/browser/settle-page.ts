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
 *
 * The short way: most pages, once their price is in, have nothing left scheduled at all, and
 * waiting out 500 ms of nothing was about 40 % of a read's time (measured on the browser bench).
 * So once the price and the network have been quiet for `floorMs` (150 ms), the page is asked
 * what it still has scheduled (watch-page-work.ts: timers, frame and idle callbacks, fetch/XHR,
 * with hooks installed before its scripts); if nothing could run before the quiet window would
 * end, no part of the document changed for floorMs either, and a fresh look shows the same
 * price, it is read then. A timer due within the window, a request, a frame loop, or anything
 * whose timing the page cannot know (a worker, a socket, another frame, an animation) sends it
 * back to the whole window, so every price the window caught is still caught: a change needs
 * script, and script within the window runs only from what the page has scheduled. The floor
 * covers what is neither: the prompt completion of an asynchronous API (a message, an IndexedDB
 * read, a response reaching the page's script a moment after the network saw it).
 *
 * How it watches: each look at the page is one evaluate that returns at once if the price text
 * differs from the one last seen, and otherwise waits in the page (a MutationObserver on the
 * document) until it changes. Node meanwhile sleeps until the moment the page would count as
 * settled (or, while a request is in flight, until the next request event), then confirms with
 * one fresh look that the text is still the same. So a page costs about three round trips
 * instead of one every 40 ms, and a change is seen when the DOM changes, not at the next poll (a
 * price that flipped and flipped back between two polls was invisible before).
 */
import type { Page, Request } from 'playwright-core';
import { pageWorkBusy } from './watch-page-work.js';

export interface RequestTracker {
  inFlight(): number;
  /** performance.now() of the last request started or finished. */
  lastActivity(): number;
  /** Resolves at the next request started or finished. */
  activity(): Promise<void>;
  dispose(): void;
}

/** Attach before navigating: requests started by the document itself must be counted. */
export function trackRequests(page: Page): RequestTracker {
  const open = new Set<Request>();
  let last = performance.now();
  let wake: (() => void)[] = [];
  const wakeAll = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  const moved = () => {
    last = performance.now();
    wakeAll();
  };
  const start = (r: Request) => {
    open.add(r);
    moved();
  };
  const end = (r: Request) => {
    open.delete(r);
    moved();
  };
  page.on('request', start);
  page.on('requestfinished', end);
  page.on('requestfailed', end);
  return {
    inFlight: () => open.size,
    lastActivity: () => last,
    activity: () => new Promise<void>((r) => wake.push(r)),
    dispose() {
      page.off('request', start);
      page.off('requestfinished', end);
      page.off('requestfailed', end);
      wakeAll();
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
  /**
   * The price may be read this soon (instead of after quietMs) when the page has nothing
   * scheduled that could run within quietMs (watch-page-work.ts; needs WATCH_WORK_INIT in the
   * page). What it waits out is the prompt completion of an asynchronous API, not a pause.
   */
  floorMs?: number;
  maxMs: number;
  /**
   * Least time between two price probes inside the page while its DOM keeps changing, and the
   * pause after a look that failed (the page navigated).
   */
  pollMs?: number;
}

export type SettleOutcome = 'price' | 'idle' | 'timeout';

// Passed as source text: a bundler's helper (e.g. esbuild's __name) must not leak into the page.
// Resolves with the price text (null: none) as soon as it differs from `seen`, else after `waitMs`.
const PRICE_WAIT_SRC = `function (selector, seen, waitMs, minGapMs) {
  function text(el) { return el ? (el.textContent || '').replace(/\\s+/g, ' ').trim() : ''; }
  function probe() {
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
  }
  const now = probe();
  if (now !== seen || waitMs <= 0) return now;
  // A page that broke setTimeout or MutationObserver leaves the look pending (or resolved by
  // the timer alone): Node keeps its own time and confirms with a fresh look before settling.
  return new Promise(function (resolve) {
    let done = false, last = Date.now(), pending = null, observer = null, timer = null;
    function finish(v) {
      if (done) return;
      done = true;
      try { if (observer) observer.disconnect(); clearTimeout(pending); clearTimeout(timer); } catch (e) {}
      resolve(v);
    }
    function check() {
      pending = null;
      last = Date.now();
      const v = probe();
      if (v !== seen) finish(v);
    }
    try { timer = setTimeout(function () { finish(probe()); }, waitMs); } catch (e) {}
    try {
      observer = new MutationObserver(function () {
        if (done || pending) return;
        const gap = Date.now() - last;
        if (gap >= minGapMs) check(); else pending = setTimeout(check, minGapMs - gap);
      });
      observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    } catch (e) {}
  });
}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
/** A look that failed: the page navigated or closed; its document is gone. */
const FAILED = Symbol('failed');
/** What `within` gives when time ran out first. */
const LATE = Symbol('late');

/** The first of `ps` to settle, or LATE after `ms`; the timer does not outlive the race. */
async function within<T>(ps: Promise<T | typeof LATE>[], ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((r) => (timer = setTimeout(() => r(LATE), Math.max(0, ms))));
  try {
    return await Promise.race([...ps, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function settlePage(page: Page, tracker: RequestTracker, opts: SettleOptions): Promise<SettleOutcome> {
  const quietMs = opts.quietMs ?? 500;
  const idleMs = opts.idleMs ?? 500;
  const pollMs = opts.pollMs ?? 40;
  const floorMs = Math.min(opts.floorMs ?? 150, quietMs);
  const t0 = performance.now();
  const selector = JSON.stringify(opts.priceSelector ?? null);
  const left = () => opts.maxMs - (performance.now() - t0);
  type Look = string | null | typeof FAILED;
  const probe = (seen: string | null, waitMs: number): Promise<Look> =>
    page
      .evaluate<string | null>(
        `(${PRICE_WAIT_SRC})(${selector}, ${JSON.stringify(seen)}, ${Math.ceil(waitMs)}, ${pollMs})`,
      )
      .catch(() => FAILED);
  let seen: string | null = null;
  let seenSince = t0;
  /** Pending while the price text is still `seen`: it returns as soon as the page shows another. */
  let look: Promise<Look> | undefined;
  /** When the page's scheduled work may be asked about again; Infinity: it cannot be known. */
  let workAt = t0;
  const saw = (price: Look) => {
    look = undefined;
    // A document that went away (a script navigated) has no price until the next one shows it.
    const v = price === FAILED ? null : price;
    if (v !== seen) [seen, seenSince] = [v, performance.now()];
  };
  for (;;) {
    if (left() <= 0) return 'timeout';
    look ??= probe(seen, left());
    const at = performance.now();
    const quietFor = at - tracker.lastActivity();
    // How long until the page counts as settled if nothing changes; a request in flight ends in
    // Node, so while one is, wait for the next request event instead.
    const need =
      tracker.inFlight() > 0
        ? Infinity
        : seen !== null
          ? Math.max(quietMs - quietFor, quietMs - (at - seenSince))
          : idleMs - quietFor;
    // The short way: the price and the network have been quiet for floorMs and the page has
    // nothing scheduled that could run before the quiet window would end.
    const early =
      tracker.inFlight() === 0 && seen !== null && workAt !== Infinity
        ? Math.max(floorMs - quietFor, floorMs - (at - seenSince), workAt - at)
        : Infinity;
    if (need > 0 && early <= 0) {
      const before = tracker.lastActivity();
      const both = await within<[Look, number]>(
        [Promise.all([probe(seen, 0), pageWorkBusy(page, quietMs, floorMs)])],
        left(),
      );
      if (both === LATE) return 'timeout';
      const [fresh, busy] = both;
      const same = (fresh === FAILED ? null : fresh) === seen;
      if (same && busy === 0 && tracker.inFlight() === 0 && tracker.lastActivity() === before) return 'price';
      workAt = busy < 0 ? Infinity : performance.now() + busy;
      if (!same) saw(fresh);
      if (fresh === FAILED) await sleep(pollMs);
      continue;
    }
    if (need <= 0) {
      // The pending look says nothing changed, but a change may be on its way from the page:
      // settled only if a fresh look still shows the same text.
      const fresh: Look | typeof LATE = await within<Look>([probe(seen, 0)], left());
      if (fresh === LATE) return 'timeout';
      // A page that is gone has no price, as before (a look that failed read as none).
      if ((fresh === FAILED ? null : fresh) === seen) return seen === null ? 'idle' : 'price';
      saw(fresh);
      if (fresh === FAILED) await sleep(pollMs);
      continue;
    }
    const wake = need === Infinity ? [tracker.activity().then((): typeof LATE => LATE)] : [];
    const got = await within<Look>([look, ...wake], Math.min(need, early, left()));
    if (got === LATE) continue;
    saw(got);
    // A look that failed (the page navigated) returns at once: pause before the next.
    if (got === FAILED) await sleep(pollMs);
  }
}
