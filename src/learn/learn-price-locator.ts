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
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { parsedPage, releaseParsed } from '../extract/parsed-page.js';
import type { ObservationDraft } from '../types.js';
import { siteLocator, wroteLocator } from './cached-locator.js';
import { applyLocator, byPreference, deriveLocator, locatorCandidates, MIN_LISTINGS } from './price-locators.js';

/**
 * Reads on which the site's locator agreed with the model. Their sample is the locator
 * itself (it picked exactly the amount read, the definition of a candidate), so the steady
 * state never pays for a candidate search (about twice an extraction on the corpus pages).
 */
const agreedOn = new WeakMap<ObservationDraft, string>();

/** Samples (latest listing reads) a site's locator is derived from. */
const SAMPLE_WINDOW = 10;

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
  const learnedAt = new Date();
  const kept = await keepSample(db, {
    siteId: opts.siteId,
    listingId: opts.listingId,
    amountMinor: draft.amountMinor,
    currency: draft.currency,
    candidates,
    at: draft.capturedAt,
    learnedAt,
  });
  const samples = kept.samples.map(parseSelectors);
  const derived = deriveLocator(samples);
  if (!derived && samples.length >= SAMPLE_WINDOW) {
    if (!unsettledSites.has(opts.siteId)) unsettledSites.set(opts.siteId, 0);
  } else unsettledSites.delete(opts.siteId);
  if (!derived) return { candidates, locator: null };
  // deriveLocator decides: the statement's own pick is written again when it differs (it can
  // only when this read's sample is not among the latest, e.g. another worker's are newer).
  if (kept.wrote !== derived.selector)
    await writeLocator(db, {
      siteId: opts.siteId,
      selector: derived.selector,
      verified: derived.verified,
      matchedAt: draft.capturedAt,
      learnedAt,
    });
  wroteLocator(db, opts.siteId, { selector: derived.selector, misses: 0, last_matched_at: draft.capturedAt });
  return { candidates, locator: derived };
}

/**
 * The locator row after a read that derived one: the same locator verified on this page too (it
 * matched now, and keeps when it was learned), or a new one replacing the old.
 */
async function writeLocator(
  db: Kysely<Database>,
  l: { siteId: number; selector: string; verified: number; matchedAt: Date; learnedAt: Date },
): Promise<void> {
  await db.executeQuery(
    CompiledQuery.raw(
      `insert into price_locators as p
        (site_id, selector, verified_listings, learned_at, last_matched_at, last_checked_at, misses, last_miss_reason)
      values ($1::int4, $2::text, $3::int4, $4::timestamptz, $5::timestamptz, null, 0, null)
      ${LOCATOR_UPSERT}`,
      [l.siteId, l.selector, l.verified, l.learnedAt, l.matchedAt],
    ),
  );
}

/**
 * How a derived locator replaces the site's row (writeLocator and the learning statement): the
 * same selector verified again keeps when it was learned and last checked; a new one starts over.
 */
const LOCATOR_UPSERT = `on conflict (site_id) do update set
      selector = excluded.selector,
      verified_listings = excluded.verified_listings,
      last_matched_at = excluded.last_matched_at,
      misses = 0,
      last_miss_reason = null,
      learned_at = case when p.selector = excluded.selector then p.learned_at else excluded.learned_at end,
      last_checked_at = case when p.selector = excluded.selector then p.last_checked_at else null end`;

/**
 * One statement for a learning read (three round trips were a third of a first sweep's
 * statements, issue 15): keeps this listing's sample, reads the site's latest SAMPLE_WINDOW
 * samples (this one included), and writes the locator they share, as writeLocator does.
 *
 * The insert's own row is not visible to the rest of the statement, so it joins the other
 * listings' samples from the parameters. The locator is the first of this page's candidates,
 * in order of preference, that every latest sample has: what deriveLocator picks whenever this
 * sample is among the latest (the shared selectors are then some of its candidates). The caller
 * checks the pick with deriveLocator over the samples returned.
 *
 * Its commit does not wait for the WAL flush (`synchronous_commit` off for this statement's own
 * transaction only): a sample is learned from a read whose observation is written durably apart,
 * and a server crash could only lose the latest samples, which the next reads of the site
 * rebuild, never a read or a price. The flush was most of a learning read's database CPU.
 */
const KEEP_SAMPLE = `
  with durability as (select set_config('synchronous_commit', 'off', true)),
  kept as (
    insert into price_locator_samples (site_id, listing_id, amount_minor, currency, selectors, at)
    select $1::int4, $2::int4, $3::int8, $4::text, $5::jsonb, $6::timestamptz from durability
    on conflict (site_id, listing_id) do update set
      amount_minor = excluded.amount_minor, currency = excluded.currency,
      selectors = excluded.selectors, at = excluded.at
    returning 1
  ),
  latest as (
    select selectors, at from (
      (select selectors, at from price_locator_samples
        where site_id = $1::int4 and listing_id <> $2::int4
        order by at desc limit $7::int4)
      union all
      select $5::jsonb, $6::timestamptz
    ) both_
    order by at desc
    limit $7::int4
  ),
  pick as (
    select c.selector from unnest($8::text[]) with ordinality as c(selector, ord)
    where (select count(*) from latest) >= $9::int4
      and not exists (select 1 from latest where not latest.selectors @> jsonb_build_array(c.selector))
    order by c.ord
    limit 1
  ),
  wrote as (
    insert into price_locators as p
      (site_id, selector, verified_listings, learned_at, last_matched_at, last_checked_at, misses, last_miss_reason)
    select $1::int4, pick.selector, (select count(*) from latest), $10::timestamptz, $6::timestamptz, null::timestamptz, 0, null::text
    from pick
    ${LOCATOR_UPSERT}
    returning selector
  )
  select (select coalesce(jsonb_agg(selectors order by at desc), '[]'::jsonb) from latest) as samples,
    (select selector from wrote) as wrote,
    (select count(*) from kept) as kept`;

async function keepSample(
  db: Kysely<Database>,
  s: {
    siteId: number;
    listingId: number;
    amountMinor: number;
    currency: string;
    candidates: readonly string[];
    at: Date;
    learnedAt: Date;
  },
): Promise<{ samples: unknown[]; wrote: string | null }> {
  const ranked = [...new Set(s.candidates)].sort(byPreference);
  const { rows } = await db.executeQuery<{ samples: unknown; wrote: string | null }>(
    CompiledQuery.raw(KEEP_SAMPLE, [
      s.siteId,
      s.listingId,
      s.amountMinor,
      s.currency,
      JSON.stringify(s.candidates),
      s.at,
      SAMPLE_WINDOW,
      ranked,
      MIN_LISTINGS,
      s.learnedAt,
    ]),
  );
  const r = rows[0];
  const samples: unknown = typeof r?.samples === 'string' ? JSON.parse(r.samples) : r?.samples;
  return { samples: Array.isArray(samples) ? samples : [], wrote: r?.wrote ?? null };
}

/** jsonb comes back parsed from Postgres and as text from some drivers; both are handled. */
function parseSelectors(v: unknown): string[] {
  const a: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
}
