/**
 * The decisions open-or-update-case.ts applies inside its transaction, without the database:
 * which reads count, when an old dismissal still holds, what a violating or a compliant read
 * changes on the open case, and when a case resolves. Kept apart so each rule can be tested,
 * and mutation-tested, on plain values.
 */
import type { Verdict } from '../compare/compare-to-map.js';
import type { Case } from '../db/tables.js';
import type { ObservationStatus } from '../types.js';

export type ViolationVerdict = Extract<Verdict, { kind: 'violation' }>;
export type CompliantVerdict = Extract<Verdict, { kind: 'compliant' }>;

/**
 * What a read says about the listing's case: only a read with a trustworthy price (status ok)
 * and a verdict can open, update or resolve one; anything else is logged on the open case.
 */
export function readEffect(
  status: ObservationStatus,
  verdict: Verdict | null,
):
  | { kind: 'violation'; verdict: ViolationVerdict }
  | { kind: 'compliant'; verdict: CompliantVerdict }
  | { kind: 'untrusted' } {
  if (status !== 'ok' || verdict === null || verdict.kind === 'not_comparable') return { kind: 'untrusted' };
  return verdict.kind === 'violation' ? { kind: 'violation', verdict } : { kind: 'compliant', verdict };
}

/** A read older than the open case's latest says nothing about the price now. */
export function isStaleRead(open: Pick<Case, 'last_seen_at'>, capturedAt: Date): boolean {
  return capturedAt.getTime() < new Date(open.last_seen_at).getTime();
}

/**
 * Whether the listing's latest closed case still holds this violation back: it was dismissed,
 * under the same MAP and currency, at a price no higher than this one. A lower price is a new
 * judgment; so is a new MAP.
 */
export function dismissalHolds(
  last: Pick<Case, 'status' | 'currency' | 'map_minor' | 'last_minor'> | undefined,
  verdict: ViolationVerdict,
): boolean {
  if (!last || last.status !== 'dismissed') return false;
  return (
    last.currency === verdict.currency &&
    last.map_minor === verdict.mapMinor &&
    verdict.normalizedMinor >= last.last_minor
  );
}

/** What a violating read changes on the open case; `worse` when its severity is a higher band. */
export function violationUpdate(
  open: Pick<Case, 'severity' | 'lowest_minor'>,
  verdict: ViolationVerdict,
  read: { capturedAt: Date; seller?: string | null },
  severityOrder: readonly string[],
) {
  const worse = severityOrder.indexOf(verdict.severity) > severityOrder.indexOf(open.severity);
  return {
    worse,
    set: {
      last_seen_at: read.capturedAt,
      last_minor: verdict.normalizedMinor,
      lowest_minor: Math.min(open.lowest_minor, verdict.normalizedMinor),
      map_minor: verdict.mapMinor,
      clean_streak: 0,
      // A read that names no seller keeps the one an earlier read named.
      ...(read.seller ? { seller: read.seller } : {}),
      ...(worse ? { severity: verdict.severity } : {}),
    },
  };
}

/** What a compliant read changes on the open case: one more clean read; `resolveAfter` of them resolve it. */
export function compliantUpdate(
  open: Pick<Case, 'clean_streak'>,
  verdict: CompliantVerdict,
  capturedAt: Date,
  resolveAfter: number,
) {
  const streak = open.clean_streak + 1;
  const resolve = streak >= resolveAfter;
  return {
    streak,
    resolve,
    set: {
      clean_streak: streak,
      last_seen_at: capturedAt,
      last_minor: verdict.normalizedMinor,
      ...(resolve
        ? {
            status: 'resolved' as const,
            closed_at: capturedAt,
            resolution_note: `price back at or above MAP for ${streak} reads`,
          }
        : {}),
    },
  };
}
