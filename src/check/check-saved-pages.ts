/**
 * Runs a site's saved test pages (`tests:` in its config) through extraction with the site's
 * config, exactly as a crawl reads a fetched page, and says per page whether the read gives the
 * expected price. An edit that breaks the site's reads (a selector, the currency, the locale)
 * fails here, before a crawl records a wrong price or none.
 *
 * A saved page is read as saved: browser steps and rendering do not run on it, so a site read
 * with `render: browser` keeps pages saved after rendering (the DOM the browser shows).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { LoadedSite, SavedPageTest } from '../config/load-sites.js';
import { extractOffers } from '../extract/extract-offers.js';
import { sameAmount } from '../extract/money.js';

export interface SavedPageResult {
  test: SavedPageTest;
  pass: boolean;
  expected: string;
  got: string;
  /** Why it failed: what the read gave instead, and the extractor's own reasons. */
  why?: string;
}

function readSaved(file: string): string {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  return buf.toString('utf8');
}

export interface CheckSavedPagesOptions {
  /** The market default for `$` on a generic domain, as the crawl passes it (MAPWATCH_DEFAULT_CURRENCY). */
  defaultCurrency?: string;
}

export function checkSavedPages(site: LoadedSite, opts: CheckSavedPagesOptions = {}): SavedPageResult[] {
  return (site.tests ?? []).map((test) => checkOne(site, test, opts));
}

function checkOne(site: LoadedSite, test: SavedPageTest, opts: CheckSavedPagesOptions): SavedPageResult {
  const expected = test.price === null ? 'no price' : `${test.price} ${test.currency}`;
  let html: string;
  try {
    html = readSaved(test.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      test,
      pass: false,
      expected,
      got: 'nothing',
      why: `cannot read the saved page (${code ?? (err as Error).message})`,
    };
  }
  const r = extractOffers(html, {
    url: test.url,
    site: site.config,
    ...(opts.defaultCurrency ? { defaultCurrency: opts.defaultCurrency } : {}),
  });
  const p = r.primary;
  const got = p ? `${p.amount} ${p.currency} (from ${p.source})` : r.ambiguous ? 'ambiguous' : 'no price';
  const reasons = r.warnings.length ? `; the extractor says: ${r.warnings.join('; ')}` : '';
  if (test.price === null) {
    if (!p) return { test, pass: true, expected, got };
    return { test, pass: false, expected, got, why: `the page must give no price but gave ${got}${reasons}` };
  }
  if (p && p.currency === test.currency && sameAmount(p.amount, test.price)) return { test, pass: true, expected, got };
  const why = !p
    ? `${r.ambiguous ? 'the read was ambiguous' : 'the read found no price'}${reasons}`
    : p.currency !== test.currency
      ? `the currency differs${reasons}`
      : `the amount differs${reasons}`;
  return { test, pass: false, expected, got, why };
}
