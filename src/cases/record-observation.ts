/**
 * Writes one observation and applies it to the listing's case, in one transaction, so
 * an observation never exists without its case effect or the reverse. A `readKey`
 * makes the write idempotent: a retried read of the same slot returns the first row.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Verdict } from '../compare/compare-to-map.js';
import type { Database, ObservationsTable } from '../db/tables.js';
import type { ObservationDraft } from '../types.js';
import { type CaseOutcome, type CasePolicy, openOrUpdateCase } from './open-or-update-case.js';

/** What a hook sees when an observation changed a case (inside that transaction). */
export interface CaseChange {
  outcome: CaseOutcome;
  observationId: number;
  listingId: number;
  siteId: number;
  draft: ObservationDraft;
  verdict: Verdict | null;
}

export type OnCaseChange = (trx: Transaction<Database>, change: CaseChange) => Promise<void>;

export interface Recorded {
  observationId: number;
  duplicate: boolean;
  outcome: CaseOutcome;
}

export interface RecordOptions {
  listingId: number;
  siteId: number;
  draft: ObservationDraft;
  verdict: Verdict | null;
  policy: CasePolicy;
  /** Idempotency key of this logical read (listing + slot). */
  readKey?: string;
  /** Site health says extraction is broken: record the read, open no new case. */
  suppressed?: boolean;
  onCaseChange?: OnCaseChange;
  /** False: store the observation only; its case effect waits for a confirming re-check. */
  applyToCase?: boolean;
}

/** The observations row of a read (text taken from the page is capped), for this transaction or a batch. */
export function observationValues(o: {
  listingId: number;
  draft: ObservationDraft;
  verdict: Verdict | null;
  readKey?: string;
}): Insertable<ObservationsTable> {
  const { draft, verdict } = o;
  const judged = verdict && verdict.kind !== 'not_comparable' ? verdict : null;
  return {
    listing_id: o.listingId,
    captured_at: draft.capturedAt,
    status: draft.status,
    reason: draft.reason?.slice(0, 2000) ?? null,
    amount_minor: draft.amountMinor,
    currency: draft.currency,
    raw_price_text: draft.offer?.raw?.slice(0, 500) ?? null,
    extraction_source: draft.offer?.source ?? null,
    product_name: draft.offer?.name?.slice(0, 500) ?? null,
    verdict: verdict?.kind ?? null,
    normalized_minor: judged?.normalizedMinor ?? null,
    map_minor: judged?.mapMinor ?? (verdict?.kind === 'not_comparable' ? (verdict.rule?.mapMinor ?? null) : null),
    verdict_detail: verdict ? JSON.stringify(verdict) : null,
    http_status: draft.httpStatus,
    final_url: draft.finalUrl,
    content_sha256: draft.contentSha256,
    read_key: o.readKey ?? null,
    seller: draft.offer?.seller?.slice(0, 200) ?? null,
  };
}

export async function recordObservation(db: Kysely<Database>, opts: RecordOptions): Promise<Recorded> {
  const { listingId, draft, verdict, policy, readKey } = opts;
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('observations')
      .values(observationValues({ listingId, draft, verdict, readKey }))
      .onConflict((oc) => oc.column('read_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx
        .selectFrom('observations')
        .select('id')
        .where('read_key', '=', readKey!)
        .executeTakeFirstOrThrow();
      return { observationId: existing.id, duplicate: true, outcome: { action: 'none' } };
    }
    if (opts.applyToCase === false)
      return { observationId: inserted.id, duplicate: false, outcome: { action: 'none' } as CaseOutcome };
    const outcome = await openOrUpdateCase(
      trx,
      {
        id: inserted.id,
        listingId,
        capturedAt: draft.capturedAt,
        status: draft.status,
        seller: draft.offer?.seller?.slice(0, 200) ?? null,
      },
      draft.status === 'ok' ? verdict : null,
      { ...policy, suppressNew: opts.suppressed === true },
    );
    if (opts.onCaseChange && outcome.action !== 'none') {
      await opts.onCaseChange(trx, {
        outcome,
        observationId: inserted.id,
        listingId,
        siteId: opts.siteId,
        draft,
        verdict,
      });
    }
    return { observationId: inserted.id, duplicate: false, outcome };
  });
}
