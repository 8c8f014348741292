/**
 * Applies one recorded observation to its listing's case, inside the caller's transaction.
 *
 * - A violation opens a case, or updates the open one (there is never a second: the
 *   database's partial unique index and the row lock below both see to it).
 * - A compliant read adds to the clean streak; N clean reads in a row resolve the case.
 * - A dismissal (a person's "not a violation") holds for the listing while the price and
 *   the MAP in effect stay as they were: the same violation opens no new case. A lower
 *   price, a new MAP or a case since then makes it a new judgment, and a case opens.
 * - A read without a trustworthy price (blocked, no_price, ambiguous, error) or one that
 *   is not comparable is logged on the open case but never opens or resolves one.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Verdict } from '../compare/compare-to-map.js';
import type { Case, CaseEventKind, Database } from '../db/tables.js';
import type { CasePolicy } from '../config/policy.js';
import type { ObservationStatus } from '../types.js';
import { compliantUpdate, dismissalHolds, isStaleRead, readEffect, violationUpdate } from './decide-case-change.js';

export type { CasePolicy };

export interface ObservationRef {
  id: number;
  listingId: number;
  capturedAt: Date;
  status: ObservationStatus;
  /** The marketplace seller the page names on the primary offer, if any (kept on the case for filtering). */
  seller?: string | null;
}

export type CaseOutcome =
  | { action: 'none' }
  | { action: 'suppressed'; reason: string }
  /** Held by an earlier dismissal of the same price under the same MAP (no case is opened). */
  | { action: 'dismissed'; dismissedCaseId: number; reason: string }
  | { action: 'opened' | 'updated' | 'resolved' | 'logged'; caseId: number };

type Trx = Transaction<Database> | Kysely<Database>;

async function event(trx: Trx, caseId: number, obsId: number | null, kind: CaseEventKind, at: Date, detail: object) {
  await trx
    .insertInto('case_events')
    .values({ case_id: caseId, observation_id: obsId, kind, at, detail: JSON.stringify(detail) })
    .onConflict((oc) => oc.columns(['case_id', 'observation_id', 'kind']).doNothing())
    .execute();
}

async function lockOpenCase(trx: Trx, listingId: number): Promise<Case | undefined> {
  return trx
    .selectFrom('cases')
    .selectAll()
    .where('listing_id', '=', listingId)
    .where('status', 'in', ['open', 'notified'])
    .forUpdate()
    .executeTakeFirst();
}

/** The listing's latest closed case, when it still holds this violation back (decide-case-change.ts). */
async function heldByDismissal(
  trx: Trx,
  listingId: number,
  verdict: Extract<Verdict, { kind: 'violation' }>,
): Promise<Case | undefined> {
  const last = await trx
    .selectFrom('cases')
    .selectAll()
    .where('listing_id', '=', listingId)
    .where('status', 'in', ['resolved', 'dismissed'])
    .orderBy('closed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return dismissalHolds(last, verdict) ? last : undefined;
}

export async function openOrUpdateCase(
  trx: Trx,
  obs: ObservationRef,
  verdict: Verdict | null,
  policy: CasePolicy,
): Promise<CaseOutcome> {
  const open = await lockOpenCase(trx, obs.listingId);
  const effect = readEffect(obs.status, verdict);
  const summary = { status: obs.status, verdict: verdict?.kind ?? null };

  // A read older than the case's latest (a delayed job, a backfilled import) says nothing
  // about the price now: counting it would resolve a case on a stale clean read, or move
  // last_seen_at (and closed_at) back in time. It joins the audit trail and changes nothing.
  if (open && isStaleRead(open, obs.capturedAt)) {
    await event(trx, open.id, obs.id, 'observed', obs.capturedAt, { ...summary, stale: true });
    return { action: 'logged', caseId: open.id };
  }

  if (effect.kind === 'violation') {
    const v = effect.verdict;
    if (!open && policy.suppressNew) return { action: 'suppressed', reason: 'site extraction needs attention' };
    if (!open) {
      const dismissed = await heldByDismissal(trx, obs.listingId, v);
      if (dismissed)
        return {
          action: 'dismissed',
          dismissedCaseId: dismissed.id,
          reason: `case #${dismissed.id} was dismissed at this price and MAP: ${dismissed.resolution_note ?? ''}`,
        };
      const inserted = await trx
        .insertInto('cases')
        .values({
          listing_id: obs.listingId,
          status: 'open',
          severity: v.severity,
          currency: v.currency,
          map_minor: v.mapMinor,
          lowest_minor: v.normalizedMinor,
          last_minor: v.normalizedMinor,
          first_seen_at: obs.capturedAt,
          last_seen_at: obs.capturedAt,
          seller: obs.seller ?? null,
        })
        // A concurrent writer may have opened it between our lock attempt and insert.
        .onConflict((oc) => oc.column('listing_id').where('status', 'in', ['open', 'notified']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) {
        await event(trx, inserted.id, obs.id, 'opened', obs.capturedAt, {
          ...summary,
          normalized_minor: v.normalizedMinor,
          map_minor: v.mapMinor,
          percent_below: v.percentBelow,
          severity: v.severity,
        });
        return { action: 'opened', caseId: inserted.id };
      }
      return openOrUpdateCase(trx, obs, verdict, policy);
    }
    const { worse, set } = violationUpdate(open, v, obs, policy.severityOrder);
    await trx.updateTable('cases').set(set).where('id', '=', open.id).execute();
    await event(trx, open.id, obs.id, 'observed', obs.capturedAt, {
      ...summary,
      normalized_minor: v.normalizedMinor,
      percent_below: v.percentBelow,
    });
    if (worse)
      await event(trx, open.id, obs.id, 'severity_changed', obs.capturedAt, {
        from: open.severity,
        to: v.severity,
      });
    return { action: 'updated', caseId: open.id };
  }

  if (!open) return { action: 'none' };

  if (effect.kind === 'compliant') {
    const { streak, resolve, set } = compliantUpdate(open, effect.verdict, obs.capturedAt, policy.resolveAfter);
    await trx.updateTable('cases').set(set).where('id', '=', open.id).execute();
    await event(trx, open.id, obs.id, 'observed', obs.capturedAt, {
      ...summary,
      normalized_minor: effect.verdict.normalizedMinor,
      clean_streak: streak,
    });
    if (resolve)
      await event(trx, open.id, obs.id, 'resolved', obs.capturedAt, { reason: 'auto', clean_streak: streak });
    return { action: resolve ? 'resolved' : 'updated', caseId: open.id };
  }

  // Untrusted or not comparable: keep the audit trail, leave the case's state alone.
  await event(trx, open.id, obs.id, 'observed', obs.capturedAt, {
    ...summary,
    ...(verdict?.kind === 'not_comparable' ? { reason: verdict.reason } : {}),
  });
  return { action: 'logged', caseId: open.id };
}
