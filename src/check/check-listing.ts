/**
 * The whole check of one listing: read it, compare the price with the MAP in effect at
 * capture time, re-read before accusing, and record the observation, its evidence, its
 * findings and its case effect. Every path that checks a listing (the queue worker,
 * `mapwatch crawl`, the demo) goes through here, so they all behave the same.
 */
import type { Recorded } from '../cases/record-observation.js';
import type { ProductRules } from '../catalog/load-map-rules.js';
import type { Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { SyncedListing } from '../config/sync-sites.js';
import { type HealthChange, updateSiteHealth } from '../health/update-site-health.js';
import { releaseParsed } from '../extract/parsed-page.js';
import { crossCheckLocator, learnFromRead, releaseUnlessLearning } from '../learn/learn-price-locator.js';
import type { ObservationDraft } from '../types.js';
import type { CheckContext } from './check-context.js';
import { containReadFailure, failedReadDraft, isServiceFailure } from './contain-read-failure.js';
import { findStoredRead, type StoredRead } from './find-stored-read.js';
import { findGreyMarketSignals } from './find-grey-market.js';
import { findUnauthorizedSellers } from './find-unauthorized-sellers.js';
import type { Finding } from './findings.js';
import { judge } from './judge-read.js';
import { type ListingRead, readForCheck } from './read-for-check.js';
import {
  needsRecheck,
  openCaseOf,
  readsAgree,
  recheckDelay,
  recheckDone,
  recordRecheck,
  recheckWaitLeft,
  waitForRecheck,
} from './recheck.js';
import type { ReadTurn } from './read-slots.js';
import { recordRead, type RecordReadOptions } from './record-read.js';

export { judge };

/** A re-check wait this long or longer is spent in the queue by a queue job (CheckContext.deferRecheck). */
const DEFER_RECHECK_FROM_MS = 1000;

export interface CheckResult extends Recorded {
  draft: ObservationDraft;
  verdict: Verdict | null;
  /** Signals found on the page besides its price (e.g. MAP-evasion text). */
  findings?: Finding[];
  /** Set when this check re-read the page before accusing; `agreed: false` opened nothing. */
  recheck?: { agreed: boolean; firstObservationId: number };
  /** Evidence could not be captured (the read itself was recorded). */
  evidenceError?: string;
  /** The site's health after this read (when the context tracks health); with batched health, as last judged. */
  health?: HealthChange;
}

export interface CheckListingOptions {
  site: LoadedSite;
  listing: SyncedListing & { siteId: number };
  rules: ProductRules;
  /** Idempotency key of this logical read (site + listing + slot): a retried job writes nothing twice. */
  readKey?: string;
  /** The first read's place in the context's read slots, taken by a sweep with the listing (read-slots.ts). */
  readTurn?: ReadTurn;
}

export async function checkListing(ctx: CheckContext, opts: CheckListingOptions): Promise<CheckResult> {
  const result = await checkOnce(ctx, opts);
  // After every read, so a site whose reads all fail is suppressed (and ops alerted) on every path:
  // judged with the site's other recent reads (batch-site-health.ts), or here when nothing batches.
  if (ctx.siteHealth) {
    const last = ctx.siteHealth.noteRead(opts.listing.siteId);
    if (last) result.health = last;
  } else if (ctx.health) result.health = await updateSiteHealth(ctx.db, opts.listing.siteId, ctx.health);
  return result;
}

async function checkOnce(ctx: CheckContext, opts: CheckListingOptions): Promise<CheckResult> {
  const { site, listing, rules, readKey } = opts;
  const ref = {
    listingId: listing.id,
    siteId: listing.siteId,
    site: site.name,
    reseller: site.config.reseller,
    sku: listing.sku,
  };
  const failed = (reason: string): ListingRead => ({ draft: failedReadDraft(reason), capture: null, findings: [] });
  // Each read also looks for other sellers a marketplace site does not authorize. Whatever the
  // page makes the read throw ends as an `error` read with the reason (contain-read-failure.ts).
  let reserved = opts.readTurn;
  const readOnce = (capture: boolean): Promise<ListingRead> =>
    containReadFailure(async () => {
      const read = () => readForCheck(ctx, { site, listing, gtin: rules.gtin, capture });
      // The first read uses the place the sweep took with the listing; a re-check's joins the line.
      const turn = reserved ?? ctx.readSlots?.take();
      reserved = undefined;
      const r = await (turn ? turn.run(read) : read());
      // The site's learned price locator cross-checks the model before the read is judged.
      r.draft = await crossCheckLocator(ctx.db, { siteId: listing.siteId, draft: r.draft });
      const catalogSellers = {
        reseller: site.config.reseller,
        authorized: rules.authorizedSellers ?? [],
        groups: rules.sellerGroups ?? new Map<string, string>(),
      };
      r.findings.push(...findUnauthorizedSellers(r.draft, site.config, rules.gtin, judgeDraft, catalogSellers));
      r.findings.push(...findGreyMarketSignals(r.draft, rules, listing.packSize));
      releaseUnlessLearning(r.draft);
      return r;
    });
  const judgeDraft = (d: ObservationDraft) => judge(d, site, listing, rules, ctx.policy);
  /** Judges a read; a comparison that throws turns the read into an `error` read. */
  const judged = (read: ListingRead): { read: ListingRead; verdict: Verdict | null } => {
    try {
      return { read, verdict: judgeDraft(read.draft) };
    } catch (err) {
      if (isServiceFailure(err)) throw err;
      return { read: failed(`check_failed: comparing the price threw: ${(err as Error).message}`), verdict: null };
    }
  };
  /** Records a read; one the database refuses (bad data, not a database outage) is recorded as `error`. */
  const record = async (o: RecordReadOptions): Promise<Recorded & { evidenceError?: string }> => {
    try {
      return await recordRead(ctx, o);
    } catch (err) {
      if (isServiceFailure(err)) throw err;
      return recordRead(ctx, {
        ...o,
        read: failed(`check_failed: the read could not be stored: ${(err as Error).message.split('\n')[0]}`),
        verdict: null,
        applyToCase: o.applyToCase === false ? false : undefined,
      });
    }
  };
  /** Per-site learning from a trustworthy read; it never costs the read itself. */
  const learn = async (j: { read: ListingRead; verdict: Verdict | null }) => {
    try {
      await learnFromRead(ctx.db, {
        siteId: listing.siteId,
        listingId: listing.id,
        draft: j.read.draft,
        trustworthy: j.verdict !== null,
      });
    } catch (err) {
      if (isServiceFailure(err)) throw err;
    } finally {
      releaseParsed(j.read.draft); // learning is the last step that reads the parsed page
    }
    return j;
  };
  const result = (r: Recorded & { evidenceError?: string }, read: ListingRead, verdict: Verdict | null) => ({
    ...r,
    draft: read.draft,
    verdict,
    findings: read.findings,
  });
  const finished = (s: Extract<StoredRead, { observationId: number }>) =>
    result({ observationId: s.observationId, duplicate: true, outcome: { action: 'none' } }, stored(s), null);
  const stored = (s: Extract<StoredRead, { observationId: number }>): ListingRead => ({
    draft: s.draft,
    capture: null,
    findings: [],
  });

  // A retried job: finish what an earlier attempt of this read started, never redo what it finished.
  const earlier: StoredRead = readKey ? await findStoredRead(ctx.db, readKey) : { state: 'none' };
  if (earlier.state === 'finished') return finished(earlier);

  // A crawl reads open cases a window of checks at a time (prefetch-open-cases.ts).
  let open = ctx.openCases ? await ctx.openCases.get(listing.id) : await openCaseOf(ctx.db, listing.id);
  let first: ListingRead;
  let verdict: Verdict | null;
  if (earlier.state === 'awaiting_recheck') {
    ({ read: first, verdict } = judged(stored(earlier)));
  } else {
    // A read of a listing with an open case will update it, so it is captured as evidence.
    ({ read: first, verdict } = await learn(judged(await readOnce(ctx.evidence !== undefined && open !== undefined))));
  }
  // Whether a violation is re-checked is asked live: a prefetched answer may be a second old, and
  // a case closed or opened meanwhile must neither skip the re-check nor ask for one in vain.
  if (ctx.openCases && verdict?.kind === 'violation') open = await openCaseOf(ctx.db, listing.id);
  const suppressed = verdict?.kind === 'violation' && ctx.isSuppressed ? await ctx.isSuppressed(listing.siteId) : false;
  if (!needsRecheck({ verdict, open, severityOrder: ctx.policy.severityOrder, suppressed })) {
    if (earlier.state === 'awaiting_recheck') return { ...finished(earlier), verdict };
    const recorded = await record({ listing: ref, read: first, verdict, readKey, suppressed });
    return result(recorded, first, verdict);
  }

  // Would open or escalate a case: keep this read, but accuse only if a second read agrees.
  const r1: Recorded =
    earlier.state === 'awaiting_recheck'
      ? { observationId: earlier.observationId, duplicate: true, outcome: { action: 'none' } }
      : await record({ listing: ref, read: first, verdict, readKey, suppressed, applyToCase: false });
  const done = r1.duplicate ? await recheckDone(ctx.db, r1.observationId) : undefined;
  if (done)
    return { ...result(r1, first, verdict), recheck: { agreed: done.agreed, firstObservationId: r1.observationId } };

  const delayMs = recheckDelay(ctx, site);
  const left = recheckWaitLeft(delayMs, first.draft.capturedAt);
  // A queue job waits in the queue, not in the worker (job-deferred-error.ts); it resumes above.
  // A wait shorter than a queue round trip is worth is waited here.
  if (left >= DEFER_RECHECK_FROM_MS && ctx.deferRecheck) ctx.deferRecheck(left);
  await waitForRecheck(left);
  const recheckRow = { siteId: listing.siteId, listingId: listing.id, firstObservationId: r1.observationId, delayMs };
  // A failure of our own services here (database, domain gate) is rethrown without a rechecks
  // row, so the retried job resumes at this point (find-stored-read.ts); the page's own
  // failures come back as an `error` read, which disagrees and accuses no one.
  const { read: second, verdict: v2 } = await learn(judged(await readOnce(ctx.evidence !== undefined)));
  const agreed = readsAgree(first.draft, second.draft);
  const r2 = await record({
    listing: ref,
    read: second,
    verdict: v2,
    readKey: readKey ? `${readKey}:recheck` : undefined,
    suppressed,
    applyToCase: agreed,
    recheck: { first_observation_id: r1.observationId, agreed },
  });
  await recordRecheck(ctx.db, {
    ...recheckRow,
    secondObservationId: r2.observationId,
    agreed,
    first: first.draft,
    second: second.draft,
  });
  return { ...result(r2, second, v2), recheck: { agreed, firstObservationId: r1.observationId } };
}
