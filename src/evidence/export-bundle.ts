/**
 * `mapwatch evidence export --case N --out FILE.zip`: every evidence row of the case, its
 * manifest and files, the chain hashes, the summary HTML and the price-history chart
 * (`chart.svg`), each capture's WARC also packaged as a WACZ (`captures/evidence-N.wacz`,
 * write-wacz.ts) that replays in standard players, plus an index of the SHA-256 of every
 * file in the zip so `verify` can tell an altered or missing file by name. With the
 * organisation's key (and a TSA), every WACZ manifest and the index are signed (and
 * timestamped): `index-digest.json` seals the index as `datapackage-digest.json` seals a WACZ.
 * A file the store no longer has is left out and reported in `missing`: the caller must
 * not present such a bundle as complete.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { UserError } from '../errors.js';
import { loadCaseEvidence, renderCaseSummary } from './case-summary.js';
import { EvidenceChecksumError, sha256Hex, type EvidenceStore } from './evidence-store.js';
import { canonicalJson } from './manifest.js';
import { loadChartReads, priceHistorySvg } from './price-history-svg.js';
import { sealDigest, type SealOptions } from './sign-digest.js';
import { packageWacz } from './write-wacz.js';
import { loadCaseFacts } from '../cases/load-case-facts.js';

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
  /** WACZ packages written (one per capture with a WARC). */
  wacz: number;
  signed: boolean;
  timestamped: boolean;
}

export type ExportOptions = SealOptions;

export async function exportCaseBundle(
  db: Kysely<Database>,
  store: EvidenceStore,
  caseId: number,
  opts: ExportOptions = {},
): Promise<ExportedBundle> {
  const evidence = await loadCaseEvidence(db, caseId);
  const summary = await renderCaseSummary(db, caseId, { images: 'bundle' });
  const entries = new Map<string, Uint8Array>();
  entries.set('summary.html', strToU8(summary));
  const chain = [];
  const missing: MissingFile[] = [];
  let wacz = 0;
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
      // A missing file is exported as missing (verify will name it) rather than hiding the row;
      // so is one whose bytes changed in the store: the file the manifest names is gone either way.
      // (The stores refuse bytes that do not match their key, naming what they found.)
      let bytes: Buffer | null;
      let altered: string | undefined;
      try {
        bytes = await store.get(f.key);
      } catch (err) {
        if (!(err instanceof EvidenceChecksumError)) throw err;
        bytes = null;
        altered = err.actualSha256 ?? 'unknown';
      }
      if (bytes && sha256Hex(bytes) === f.sha256) entries.set(p, bytes);
      else {
        if (bytes) altered = sha256Hex(bytes);
        missing.push({ evidenceId: ev.id, role: f.role, path: p, key: f.key, ...(altered ? { altered } : {}) });
      }
    }
    const warc = ev.manifest.files.find((f) => f.role === 'warc');
    const warcBytes = warc && entries.get(bundlePathOf(warc));
    if (warcBytes) {
      const packaged = await packageWacz({ ...opts, evidenceId: ev.id, manifest: ev.manifest, warc: warcBytes });
      entries.set(`captures/evidence-${ev.id}.wacz`, packaged);
      wacz++;
    }
  }
  if (!evidence.length)
    throw new UserError(
      `case ${caseId}: no evidence was captured for this case (evidence is captured when a browser and an evidence store are available)`,
    );
  entries.set('chain.json', strToU8(JSON.stringify(chain, null, 2)));
  const [facts] = await loadCaseFacts(db, [caseId]);
  if (facts)
    entries.set(
      'chart.svg',
      strToU8(
        priceHistorySvg({
          title: `Case ${caseId}: ${facts.sku} at ${facts.resellerName}, price against the MAP`,
          currency: facts.currency,
          caseMapMinor: facts.mapMinor,
          reads: await loadChartReads(db, facts),
          withEvidence: new Set(evidence.map((ev) => ev.observation_id)),
        }),
      ),
    );
  const index: BundleIndex = {
    format: 'mapwatch-evidence-bundle/1',
    case_id: caseId,
    created_at: new Date().toISOString(),
    files: Object.fromEntries([...entries].map(([p, b]) => [p, sha256Hex(b)])),
  };
  const zippable: Zippable = {};
  // PNGs and WACZs are stored: already compressed, and a stored WACZ can be read in place (verify, players).
  for (const [p, b] of entries) zippable[p] = [b, { level: p.endsWith('.png') || p.endsWith('.wacz') ? 0 : 6 }];
  const indexBytes = strToU8(JSON.stringify(index, null, 2));
  zippable['index.json'] = indexBytes;
  const sealed = opts.signer || opts.timestamper;
  if (sealed)
    zippable['index-digest.json'] = strToU8(
      JSON.stringify(await sealDigest({ ...opts, path: 'index.json', bytes: indexBytes }), null, 2),
    );
  return {
    zip: zipSync(zippable, { mtime: new Date('2000-01-01T00:00:00Z') }),
    evidence: evidence.length,
    files: entries.size,
    missing,
    wacz,
    signed: !!opts.signer,
    timestamped: !!opts.timestamper,
  };
}
