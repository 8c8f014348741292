/**
 * Records one read of a check: its evidence files (stored outside any transaction, so no
 * screenshot is taken while a case row is locked), then the observation and its case
 * effect in one transaction, where the evidence row joins the hash chain when the read
 * opened or updated a case; then the read's findings with their evidence, in one more
 * transaction, where a read that shows an unauthorized seller not yet kept that day joins
 * the chain as finding evidence (record-finding-evidence.ts). A read that changes no case
 * and is not captured is written with others in one statement when the context batches
 * (batch-observations.ts).
 */
import type { Kysely } from 'kysely';
import { observationValues, type Recorded, recordObservation } from '../cases/record-observation.js';
import type { Verdict } from '../compare/compare-to-map.js';
import type { Database } from '../db/tables.js';
import { captureEvidence, type ListingRef, type PreparedManifest } from '../evidence/capture-evidence.js';
import { recordEvidence } from '../evidence/record-evidence.js';
import type { CheckContext } from './check-context.js';
import { type Finding, recordFindings } from './findings.js';
import {
  dayEvidenceOf,
  evidenceDay,
  findingSellerKey,
  recordFindingEvidence,
  unauthorizedSellerKeys,
} from './record-finding-evidence.js';
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
  ctx: Pick<CheckContext, 'db' | 'policy' | 'evidence' | 'browser' | 'onCaseChange' | 'observationBatch' | 'config'>,
  opts: RecordReadOptions,
): Promise<Recorded & { evidenceError?: string }> {
  const { listing, read, verdict } = opts;
  // An unauthorized seller not yet kept today on this listing: this read becomes its evidence.
  const page = read.capture ?? read.seen;
  const sellers = ctx.evidence && page ? unauthorizedSellerKeys(read.findings) : [];
  const day = sellers.length ? evidenceDay(read.draft.capturedAt, ctx.config?.MAPWATCH_REPORT_TIME_ZONE ?? 'UTC') : '';
  const today = await dayEvidenceOf(ctx.db, { listingId: listing.listingId, day, keys: sellers });
  const forCase = read.capture !== null && opts.applyToCase !== false;
  let prepared: PreparedManifest | null = null;
  let evidenceError: string | undefined;
  if (ctx.evidence && page && (forCase || today.uncovered.length)) {
    try {
      prepared = await captureEvidence({
        store: ctx.evidence,
        browser: ctx.browser,
        listing: { listingId: listing.listingId, site: listing.site, reseller: listing.reseller, sku: listing.sku },
        capture: forCase ? read.capture! : page,
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
  let evidenceId: number | null = null;
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
          evidenceId = (
            await recordEvidence(
              trx,
              { caseId: change.outcome.caseId, observationId: change.observationId, recheck },
              prepared,
            )
          ).id;
        }
        await ctx.onCaseChange?.(trx, change);
      },
    }));
  const writeFindings = async (db: Kysely<Database>) => {
    const ev = await recordFindingEvidence(db, {
      listingId: listing.listingId,
      observationId: recorded.observationId,
      day,
      sellers,
      today,
      prepared,
      evidenceId,
      recheck,
    });
    await recordFindings(db, {
      observationId: recorded.observationId,
      listingId: listing.listingId,
      at: read.draft.capturedAt,
      findings: withSellerEvidence(read.findings, ev.bySeller),
      evidence: { read: ev.own, sellers: ev.own ?? (ev.bySeller.size ? Math.max(...ev.bySeller.values()) : null) },
    });
  };
  // A transaction only when this read joins the chain or claims the day; else one insert as before.
  if (!recorded.duplicate && read.findings.length)
    if (today.uncovered.length && (prepared !== null || evidenceId !== null))
      await ctx.db.transaction().execute(writeFindings);
    else await writeFindings(ctx.db);
  return { ...recorded, ...(evidenceError ? { evidenceError } : {}) };
}

/** Each unauthorized seller item names the evidence that shows it (the Findings page links it). */
function withSellerEvidence(findings: readonly Finding[], bySeller: ReadonlyMap<string, number>): Finding[] {
  if (!bySeller.size) return [...findings];
  return findings.map((f) =>
    f.kind === 'unauthorized_seller'
      ? {
          ...f,
          detail: {
            ...f.detail,
            sellers: f.detail.sellers.map((s) => {
              const id = bySeller.get(findingSellerKey(s));
              return id === undefined ? s : { ...s, evidence_id: id };
            }),
          },
        }
      : f,
  );
}
