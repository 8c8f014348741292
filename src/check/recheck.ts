/**
 * Re-check before accusing. A read that would open a case or escalate one is confirmed by
 * a second, independent read (a fresh browser context, or a fresh static fetch) after the
 * site's `recheck.delay_ms`. Only when both reads are `ok` with the same currency and
 * amount does the case change; otherwise both observations are kept, a `rechecks` row
 * records the disagreement, and no case opens.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { Database } from '../db/tables.js';
import type { ObservationDraft } from '../types.js';

/** Both reads ok, same currency, same amount: the only agreement that may accuse. */
export function readsAgree(a: ObservationDraft, b: ObservationDraft): boolean {
  return (
    a.status === 'ok' &&
    b.status === 'ok' &&
    a.currency === b.currency &&
    a.amountMinor !== null &&
    a.amountMinor === b.amountMinor
  );
}

/** Whether this verdict would open a case, or raise the open one's severity. */
export function needsRecheck(opts: {
  verdict: Verdict | null;
  open: { severity: string } | undefined;
  severityOrder: readonly string[];
  suppressed: boolean;
}): boolean {
  const { verdict, open, severityOrder, suppressed } = opts;
  if (verdict?.kind !== 'violation') return false;
  if (!open) return !suppressed;
  return severityOrder.indexOf(verdict.severity) > severityOrder.indexOf(open.severity);
}

export async function openCaseOf(
  db: Kysely<Database>,
  listingId: number,
): Promise<{ id: number; severity: string } | undefined> {
  return db
    .selectFrom('cases')
    .select(['id', 'severity'])
    .where('listing_id', '=', listingId)
    .where('status', 'in', ['open', 'notified'])
    .executeTakeFirst();
}

/** The wait before the confirming read: the context's override, else the site's setting. */
export function recheckDelay(ctx: { recheckDelayMs?: number }, site: LoadedSite): number {
  return ctx.recheckDelayMs ?? site.config.recheck?.delay_ms ?? 5000;
}

export async function waitForRecheck(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
}

/**
 * What is left of the re-check's delay after the first read, captured at `firstAt`. A resumed
 * check (a deferred queue job, or a retry after a crash) waits only the rest, never the whole
 * delay again.
 */
export function recheckWaitLeft(delayMs: number, firstAt: Date, now = Date.now()): number {
  return Math.max(0, Math.min(delayMs, firstAt.getTime() + delayMs - now));
}

/** A retried job: the re-check of this first observation already happened (and is not repeated). */
export async function recheckDone(
  db: Kysely<Database>,
  firstObservationId: number,
): Promise<{ agreed: boolean } | undefined> {
  return db
    .selectFrom('rechecks')
    .select('agreed')
    .where('first_observation_id', '=', firstObservationId)
    .executeTakeFirst();
}

function side(d: ObservationDraft) {
  return {
    status: d.status,
    amount_minor: d.amountMinor,
    currency: d.currency,
    reason: d.reason,
    final_url: d.finalUrl,
  };
}

export interface RecheckRow {
  siteId: number;
  listingId: number;
  firstObservationId: number;
  secondObservationId: number | null;
  agreed: boolean;
  first: ObservationDraft;
  second: ObservationDraft | null;
  delayMs: number;
}

export async function recordRecheck(db: Kysely<Database>, row: RecheckRow): Promise<void> {
  await db
    .insertInto('rechecks')
    .values({
      site_id: row.siteId,
      listing_id: row.listingId,
      first_observation_id: row.firstObservationId,
      second_observation_id: row.secondObservationId,
      agreed: row.agreed,
      detail: JSON.stringify({
        first: side(row.first),
        second: row.second ? side(row.second) : null,
        delay_ms: row.delayMs,
      }),
    })
    .onConflict((oc) => oc.column('first_observation_id').doNothing())
    .execute();
}
