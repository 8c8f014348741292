/**
 * What the evidence of a crawl takes (bench/growth.ts, issue 15 goal 6): the evidence store's files
 * on disk and the `evidence` rows (table, indexes and TOAST), beside the reads and cases that made them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/tables.js';

export interface EvidenceSnapshot {
  /** Observation rows: every read, re-checks included. */
  reads: number;
  casesOpened: number;
  evidenceRows: number;
  /** pg_total_relation_size of `evidence`. */
  evidenceTableBytes: number;
  storeFiles: number;
  /** The files' sizes. */
  storeBytes: number;
  /** What the files take on disk (allocated blocks, as `du` counts). */
  storeDiskBytes: number;
}

/** Every regular file under `dir`: count, bytes and allocated bytes. */
function walk(dir: string): { files: number; bytes: number; disk: number } {
  const out = { files: 0, bytes: 0, disk: 0 };
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const st = fs.statSync(path.join(e.parentPath ?? e.path, e.name));
    out.files++;
    out.bytes += st.size;
    out.disk += st.blocks * 512;
  }
  return out;
}

export async function evidenceSnapshot(
  db: Kysely<Database>,
  schema: string,
  storeDir: string,
): Promise<EvidenceSnapshot> {
  const count = async (table: 'observations' | 'cases' | 'evidence') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const size = await sql<{ bytes: string }>`
    select pg_total_relation_size(format('%I.evidence', ${schema}::text)::regclass) as bytes`.execute(db);
  const store = walk(storeDir);
  return {
    reads: await count('observations'),
    casesOpened: await count('cases'),
    evidenceRows: await count('evidence'),
    evidenceTableBytes: Number(size.rows[0]!.bytes),
    storeFiles: store.files,
    storeBytes: store.bytes,
    storeDiskBytes: store.disk,
  };
}
