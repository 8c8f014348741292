/**
 * Findings: signals a read found on the page besides its price (MAP-evasion text such as
 * "add to cart to see price", other sellers a marketplace site does not authorize). A
 * finding never opens a case by itself; it is stored with the observation that saw it.
 */
import type { Kysely, Transaction } from 'kysely';
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
  /**
   * The evidence that proves the finding (record-finding-evidence.ts): the read's own evidence row,
   * else, for an unauthorized seller, the day's capture (each seller item names its own too).
   */
  evidence?: { read: number | null; sellers: number | null };
}

/** Idempotent per observation and kind, so a retried job writes nothing twice. */
export async function recordFindings(db: Kysely<Database> | Transaction<Database>, row: FindingsRow): Promise<void> {
  if (!row.findings.length) return;
  const ev = row.evidence;
  await db
    .insertInto('findings')
    .values(
      row.findings.map((f) => ({
        observation_id: row.observationId,
        listing_id: row.listingId,
        kind: f.kind,
        detail: JSON.stringify(f.detail),
        at: row.at,
        evidence_id: ev?.read ?? (f.kind === 'unauthorized_seller' ? ev?.sellers : null) ?? null,
      })),
    )
    .onConflict((oc) => oc.columns(['observation_id', 'kind']).doNothing())
    .execute();
}
