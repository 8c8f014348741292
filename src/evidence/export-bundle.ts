/**
 * `mapwatch evidence export --case N --out FILE.zip`: every evidence row of the case, its
 * manifest and files, the chain hashes, and the summary HTML, plus an index of the SHA-256
 * of every file in the zip so `verify` can tell an altered or missing file by name.
 * A file the store no longer has is left out and reported in `missing`: the caller must
 * not present such a bundle as complete.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { UserError } from '../errors.js';
import { loadCaseEvidence, renderCaseSummary } from './case-summary.js';
import { sha256Hex, type EvidenceStore } from './evidence-store.js';
import { canonicalJson } from './manifest.js';

export const EXT: Record<string, string> = {
  'image/png': 'png',
  'text/html; charset=utf-8': 'html',
  'application/warc': 'warc',
};

export function bundlePathOf(f: { sha256: string; mime: string }): string {
  return `files/${f.sha256}.${EXT[f.mime] ?? 'bin'}`;
}

export interface BundleIndex {
  format: 'mapwatch-evidence-bundle/1';
  case_id: number;
  created_at: string;
  files: Record<string, string>;
}

/** A file a manifest names that the evidence store could not produce. */
export interface MissingFile {
  evidenceId: number;
  role: string;
  /** Where it belongs in the bundle. */
  path: string;
  /** Its key in the evidence store. */
  key: string;
  /** Set when the store has bytes under the key but they hash to this, not to the manifest's SHA-256. */
  altered?: string;
}

export interface ExportedBundle {
  zip: Uint8Array;
  evidence: number;
  files: number;
  missing: MissingFile[];
}

export async function exportCaseBundle(
  db: Kysely<Database>,
  store: EvidenceStore,
  caseId: number,
): Promise<ExportedBundle> {
  const evidence = await loadCaseEvidence(db, caseId);
  const summary = await renderCaseSummary(db, caseId, { images: 'bundle' });
  const entries = new Map<string, Uint8Array>();
  entries.set('summary.html', strToU8(summary));
  const chain = [];
  const missing: MissingFile[] = [];
  for (const ev of evidence) {
    entries.set(`manifests/evidence-${ev.id}.json`, strToU8(canonicalJson(ev.manifest)));
    chain.push({
      id: ev.id,
      observation_id: ev.observation_id,
      manifest_sha256: ev.manifest_sha256,
      prev_sha256: ev.prev_sha256,
      chain_sha256: ev.chain_sha256,
    });
    for (const f of ev.manifest.files) {
      const p = bundlePathOf(f);
      if (entries.has(p)) continue;
      const bytes = await store.get(f.key);
      // A missing file is exported as missing (verify will name it) rather than hiding the row;
      // so is one whose bytes changed in the store: the file the manifest names is gone either way.
      if (bytes && sha256Hex(bytes) === f.sha256) entries.set(p, bytes);
      else
        missing.push({
          evidenceId: ev.id,
          role: f.role,
          path: p,
          key: f.key,
          ...(bytes ? { altered: sha256Hex(bytes) } : {}),
        });
    }
  }
  if (!evidence.length)
    throw new UserError(
      `case ${caseId}: no evidence was captured for this case (evidence is captured when a browser and an evidence store are available)`,
    );
  entries.set('chain.json', strToU8(JSON.stringify(chain, null, 2)));
  const index: BundleIndex = {
    format: 'mapwatch-evidence-bundle/1',
    case_id: caseId,
    created_at: new Date().toISOString(),
    files: Object.fromEntries([...entries].map(([p, b]) => [p, sha256Hex(b)])),
  };
  const zippable: Zippable = {};
  for (const [p, b] of entries) zippable[p] = [b, { level: p.endsWith('.png') ? 0 : 6 }];
  zippable['index.json'] = strToU8(JSON.stringify(index, null, 2));
  return {
    zip: zipSync(zippable, { mtime: new Date('2000-01-01T00:00:00Z') }),
    evidence: evidence.length,
    files: entries.size,
    missing,
  };
}
