/**
 * `mapwatch evidence verify FILE.zip`: recomputes the SHA-256 of every file in a bundle
 * and checks it against the index, every manifest against its recorded hash and chain
 * link, and every file a manifest names. Reports each altered, missing or unexpected file.
 */
import { strFromU8, unzipSync } from 'fflate';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { sha256Hex } from './evidence-store.js';
import { bundlePathOf } from './export-bundle.js';
import { chainSha256, manifestSchema, manifestSha256 } from './manifest.js';

const indexSchema = z.object({
  format: z.literal('mapwatch-evidence-bundle/1'),
  case_id: z.number(),
  files: z.record(z.string(), z.string()),
});
const chainSchema = z.array(
  z.object({
    id: z.number(),
    observation_id: z.number(),
    manifest_sha256: z.string(),
    prev_sha256: z.string(),
    chain_sha256: z.string(),
  }),
);

export interface BundleReport {
  caseId: number | null;
  files: number;
  manifests: number;
  problems: string[];
}

export function verifyBundle(zip: Uint8Array, name = 'bundle'): BundleReport {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (err) {
    throw new UserError(`${name}: not a readable zip file (${(err as Error).message})`);
  }
  const problems: string[] = [];
  const json = (p: string): unknown => {
    const b = entries[p];
    if (!b) return undefined;
    try {
      return JSON.parse(strFromU8(b));
    } catch {
      problems.push(`${p}: not valid JSON`);
      return undefined;
    }
  };
  const index = indexSchema.safeParse(json('index.json'));
  if (!index.success) {
    return {
      caseId: null,
      files: 0,
      manifests: 0,
      problems: [...problems, 'index.json: missing or not a mapwatch evidence bundle index'],
    };
  }
  for (const [p, sha] of Object.entries(index.data.files)) {
    const b = entries[p];
    if (!b) problems.push(`${p}: missing`);
    else if (sha256Hex(b) !== sha) problems.push(`${p}: altered (sha256 ${sha256Hex(b)}, expected ${sha})`);
  }
  for (const p of Object.keys(entries)) {
    if (p !== 'index.json' && !(p in index.data.files) && !p.endsWith('/'))
      problems.push(`${p}: not listed in index.json`);
  }
  const chain = chainSchema.safeParse(json('chain.json'));
  if (!chain.success) problems.push('chain.json: missing or malformed');
  let manifests = 0;
  for (const link of chain.success ? chain.data : []) {
    const p = `manifests/evidence-${link.id}.json`;
    if (chainSha256(link.prev_sha256, link.manifest_sha256) !== link.chain_sha256)
      problems.push(`chain.json: evidence ${link.id}: chain_sha256 does not follow from prev and manifest hashes`);
    const raw = json(p);
    if (raw === undefined) {
      if (!problems.some((x) => x.startsWith(p))) problems.push(`${p}: missing`);
      continue;
    }
    manifests++;
    if (manifestSha256(raw) !== link.manifest_sha256)
      problems.push(`${p}: manifest altered (hash differs from the chain)`);
    const m = manifestSchema.safeParse(raw);
    if (!m.success) {
      problems.push(`${p}: not a valid manifest`);
      continue;
    }
    for (const f of m.data.files) {
      const fp = bundlePathOf(f);
      const b = entries[fp];
      if (!b) {
        if (!problems.some((x) => x.startsWith(fp))) problems.push(`${fp}: missing (${f.role} of evidence ${link.id})`);
      } else if (sha256Hex(b) !== f.sha256) {
        if (!problems.some((x) => x.startsWith(fp))) problems.push(`${fp}: altered (${f.role} of evidence ${link.id})`);
      }
    }
  }
  return { caseId: index.data.case_id, files: Object.keys(index.data.files).length, manifests, problems };
}
