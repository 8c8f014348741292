/**
 * Retention: removes the evidence files of reads that changed no case, once they have not
 * been stored for `olderThanDays`. Every read that may change a case stores its files before
 * its transaction; only a read that opened, updated, resolved or was logged on a case gets an
 * evidence row naming them. Files no evidence row names are what retention may remove; every
 * file a chain row names (case evidence) is kept however old, and no row is ever touched.
 *
 * Each removal is recorded first (evidence_purges, append-only), then the file is deleted, so
 * a file can be gone only on record. Races with a worker: a read storing bytes already there
 * refreshes the file's time (REFRESH_AFTER_MS), and each candidate's time is read again just
 * before it is removed, so a file a read has just stored (and may be about to chain) is kept.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { type EvidenceStore, shaOfKey, type StoredEntry } from './evidence-store.js';

export interface PurgeOptions {
  store: EvidenceStore;
  olderThanDays: number;
  /** Default: now. */
  now?: Date;
  /** Count what would go, remove nothing. */
  dryRun?: boolean;
  /** Keys checked against the chain per query. */
  batchSize?: number;
}

export interface PurgeReport {
  store: string;
  /** Files in the store. */
  scanned: number;
  /** Old enough, but named by a chain row: case evidence, kept. */
  keptChained: number;
  /** Old enough and unchained, but stored again since the scan: kept. */
  keptRestored: number;
  purged: number;
  purgedBytes: number;
  dryRun: boolean;
}

export async function purgeEvidence(db: Kysely<Database>, opts: PurgeOptions): Promise<PurgeReport> {
  if (!(opts.olderThanDays >= 1)) throw new Error('retention must keep files at least one day');
  const cutoff = (opts.now ?? new Date()).getTime() - opts.olderThanDays * 86_400_000;
  const report: PurgeReport = {
    store: opts.store.location,
    scanned: 0,
    keptChained: 0,
    keptRestored: 0,
    purged: 0,
    purgedBytes: 0,
    dryRun: opts.dryRun === true,
  };
  const size = opts.batchSize ?? 500;
  let batch: StoredEntry[] = [];
  const flush = async () => {
    if (batch.length) await purgeBatch(db, opts, cutoff, batch, report);
    batch = [];
  };
  for await (const entry of opts.store.list()) {
    report.scanned++;
    if (entry.lastModified.getTime() >= cutoff) continue;
    batch.push(entry);
    if (batch.length >= size) await flush();
  }
  await flush();
  return report;
}

/** The keys among `keys` that a chain row names. */
async function chainedKeys(db: Kysely<Database>, keys: string[]): Promise<Set<string>> {
  const { rows } = await sql<{ key: string }>`
    select distinct k as key from evidence, unnest(storage_keys) as k
    where storage_keys && ${sql.val(keys)}::text[] and k = any(${sql.val(keys)}::text[])`.execute(db);
  return new Set(rows.map((r) => r.key));
}

async function purgeBatch(
  db: Kysely<Database>,
  opts: PurgeOptions,
  cutoff: number,
  batch: StoredEntry[],
  report: PurgeReport,
): Promise<void> {
  const chained = await chainedKeys(
    db,
    batch.map((e) => e.key),
  );
  for (const entry of batch) {
    if (chained.has(entry.key)) {
      report.keptChained++;
      continue;
    }
    const now = await opts.store.stat(entry.key);
    if (!now) continue;
    if (now.lastModified.getTime() >= cutoff) {
      report.keptRestored++;
      continue;
    }
    report.purged++;
    report.purgedBytes += now.size;
    if (opts.dryRun) continue;
    await db
      .insertInto('evidence_purges')
      .values({
        storage_key: entry.key,
        sha256: shaOfKey(entry.key),
        size: now.size,
        stored_at: now.lastModified,
        reason: `retention: named by no evidence row, not stored for ${opts.olderThanDays} days`,
        store: opts.store.location,
      })
      .execute();
    await opts.store.delete(entry.key);
  }
}
