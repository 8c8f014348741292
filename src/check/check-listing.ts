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
import type { ObservationDraft } from '../types.js';
import type { CheckContext } from './check-context.js';
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
  waitForRecheck,
} from './recheck.js';
import { recordRead } from './record-read.js';

export { judge };

export interface CheckResult extends Recorded {
  draft: ObservationDraft;
  verdict: Verdict | null;
  /** Signals found on the page besides its price (e.g. MAP-evasion text). */
  findings?: Finding[];
  /** Set when this check re-read the page before accusing; `agreed: false` opened nothing. */
  recheck?: { agreed: boolean; firstObservationId: number };
  /** Evidence could not be captured (the read itself was recorded). */
  evidenceError?: string;
  /** The site's health after this read (when the context tracks health). */
  health?: HealthChange;
}

export interface CheckListingOptions {
  site: LoadedSite;
  listing: SyncedListing & { siteId: number };
  rules: ProductRules;
  /** Idempotency key of this logical read (site + listing + slot): a retried job writes nothing twice. */
  readKey?: string;
}

export async function checkListing(ctx: CheckContext, opts: CheckListingOptions): Promise<CheckResult> {
  const result = await checkOnce(ctx, opts);
  // After every read, so a site whose reads all fail is suppressed (and ops alerted) on every path.
  if (ctx.health) result.health = await updateSiteHealth(ctx.db, opts.listing.siteId, ctx.health);
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
  const judgeDraft = (d: ObservationDraft) => judge(d, site, listing, rules, ctx.policy);
  // Each read also looks for other sellers a marketplace site does not authorize.
  const readOnce = async (capture: boolean): Promise<ListingRead> => {
    const r = await readForCheck(ctx, { site, listing, gtin: rules.gtin, capture });
    r.findings.push(...findUnauthorizedSellers(r.draft, site.config, rules.gtin, judgeDraft));
    return r;
  };
  const result = (r: Recorded & { evidenceError?: string }, read: ListingRead, verdict: Verdict | null) => ({
    ...r,
    draft: read.draft,
    verdict,
    findings: read.findings,
  });

  const open = await openCaseOf(ctx.db, listing.id);
  // A read of a listing with an open case will update it, so it is captured as evidence.
  const first = await readOnce(ctx.evidence !== undefined && open !== undefined);
  const verdict = judgeDraft(first.draft);
  const suppressed = verdict?.kind === 'violation' && ctx.isSuppressed ? await ctx.isSuppressed(listing.siteId) : false;
  if (!needsRecheck({ verdict, open, severityOrder: ctx.policy.severityOrder, suppressed })) {
    const recorded = await recordRead(ctx, { listing: ref, read: first, verdict, readKey, suppressed });
    return result(recorded, first, verdict);
  }

  // Would open or escalate a case: keep this read, but accuse only if a second read agrees.
  const r1 = await recordRead(ctx, { listing: ref, read: first, verdict, readKey, suppressed, applyToCase: false });
  const done = r1.duplicate ? await recheckDone(ctx.db, r1.observationId) : undefined;
  if (done)
    return { ...result(r1, first, verdict), recheck: { agreed: done.agreed, firstObservationId: r1.observationId } };

  const delayMs = recheckDelay(ctx, site);
  await waitForRecheck(delayMs);
  const recheckRow = { siteId: listing.siteId, listingId: listing.id, firstObservationId: r1.observationId, delayMs };
  let second: ListingRead;
  try {
    second = await readOnce(ctx.evidence !== undefined);
  } catch (err) {
    await recordRecheck(ctx.db, {
      ...recheckRow,
      secondObservationId: null,
      agreed: false,
      first: first.draft,
      second: null,
    });
    throw err;
  }
  const v2 = judgeDraft(second.draft);
  const agreed = readsAgree(first.draft, second.draft);
  const r2 = await recordRead(ctx, {
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
