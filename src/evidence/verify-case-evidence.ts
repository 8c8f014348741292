/**
 * Whether one case's records verify, for the case page: each evidence row's manifest hash
 * and chain link, that the row before it in the chain exists, every file re-hashed from the
 * store, the observation each manifest recorded against the row as stored now, and each of
 * the case's audit events against its own chain hash. `mapwatch evidence verify --db` walks
 * the whole chain; this checks one case's share of it, fast enough for a page.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { checkStoredFile, describeFileState, type StoredFileState } from './check-stored-file.js';
import type { EvidenceStore } from './evidence-store.js';
import {
  canonicalJson,
  chainSha256,
  GENESIS_SHA256,
  manifestSchema,
  manifestSha256,
  observationFactsSchema,
} from './manifest.js';
import { observationFacts } from './record-evidence.js';
import { caseEventLink } from './verify-case-records.js';

export interface EvidenceFileCheck {
  role: string;
  sha256: string;
  size: number;
  mime: string;
  /** 'ok', 'missing' (not in the store), 'altered' (bytes no longer match), 'purged' (removed on record by retention), 'unchecked' (no store). */
  state: StoredFileState | 'unchecked';
}

export interface EvidenceRowCheck {
  id: number;
  observationId: number;
  capturedAt: Date;
  manifestSha256: string;
  chainSha256: string;
  files: EvidenceFileCheck[];
  problems: string[];
}

export interface CaseVerification {
  evidence: EvidenceRowCheck[];
  events: number;
  /** Every problem found, each naming its row; empty: the case's records verify. */
  problems: string[];
}

export async function verifyCaseEvidence(
  db: Kysely<Database>,
  caseId: number,
  store?: EvidenceStore,
): Promise<CaseVerification> {
  const rows = await db.selectFrom('evidence').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
  const prevs = rows.map((r) => r.prev_sha256).filter((p) => p !== GENESIS_SHA256);
  const known = new Set(
    prevs.length
      ? (await db.selectFrom('evidence').select('chain_sha256').where('chain_sha256', 'in', prevs).execute()).map(
          (r) => r.chain_sha256,
        )
      : [],
  );
  const obsIds = rows.map((r) => r.observation_id);
  const observations = new Map(
    (obsIds.length
      ? await db
          .selectFrom('observations')
          .select(['id', 'captured_at', 'status', 'amount_minor', 'currency', 'normalized_minor', 'map_minor'])
          .where('id', 'in', obsIds)
          .execute()
      : []
    ).map((o) => [Number(o.id), o]),
  );
  const problems: string[] = [];
  const evidence: EvidenceRowCheck[] = [];
  for (const r of rows) {
    const mine: string[] = [];
    const where = `evidence ${r.id} (observation ${r.observation_id})`;
    if (manifestSha256(r.manifest) !== r.manifest_sha256) mine.push(`${where}: manifest altered since it was hashed`);
    if (chainSha256(r.prev_sha256, r.manifest_sha256) !== r.chain_sha256) mine.push(`${where}: chain hash is wrong`);
    if (r.prev_sha256 !== GENESIS_SHA256 && !known.has(r.prev_sha256))
      mine.push(`${where}: the chain row before it is gone`);
    const parsed = manifestSchema.safeParse(r.manifest);
    const files: EvidenceFileCheck[] = [];
    if (!parsed.success) mine.push(`${where}: not a valid evidence manifest`);
    else {
      for (const f of parsed.data.files) {
        let state: EvidenceFileCheck['state'] = 'unchecked';
        if (store) {
          const c = await checkStoredFile(db, store, f);
          state = c.state;
          if (state !== 'ok') mine.push(`${where}: ${f.role} file ${describeFileState(c)}`);
        }
        files.push({ role: f.role, sha256: f.sha256, size: f.size, mime: f.mime, state });
      }
      const recorded = observationFactsSchema.safeParse(parsed.data.observation);
      const now = observations.get(Number(r.observation_id));
      if (recorded.success && now && canonicalJson(recorded.data) !== canonicalJson(observationFacts(now)))
        mine.push(`${where}: the observation was changed after its evidence was recorded`);
    }
    problems.push(...mine);
    evidence.push({
      id: r.id,
      observationId: Number(r.observation_id),
      capturedAt: r.captured_at,
      manifestSha256: r.manifest_sha256,
      chainSha256: r.chain_sha256,
      files,
      problems: mine,
    });
  }
  const { rows: events } = await sql<{ id: number; prev_sha256: string; chain_sha256: string; canonical: string }>`
    select e.id, e.prev_sha256, e.chain_sha256,
      concat_ws('|', e.id::text, e.case_id::text, coalesce(e.observation_id::text, ''), e.kind,
        to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.detail::text) as canonical
    from case_events e where e.case_id = ${caseId} order by e.chain_seq`.execute(db);
  for (const e of events)
    if (caseEventLink(e.prev_sha256, e.canonical) !== e.chain_sha256)
      problems.push(`audit event ${e.id}: does not match its chain hash (edited)`);
  return { evidence, events: events.length, problems };
}
