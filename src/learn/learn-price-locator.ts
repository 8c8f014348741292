/**
 * Per-site learning at read time (issue 11, item 7).
 *
 * Where the pages come from: the HTML the read just parsed (ObservationDraft.html), at
 * read time. Re-reading stored evidence would be the other source, but evidence is only
 * captured for reads that touch a case, so most good reads have none; the read's own HTML
 * is there for every read, static or rendered. Only the outcome is kept: per listing, the
 * selectors that matched exactly the amount read (a few hundred bytes), never the page.
 *
 * Two steps, both here so the check calls one module:
 * - crossCheckLocator, before the read is judged: where the site has a learned locator and
 *   the model read a price, the locator must agree. When it points at a different amount
 *   the read becomes `ambiguous` (never a price either side chose alone: precision first);
 *   when it finds nothing the read stands (the model read it) and the miss is counted, for
 *   site health.
 * - learnFromRead, after a trustworthy read (status ok with a verdict): keep this listing's
 *   sample and derive the locator from the site's latest samples.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { parsedPage, releaseParsed } from '../extract/parsed-page.js';
import type { ObservationDraft } from '../types.js';
import { siteLocator, wroteLocator } from './cached-locator.js';
import { applyLocator, deriveLocator, locatorCandidates } from './price-locators.js';
import { keepSampleInWindow, SAMPLE_WINDOW } from './sample-windows.js';
import { flushLearning, queueLearning } from './write-learning.js';

/**
 * Reads on which the site's locator agreed with the model. Their sample is the locator
 * itself (it picked exactly the amount read, the definition of a candidate), so the steady
 * state never pays for a candidate search (about twice an extraction on the corpus pages).
 */
const agreedOn = new WeakMap<ObservationDraft, string>();

/**
 * A site whose latest SAMPLE_WINDOW samples share no locator (inconsistent layouts) would pay
 * the candidate search (several times an extraction) on every read and never learn. Such a site
 * is searched on one read in SEARCH_EVERY, per process; the others write no sample. A site
 * still gathering its first samples, or one with a locator, is not affected. Learning is only a
 * cross-check, so a sample taken less often never changes a price that is read.
 */
const SEARCH_EVERY = 10;
const unsettledSites = new Map<number, number>();

/** Whether this read of a site with no common locator skips the candidate search. */
function skipSearch(siteId: number): boolean {
  return skipOne(unsettledSites, siteId);
}

/**
 * A read the site's locator agreed with teaches nothing new (its sample is the locator itself),
 * yet writing it cost four statements on every read of a settled site, half a static check's
 * database work (issue 15's profile). Such reads write their sample one in SEARCH_EVERY, per
 * site and process; the locator is still checked on every read (crossCheckLocator).
 */
const agreedSites = new Map<number, number>();

/** Counts one read against `siteId` in `counters`: true for all but one read in SEARCH_EVERY. */
function skipOne(counters: Map<number, number>, siteId: number): boolean {
  const since = counters.get(siteId);
  if (since === undefined) return false;
  if (since + 1 < SEARCH_EVERY) {
    counters.set(siteId, since + 1);
    return true;
  }
  counters.set(siteId, 0);
  return false;
}

/** A locator that matched within this long, with no misses since, is not written again on agreement. */
const MATCH_REFRESH_MS = 60_000;

export async function crossCheckLocator(
  db: Kysely<Database>,
  opts: { siteId: number; draft: ObservationDraft },
): Promise<ObservationDraft> {
  const { draft } = opts;
  if (draft.status !== 'ok' || !draft.html || draft.amountMinor === null || !draft.currency) return draft;
  const locator = await siteLocator(db, opts.siteId);
  if (!locator) return draft;
  const got = applyLocator(parsedPage(draft, draft.html), locator.selector, draft.amountMinor, draft.currency);
  const now = new Date();
  if (got.kind === 'agree') {
    // Learning from an agreed read needs no document (learnFromRead); the check's page-text steps
    // still read it, then let it go (releaseUnlessLearning).
    agreedOn.set(draft, locator.selector);
    // Site health reads `misses` and when the locator last matched: neither changes here.
    const matched = locator.last_matched_at ? new Date(locator.last_matched_at).getTime() : -Infinity;
    if (locator.misses === 0 && draft.capturedAt.getTime() - matched < MATCH_REFRESH_MS) return draft;
    await db
      .updateTable('price_locators')
      .set({ last_matched_at: draft.capturedAt, last_checked_at: now, misses: 0, last_miss_reason: null })
      .where('site_id', '=', opts.siteId)
      .execute();
    wroteLocator(db, opts.siteId, { selector: locator.selector, misses: 0, last_matched_at: draft.capturedAt });
    return draft;
  }
  const reason =
    got.kind === 'missing'
      ? `learned price locator "${locator.selector}" found no price on the page`
      : `learned price locator "${locator.selector}" shows ${got.amounts.map((a) => `${a} minor`).join(', ')}` +
        `${got.unreadable ? ` (and ${got.unreadable} unreadable)` : ''} where the model read ${draft.amountMinor} minor ${draft.currency}`;
  // A locator this process learned may still be queued: written first, so its "misses = 0" never lands after this miss.
  await flushLearning(db);
  await db
    .updateTable('price_locators')
    .set((eb) => ({ last_checked_at: now, misses: eb('misses', '+', 1), last_miss_reason: reason }))
    .where('site_id', '=', opts.siteId)
    .execute();
  wroteLocator(db, opts.siteId, { ...locator, misses: locator.misses + 1 });
  if (got.kind === 'missing') return draft;
  return { ...draft, status: 'ambiguous', reason, amountMinor: null, currency: null };
}

export interface LearnResult {
  /** Selectors on this page that picked exactly the read amount. */
  candidates: string[];
  /** The site's locator after this read (null: nothing learned yet). */
  locator: { selector: string; verified: number } | null;
}

/**
 * Called once the check's last step that reads the page's document is done, before the read is
 * recorded: a read the locator agreed with teaches from the locator, not the page, so its parsed
 * document is let go now rather than carried across the record's round trip.
 */
export function releaseUnlessLearning(draft: ObservationDraft): void {
  if (agreedOn.has(draft)) releaseParsed(draft);
}

export async function learnFromRead(
  db: Kysely<Database>,
  opts: { siteId: number; listingId: number; draft: ObservationDraft; trustworthy: boolean },
): Promise<LearnResult | null> {
  const { draft } = opts;
  if (!opts.trustworthy || draft.status !== 'ok' || !draft.html || draft.amountMinor === null || !draft.currency)
    return null;
  const agreed = agreedOn.get(draft);
  if (agreed) {
    if (!agreedSites.has(opts.siteId)) agreedSites.set(opts.siteId, 0);
    else if (skipOne(agreedSites, opts.siteId)) return null;
  } else if (skipSearch(opts.siteId)) return null;
  const candidates = agreed
    ? [agreed]
    : locatorCandidates(parsedPage(draft, draft.html), draft.amountMinor, draft.currency);
  // The document is not read again: let it go before the round trip, so a whole parsed page
  // is not carried across it (and promoted to the old generation with the check's other state).
  releaseParsed(draft);
  const samples = await keepSampleInWindow(db, {
    siteId: opts.siteId,
    listingId: opts.listingId,
    selectors: candidates,
    at: draft.capturedAt,
  });
  const derived = deriveLocator(samples);
  if (!derived && samples.length >= SAMPLE_WINDOW) {
    if (!unsettledSites.has(opts.siteId)) unsettledSites.set(opts.siteId, 0);
  } else unsettledSites.delete(opts.siteId);
  // Written with the next batch (write-learning.ts); this process's reads see the locator at once.
  queueLearning(db, {
    sample: {
      siteId: opts.siteId,
      listingId: opts.listingId,
      amountMinor: draft.amountMinor,
      currency: draft.currency,
      selectors: candidates,
      at: draft.capturedAt,
    },
    ...(derived && {
      locator: {
        siteId: opts.siteId,
        selector: derived.selector,
        verified: derived.verified,
        matchedAt: draft.capturedAt,
        learnedAt: new Date(),
      },
    }),
  });
  if (!derived) return { candidates, locator: null };
  wroteLocator(db, opts.siteId, { selector: derived.selector, misses: 0, last_matched_at: draft.capturedAt });
  return { candidates, locator: derived };
}
