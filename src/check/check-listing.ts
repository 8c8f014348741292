/**
 * The whole check of one listing: read it, compare the price with the MAP in effect at
 * capture time, record the observation and its case effect.
 */
import { recordObservation, type Recorded, type RecordOptions } from '../cases/record-observation.js';
import type { ProductRules } from '../catalog/load-map-rules.js';
import { compareToMap, type Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { ComparePolicy } from '../config/policy.js';
import type { SyncedListing } from '../config/sync-sites.js';
import type { PipelineContext } from './check-context.js';
import { type ObservationDraft } from './read-listing.js';
import { findUnauthorizedSellers } from './find-unauthorized-sellers.js';
import { captureEvidence, type PreparedManifest } from '../evidence/capture-evidence.js';
import { recordEvidence } from '../evidence/record-evidence.js';
import {
  type Finding,
  type ListingRead,
  needsRecheck,
  openCaseOf,
  readForCheck,
  readsAgree,
  recheckDelay,
  recordFindings,
  recordRecheck,
  waitForRecheck,
} from './read-for-check.js';

export interface CheckResult extends Recorded {
  draft: ObservationDraft;
  verdict: Verdict | null;
  /** Signals found on the page besides its price (e.g. MAP-evasion text). */
  findings?: Finding[];
  /** Set when this check re-read the page before accusing; `agreed: false` opened nothing. */
  recheck?: { agreed: boolean; firstObservationId: number };
  /** Evidence could not be captured (the read itself was recorded). */
  evidenceError?: string;
}

export function judge(
  draft: ObservationDraft,
  site: LoadedSite,
  listing: Pick<SyncedListing, 'packSize'>,
  rules: ProductRules,
  policy: ComparePolicy,
): Verdict | null {
  if (draft.status !== 'ok' || draft.amountMinor === null || draft.currency === null) return null;
  return compareToMap({
    observed: { amountMinor: draft.amountMinor, currency: draft.currency, capturedAt: draft.capturedAt },
    listingPackSize: listing.packSize,
    productPackSize: rules.packSize,
    siteVat: site.config.vat,
    mapIncludesVat: rules.mapIncludesVat,
    mapPrices: rules.mapPrices,
    promos: rules.promos,
    tolerance: policy.tolerance,
    severityBands: policy.severityBands,
  });
}

export async function checkListing(
  ctx: PipelineContext,
  site: LoadedSite,
  listing: SyncedListing & { siteId: number },
  rules: ProductRules,
  opts: { readKey?: string } = {},
): Promise<CheckResult> {
  const where = { listingId: listing.id, siteId: listing.siteId };
  const ref = { listingId: listing.id, site: site.name, reseller: site.config.reseller, sku: listing.sku };
  const judgeRead = (r: ListingRead) => judge(r.draft, site, listing, rules, ctx.policy);
  // Each read also looks for other sellers a marketplace site does not authorize.
  const readOnce = async (capture: boolean): Promise<ListingRead> => {
    const r = await readForCheck(ctx, site, listing, rules.gtin, { capture });
    r.findings.push(
      ...findUnauthorizedSellers(r.draft, site.config, rules.gtin, (d) => judge(d, site, listing, rules, ctx.policy)),
    );
    return r;
  };

  // Stores the read's evidence files (outside any transaction), then the observation; the
  // evidence row joins the hash chain inside the observation's transaction, only when the
  // read opened or updated a case.
  const record = async (
    read: ListingRead,
    verdict: Verdict | null,
    o: RecordOptions,
    recheck: { first_observation_id: number; agreed: boolean } | null,
  ) => {
    let prepared: PreparedManifest | null = null;
    let evidenceError: string | undefined;
    if (read.capture && ctx.evidence) {
      try {
        prepared = await captureEvidence(
          ctx.evidence,
          ctx.browser,
          ref,
          read.capture,
          read.draft,
          verdict,
          read.findings,
        );
      } catch (err) {
        // Losing the read would be worse than a read without evidence; the reason is reported.
        evidenceError = (err as Error).message;
      }
    }
    const recorded = await recordObservation(ctx.db, where, read.draft, verdict, ctx.policy, {
      ...o,
      onCaseChange: async (trx, change) => {
        if (prepared && 'caseId' in change.outcome) {
          await recordEvidence(
            trx,
            { caseId: change.outcome.caseId, observationId: change.observationId, recheck },
            prepared,
          );
        }
        await ctx.onCaseChange?.(trx, change);
      },
    });
    if (!recorded.duplicate)
      await recordFindings(ctx.db, recorded.observationId, listing.id, read.draft.capturedAt, read.findings);
    return { ...recorded, ...(evidenceError ? { evidenceError } : {}) };
  };

  const open = await openCaseOf(ctx.db, listing.id);
  // A read of a listing with an open case will update it, so it is captured as evidence.
  const first = await readOnce(ctx.evidence !== undefined && open !== undefined);
  const verdict = judgeRead(first);
  const suppressed = verdict?.kind === 'violation' && ctx.isSuppressed ? await ctx.isSuppressed(listing.siteId) : false;
  if (!needsRecheck(verdict, open, ctx.policy.severityOrder, suppressed)) {
    const recorded = await record(first, verdict, { readKey: opts.readKey, suppressed }, null);
    return { ...recorded, draft: first.draft, verdict, findings: first.findings };
  }

  // Would open or escalate a case: keep this read, but accuse only if a second read agrees.
  const r1 = await recordObservation(ctx.db, where, first.draft, verdict, ctx.policy, {
    readKey: opts.readKey,
    suppressed,
    applyToCase: false,
  });
  if (!r1.duplicate) await recordFindings(ctx.db, r1.observationId, listing.id, first.draft.capturedAt, first.findings);
  if (r1.duplicate) {
    // A retried job: when the re-check already happened, it is not repeated.
    const done = await ctx.db
      .selectFrom('rechecks')
      .select('agreed')
      .where('first_observation_id', '=', r1.observationId)
      .executeTakeFirst();
    if (done)
      return {
        ...r1,
        draft: first.draft,
        verdict,
        findings: first.findings,
        recheck: { agreed: done.agreed, firstObservationId: r1.observationId },
      };
  }
  const delayMs = recheckDelay(ctx, site);
  await waitForRecheck(delayMs);
  let second: ListingRead;
  try {
    second = await readOnce(ctx.evidence !== undefined);
  } catch (err) {
    await recordRecheck(ctx.db, {
      siteId: listing.siteId,
      listingId: listing.id,
      firstObservationId: r1.observationId,
      secondObservationId: null,
      agreed: false,
      first: first.draft,
      second: null,
      delayMs,
    });
    throw err;
  }
  const v2 = judgeRead(second);
  const agreed = readsAgree(first.draft, second.draft);
  const r2 = await record(
    second,
    v2,
    { readKey: opts.readKey ? `${opts.readKey}:recheck` : undefined, suppressed, applyToCase: agreed },
    { first_observation_id: r1.observationId, agreed },
  );
  await recordRecheck(ctx.db, {
    siteId: listing.siteId,
    listingId: listing.id,
    firstObservationId: r1.observationId,
    secondObservationId: r2.observationId,
    agreed,
    first: first.draft,
    second: second.draft,
    delayMs,
  });
  return {
    ...r2,
    draft: second.draft,
    verdict: v2,
    findings: second.findings,
    recheck: { agreed, firstObservationId: r1.observationId },
  };
}
