/**
 * Records one read of a check: its evidence files (stored outside any transaction, so no
 * screenshot is taken while a case row is locked), then the observation and its case
 * effect in one transaction, where the evidence row joins the hash chain only when the
 * read opened or updated a case; then the read's findings. A read that changes no case is
 * written with others in one statement when the context batches (batch-observations.ts).
 */
import { observationValues, type Recorded, recordObservation } from '../cases/record-observation.js';
import type { Verdict } from '../compare/compare-to-map.js';
import { captureEvidence, type ListingRef, type PreparedManifest } from '../evidence/capture-evidence.js';
import { recordEvidence } from '../evidence/record-evidence.js';
import type { CheckContext } from './check-context.js';
import { recordFindings } from './findings.js';
import type { ListingRead } from './read-for-check.js';

export interface RecordReadOptions {
  listing: ListingRef & { siteId: number };
  read: ListingRead;
  verdict: Verdict | null;
  readKey?: string;
  suppressed: boolean;
  /** False: store the observation only; its case effect waits for a confirming re-check. */
  applyToCase?: boolean;
  /** Set on the confirming read: which first read it re-checks, and whether they agreed. */
  recheck?: { first_observation_id: number; agreed: boolean } | null;
}

/**
 * A read that cannot change a case (no evidence to chain, not a violation, applied as usual) goes
 * to the batch; the batch itself skips a listing with an open case. Null: the transactional path.
 */
async function batched(
  ctx: Pick<CheckContext, 'observationBatch'>,
  opts: RecordReadOptions,
  prepared: PreparedManifest | null,
): Promise<Recorded | null> {
  const { read, verdict } = opts;
  if (!ctx.observationBatch || prepared || verdict?.kind === 'violation' || opts.applyToCase === false) return null;
  const id = await ctx.observationBatch.add(
    observationValues({ listingId: opts.listing.listingId, draft: read.draft, verdict, readKey: opts.readKey }),
  );
  return id === null ? null : { observationId: id, duplicate: false, outcome: { action: 'none' } };
}

export async function recordRead(
  ctx: Pick<CheckContext, 'db' | 'policy' | 'evidence' | 'browser' | 'onCaseChange' | 'observationBatch'>,
  opts: RecordReadOptions,
): Promise<Recorded & { evidenceError?: string }> {
  const { listing, read, verdict } = opts;
  let prepared: PreparedManifest | null = null;
  let evidenceError: string | undefined;
  if (read.capture && ctx.evidence && opts.applyToCase !== false) {
    try {
      prepared = await captureEvidence({
        store: ctx.evidence,
        browser: ctx.browser,
        listing: { listingId: listing.listingId, site: listing.site, reseller: listing.reseller, sku: listing.sku },
        capture: read.capture,
        draft: read.draft,
        verdict,
        findings: read.findings,
      });
    } catch (err) {
      // Losing the read would be worse than a read without evidence; the reason is reported.
      evidenceError = (err as Error).message;
    }
  }
  const recheck = opts.recheck ?? null;
  const recorded =
    (await batched(ctx, opts, prepared)) ??
    (await recordObservation(ctx.db, {
      listingId: listing.listingId,
      siteId: listing.siteId,
      draft: read.draft,
      verdict,
      policy: ctx.policy,
      readKey: opts.readKey,
      suppressed: opts.suppressed,
      applyToCase: opts.applyToCase,
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
    }));
  if (!recorded.duplicate)
    await recordFindings(ctx.db, {
      observationId: recorded.observationId,
      listingId: listing.listingId,
      at: read.draft.capturedAt,
      findings: read.findings,
    });
  return { ...recorded, ...(evidenceError ? { evidenceError } : {}) };
}
