/**
 * CSS selector answers, kept per parsed page: the same selector asked twice of one page is
 * evaluated once.
 *
 * Why: one read asks its page the same selectors more than once. The site's configured price
 * selector (selectors.ts), the learned locator's cross-check and the locator search (learn/) can
 * name the same selector, and the visible-text and unclassed-price passes both look label targets
 * up by id. css-select compiles a selector and walks the whole document on each call; the answer
 * for a page that is never modified (parsed-page.ts: no step modifies it) does not change.
 *
 * The cache is keyed by the page's cheerio API object (a WeakMap), so it goes with the page; a
 * selector that throws (invalid CSS) throws again, the same error, without being evaluated again.
 * Callers get the cached array: read-only, never to be sorted or spliced in place.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';

type Answer = { ok: true; els: readonly Element[] } | { ok: false; error: unknown };

const answers = new WeakMap<CheerioAPI, Map<string, Answer>>();

/**
 * A page asks few distinct selectors; a locator search on a large page may ask a few hundred.
 * Past this many a page's entries are dropped and the cache starts again (bounded memory).
 */
const MAX_PER_PAGE = 1000;

/** Every element `selector` matches on the page, in document order (`$(selector).toArray()`); throws as it does. */
export function selectAll($: CheerioAPI, selector: string): readonly Element[] {
  let page = answers.get($);
  if (!page) answers.set($, (page = new Map()));
  let answer = page.get(selector);
  if (!answer) {
    try {
      answer = { ok: true, els: $(selector).toArray() as Element[] };
    } catch (error) {
      answer = { ok: false, error };
    }
    if (page.size >= MAX_PER_PAGE) page.clear();
    page.set(selector, answer);
  }
  if (!answer.ok) throw answer.error;
  return answer.els;
}

/** The first element `selector` matches (`$(selector).get(0)`), or undefined; throws as `$(selector)` does. */
export function selectFirst($: CheerioAPI, selector: string): Element | undefined {
  return selectAll($, selector)[0];
}

/** The element with this id (`[id="…"]`, the first in document order), or undefined. */
export function elementById($: CheerioAPI, id: string): Element | undefined {
  return selectFirst($, `[id="${id.replace(/["\\]/g, '')}"]`);
}
