/**
 * `mapwatch evidence verify --db`: walks the evidence rows in order and recomputes each
 * manifest hash and chain link. An edited manifest, an edited hash, or a deleted row in
 * the middle all break a link. With a store, every file is re-hashed as well (a file removed
 * by retention is named as purged, not missing: check-stored-file.ts). Then the case
 * events' own chain, the cases' lowest prices and the observations behind each manifest
 * (verify-case-records.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { checkStoredFile, describeFileState } from './check-stored-file.js';
import type { EvidenceStore } from './evidence-store.js';
import { chainSha256, GENESIS_SHA256, manifestSchema, manifestSha256 } from './manifest.js';
import { verifyCaseEvents, verifyObservationFacts } from './verify-case-records.js';

export interface ChainReport {
  rows: number;
  /** Case events walked along their own chain. */
  events: number;
  files: number;
  problems: string[];
}

export async function verifyChain(db: Kysely<Database>, store?: EvidenceStore): Promise<ChainReport> {
  const rows = await db.selectFrom('evidence').selectAll().orderBy('id').execute();
  const problems: string[] = [];
  let prev = GENESIS_SHA256;
  let files = 0;
  for (const r of rows) {
    const owner = r.case_id === null ? 'finding evidence' : `case ${r.case_id}`;
    const where = `evidence row ${r.id} (${owner}, observation ${r.observation_id})`;
    if (r.prev_sha256 !== prev)
      problems.push(`${where}: prev_sha256 does not match the row before it (a row was deleted or altered)`);
    const m = manifestSha256(r.manifest);
    if (m !== r.manifest_sha256) problems.push(`${where}: manifest does not match manifest_sha256 (manifest altered)`);
    if (chainSha256(r.prev_sha256, r.manifest_sha256) !== r.chain_sha256)
      problems.push(`${where}: chain_sha256 is wrong`);
    prev = r.chain_sha256;
    if (store) {
      const parsed = manifestSchema.safeParse(r.manifest);
      if (!parsed.success) {
        problems.push(`${where}: manifest is not a valid evidence manifest`);
        continue;
      }
      for (const f of parsed.data.files) {
        files++;
        const c = await checkStoredFile(db, store, f);
        if (c.state !== 'ok') problems.push(`${where}: ${f.role} file ${f.key} ${describeFileState(c)}`);
      }
    }
  }
  const events = await verifyCaseEvents(db);
  problems.push(...events.problems, ...(await verifyObservationFacts(db)));
  return { rows: rows.length, events: events.rows, files, problems };
}
