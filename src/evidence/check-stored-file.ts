/**
 * One evidence file as the verifiers see it: there and intact, altered, missing, or removed
 * by retention (recorded in evidence_purges). Retention only removes files no chain row
 * names, so a chained file that was purged is still a failure, but it says what happened
 * (a file removed on record, not one that vanished).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { EvidenceChecksumError, type EvidenceStore, sha256Hex } from './evidence-store.js';

export type StoredFileState = 'ok' | 'missing' | 'altered' | 'purged';

export interface StoredFileCheck {
  state: StoredFileState;
  /** For 'purged': when. */
  purgedAt?: Date;
}

export async function checkStoredFile(
  db: Kysely<Database>,
  store: EvidenceStore,
  f: { key: string; sha256: string },
): Promise<StoredFileCheck> {
  let bytes: Buffer | null;
  try {
    bytes = await store.get(f.key);
  } catch (err) {
    if (err instanceof EvidenceChecksumError) return { state: 'altered' };
    throw err;
  }
  if (bytes) return { state: sha256Hex(bytes) === f.sha256 ? 'ok' : 'altered' };
  const purge = await db
    .selectFrom('evidence_purges')
    .select('purged_at')
    .where('storage_key', '=', f.key)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return purge ? { state: 'purged', purgedAt: new Date(purge.purged_at) } : { state: 'missing' };
}

/** The problem line's ending for a file that is not ok. */
export function describeFileState(c: StoredFileCheck): string {
  if (c.state === 'purged')
    return `was purged by retention on ${c.purgedAt!.toISOString()} although a chain row names it (case evidence is never purged)`;
  return c.state === 'altered' ? 'was altered' : 'is missing';
}
