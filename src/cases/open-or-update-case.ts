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

/**
 * The dismissal that still covers this violation, if any: the listing's latest closed case
 * was dismissed, under the same MAP and currency, at a price no higher than this one.
 */
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
  if (!last || last.status !== 'dismissed') return undefined;
  const sameTerms = last.currency === verdict.currency && last.map_minor === verdict.mapMinor;
  return sameTerms && verdict.normalizedMinor >= last.last_minor ? last : undefined;
}

export async function openOrUpdateCase(
  trx: Trx,
  obs: ObservationRef,
  verdict: Verdict | null,
  policy: CasePolicy,
): Promise<CaseOutcome> {
  const open = await lockOpenCase(trx, obs.listingId);
  const trusted = obs.status === 'ok' && verdict !== null;
  const summary = { status: obs.status, verdict: verdict?.kind ?? null };

  // A read older than the case's latest (a delayed job, a backfilled import) says nothing
  // about the price now: counting it would resolve a case on a stale clean read, or move
  // last_seen_at (and closed_at) back in time. It joins the audit trail and changes nothing.
  if (open && obs.capturedAt.getTime() < new Date(open.last_seen_at).getTime()) {
    await event(trx, open.id, obs.id, 'observed', obs.capturedAt, { ...summary, stale: true });
    return { action: 'logged', caseId: open.id };
  }

  if (trusted && verdict.kind === 'violation') {
    if (!open && policy.suppressNew) return { action: 'suppressed', reason: 'site extraction needs attention' };
    if (!open) {
      const dismissed = await heldByDismissal(trx, obs.listingId, verdict);
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
          severity: verdict.severity,
          currency: verdict.currency,
          map_minor: verdict.mapMinor,
          lowest_minor: verdict.normalizedMinor,
          last_minor: verdict.normalizedMinor,
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
          normalized_minor: verdict.normalizedMinor,
          map_minor: verdict.mapMinor,
          percent_below: verdict.percentBelow,
          severity: verdict.severity,
        });
        return { action: 'opened', caseId: inserted.id };
      }
      return openOrUpdateCase(trx, obs, verdict, policy);
    }
    const worse = policy.severityOrder.indexOf(verdict.severity) > policy.severityOrder.indexOf(open.severity);
    await trx
      .updateTable('cases')
      .set({
        last_seen_at: obs.capturedAt,
        last_minor: verdict.normalizedMinor,
        lowest_minor: Math.min(open.lowest_minor, verdict.normalizedMinor),
        map_minor: verdict.mapMinor,
        clean_streak: 0,
        ...(obs.seller ? { seller: obs.seller } : {}),
        ...(worse ? { severity: verdict.severity } : {}),
      })
      .where('id', '=', open.id)
      .execute();
    await event(trx, open.id, obs.id, 'observed', obs.capturedAt, {
      ...summary,
      normalized_minor: verdict.normalizedMinor,
      percent_below: verdict.percentBelow,
    });
    if (worse)
      await event(trx, open.id, obs.id, 'severity_changed', obs.capturedAt, {
        from: open.severity,
        to: verdict.severity,
      });
    return { action: 'updated', caseId: open.id };
  }

  if (!open) return { action: 'none' };

  if (trusted && verdict.kind === 'compliant') {
    const streak = open.clean_streak + 1;
    const resolve = streak >= policy.resolveAfter;
    await trx
      .updateTable('cases')
      .set({
        clean_streak: streak,
        last_seen_at: obs.capturedAt,
        last_minor: verdict.normalizedMinor,
        ...(resolve
          ? {
              status: 'resolved' as const,
              closed_at: obs.capturedAt,
              resolution_note: `price back at or above MAP for ${streak} reads`,
            }
          : {}),
      })
      .where('id', '=', open.id)
      .execute();
    await event(trx, open.id, obs.id, 'observed', obs.capturedAt, {
      ...summary,
      normalized_minor: verdict.normalizedMinor,
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
