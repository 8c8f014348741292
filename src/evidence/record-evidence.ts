/**
 * Appends one evidence row inside the observation's transaction, linked into the hash
 * chain. The table lock serialises writers so two transactions can never chain onto the
 * same predecessor (which would fork the chain); it is held only for this short insert.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/tables.js';
import type { PreparedManifest } from './capture-evidence.js';
import { chainSha256, GENESIS_SHA256, type Manifest, manifestSha256, type ObservationFacts } from './manifest.js';

/** The stored observation in manifest form (verify-chain.ts compares the two). */
export function observationFacts(o: {
  id: number;
  captured_at: Date | string;
  status: string;
  amount_minor: number | null;
  currency: string | null;
  normalized_minor: number | null;
  map_minor: number | null;
}): ObservationFacts {
  return {
    id: Number(o.id),
    captured_at: new Date(o.captured_at).toISOString(),
    status: o.status,
    amount_minor: o.amount_minor === null ? null : Number(o.amount_minor),
    currency: o.currency,
    normalized_minor: o.normalized_minor === null ? null : Number(o.normalized_minor),
    map_minor: o.map_minor === null ? null : Number(o.map_minor),
  };
}

export interface EvidenceRef {
  /** Null: the read changed no case and is kept as a finding's evidence (record-finding-evidence.ts). */
  caseId: number | null;
  observationId: number;
  recheck: Manifest['recheck'];
}

export async function recordEvidence(
  trx: Transaction<Database> | Kysely<Database>,
  ref: EvidenceRef,
  prepared: PreparedManifest,
): Promise<{ id: number; chainSha256: string }> {
  const obs = await trx
    .selectFrom('observations')
    .select(['id', 'captured_at', 'status', 'amount_minor', 'currency', 'normalized_minor', 'map_minor'])
    .where('id', '=', ref.observationId)
    .executeTakeFirstOrThrow();
  const manifest: Manifest = {
    ...prepared,
    case_id: ref.caseId,
    observation_id: ref.observationId,
    recheck: ref.recheck,
    observation: observationFacts(obs),
  };
  await sql`lock table ${sql.table('evidence')} in exclusive mode`.execute(trx);
  const last = await trx
    .selectFrom('evidence')
    .select('chain_sha256')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const prev = last?.chain_sha256 ?? GENESIS_SHA256;
  const mSha = manifestSha256(manifest);
  const chain = chainSha256(prev, mSha);
  const row = await trx
    .insertInto('evidence')
    .values({
      case_id: ref.caseId,
      observation_id: ref.observationId,
      captured_at: manifest.captured_at,
      manifest_sha256: mSha,
      prev_sha256: prev,
      chain_sha256: chain,
      storage_keys: manifest.files.map((f) => f.key),
      manifest: JSON.stringify(manifest),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, chainSha256: chain };
}
