/**
 * What an earlier attempt of this logical read (same read key) already stored, so a retried
 * job finishes what the first attempt started instead of skipping it.
 *
 * A read that would accuse is stored first without touching the case, then confirmed by a
 * second read. A worker killed (or a database lost) between the two used to leave the first
 * read stored and the re-check never done; the retry saw the stored read and skipped, and the
 * violation was lost (5 of 100). Such a read is `awaiting_recheck`: the retry re-reads and
 * completes the check against the stored first read.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { ObservationDraft } from '../types.js';

export type StoredRead =
  | { state: 'none' }
  /** Nothing left to do: the read was not a violation, or its re-check happened. */
  | { state: 'finished'; observationId: number; draft: ObservationDraft }
  /** A stored violation with no re-check yet: the check decides whether it still needs one. */
  | { state: 'awaiting_recheck'; observationId: number; draft: ObservationDraft };

export async function findStoredRead(db: Kysely<Database>, readKey: string): Promise<StoredRead> {
  const row = await db
    .selectFrom('observations')
    .select([
      'id',
      'captured_at',
      'status',
      'reason',
      'amount_minor',
      'currency',
      'http_status',
      'final_url',
      'content_sha256',
      'verdict',
    ])
    .where('read_key', '=', readKey)
    .executeTakeFirst();
  if (!row) return { state: 'none' };
  const draft: ObservationDraft = {
    capturedAt: new Date(row.captured_at as unknown as string | Date),
    status: row.status,
    reason: row.reason,
    offer: null,
    amountMinor: row.amount_minor,
    currency: row.currency,
    httpStatus: row.http_status,
    finalUrl: row.final_url,
    contentSha256: row.content_sha256,
    retryable: false,
  };
  if (row.verdict !== 'violation') return { state: 'finished', observationId: row.id, draft };
  const [recheck, second] = await Promise.all([
    db.selectFrom('rechecks').select('id').where('first_observation_id', '=', row.id).executeTakeFirst(),
    // The confirming read is stored (and applied to the case) in its own transaction before the
    // rechecks row; if it exists the case effect happened.
    db.selectFrom('observations').select('id').where('read_key', '=', `${readKey}:recheck`).executeTakeFirst(),
  ]);
  if (recheck || second) return { state: 'finished', observationId: row.id, draft };
  return { state: 'awaiting_recheck', observationId: row.id, draft };
}
