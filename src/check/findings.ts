/**
 * Findings: signals a read found on the page besides its price (MAP-evasion text such as
 * "add to cart to see price", other sellers a marketplace site does not authorize). A
 * finding never opens a case by itself; it is stored with the observation that saw it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { GreyMarketFinding } from './find-grey-market.js';
import type { UnauthorizedSellerFinding } from './find-unauthorized-sellers.js';

export type Finding =
  | { kind: 'map_evasion'; detail: { phrases: string[]; revealed_by_steps: boolean } }
  | UnauthorizedSellerFinding
  | GreyMarketFinding;

export interface FindingsRow {
  observationId: number;
  listingId: number;
  at: Date;
  findings: readonly Finding[];
}

/** Idempotent per observation and kind, so a retried job writes nothing twice. */
export async function recordFindings(db: Kysely<Database>, row: FindingsRow): Promise<void> {
  if (!row.findings.length) return;
  await db
    .insertInto('findings')
    .values(
      row.findings.map((f) => ({
        observation_id: row.observationId,
        listing_id: row.listingId,
        kind: f.kind,
        detail: JSON.stringify(f.detail),
        at: row.at,
      })),
    )
    .onConflict((oc) => oc.columns(['observation_id', 'kind']).doNothing())
    .execute();
}
