/**
 * `mapwatch evidence verify FILE.zip`: recomputes the SHA-256 of every file in a bundle
 * and checks it against the index, every manifest against its recorded hash and chain
 * link, and every file a manifest names. Reports each altered, missing or unexpected file.
 *
 * The zip is streamed: each entry is hashed as it inflates and only the small JSON entries
 * (index, chain, manifests) are kept, so memory stays flat whatever the bundle holds (it
 * used to inflate everything at once: 4.4 GB for a 21 MB zip). A bundle proves itself
 * consistent only; verify-bundle-db.ts checks it against the database chain.
 *
 * Each `captures/*.wacz` is checked in place as a WACZ (verify-wacz.ts), and the signatures
 * and RFC 3161 timestamps on the WACZ manifests and on the index (`index-digest.json`) are
 * checked offline: against the given public key and TSA certificates when there are any.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { strFromU8 } from 'fflate';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { bundlePathOf } from './export-bundle.js';
import { chainSha256, manifestSchema, manifestSha256 } from './manifest.js';
import {
  bufferSource,
  fileSource,
  forEachZipEntry,
  readEntryBytes,
  storedEntrySource,
  ZipFormatError,
  type ZipSource,
} from './read-zip.js';
import { checkDigest, type CheckOptions } from './sign-digest.js';
import { verifyWacz } from './verify-wacz.js';

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
export type BundleLink = z.infer<typeof chainSchema>[number];

export interface BundleReport {
  caseId: number | null;
  files: number;
  manifests: number;
  problems: string[];
  /** What was proven beyond the hashes: who signed, when it was timestamped. */
  notes: string[];
  /** WACZ packages checked. */
  wacz: number;
  /** The chain links the bundle claims (chain.json), for the check against the database. */
  links: BundleLink[];
}

/** JSON entries are kept to be parsed; anything this big is not one mapwatch wrote. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** A WACZ someone re-deflated inside the bundle is inflated to be checked, up to this size. */
const MAX_INFLATED_WACZ = 512 * 1024 * 1024;
const isJsonEntry = (p: string) =>
  p === 'index.json' || p === 'index-digest.json' || p === 'chain.json' || /^manifests\/[^/]+\.json$/.test(p);

interface Entries {
  sha: Map<string, string>;
  json: Map<string, Uint8Array | 'too_big'>;
  errors: string[];
}

/** Hashes every entry as it inflates; keeps only the small JSON entries. */
function readEntries(src: ZipSource, name: string): Entries {
  const out: Entries = { sha: new Map(), json: new Map(), errors: [] };
  try {
    forEachZipEntry(src, (entryName) => {
      const entry = { name: entryName };
      const hash = createHash('sha256');
      const keep = isJsonEntry(entry.name);
      const parts: Uint8Array[] = [];
      let kept = 0;
      return {
        data(chunk) {
          hash.update(chunk);
          if (keep && kept <= MAX_JSON_BYTES) {
            kept += chunk.length;
            parts.push(Uint8Array.prototype.slice.call(chunk));
          }
        },
        end() {
          out.sha.set(entry.name, hash.digest('hex'));
          if (keep) out.json.set(entry.name, kept > MAX_JSON_BYTES ? 'too_big' : Buffer.concat(parts));
        },
        error(message) {
          out.errors.push(`${entry.name}: ${message}`);
        },
      };
    });
  } catch (err) {
    if (err instanceof ZipFormatError) throw new UserError(`${name}: not a readable zip file (${err.message})`);
    throw err;
  }
  return out;
}

export function verifyBundle(zip: Uint8Array, name = 'bundle', opts: CheckOptions = {}): BundleReport {
  const src = bufferSource(zip);
  return check(readEntries(src, name), src, opts);
}

/** Reads the file a megabyte at a time: memory does not grow with the bundle. */
export function verifyBundleFile(file: string, opts: CheckOptions = {}): BundleReport {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new UserError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const src = fileSource(fd);
    return check(readEntries(src, file), src, opts);
  } finally {
    fs.closeSync(fd);
  }
}

/** A standalone WACZ (`mapwatch evidence verify FILE.wacz`). */
export function verifyWaczFile(file: string, opts: CheckOptions = {}) {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new UserError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return verifyWacz(fileSource(fd), { ...opts, where: file });
  } finally {
    fs.closeSync(fd);
  }
}

function check(entries: Entries, src: ZipSource, opts: CheckOptions): BundleReport {
  const problems: string[] = [...entries.errors];
  const notes: string[] = [];
  const json = (p: string): unknown => {
    const b = entries.json.get(p);
    if (b === undefined) return undefined;
    if (b === 'too_big') {
      problems.push(`${p}: larger than ${MAX_JSON_BYTES} bytes, not a mapwatch manifest`);
      return undefined;
    }
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
      notes,
      wacz: 0,
      links: [],
    };
  }
  for (const [p, sha] of Object.entries(index.data.files)) {
    const got = entries.sha.get(p);
    if (!got) problems.push(`${p}: missing`);
    else if (got !== sha) problems.push(`${p}: altered (sha256 ${got}, expected ${sha})`);
  }
  for (const p of entries.sha.keys()) {
    if (p !== 'index.json' && p !== 'index-digest.json' && !(p in index.data.files) && !p.endsWith('/'))
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
      const got = entries.sha.get(fp);
      if (!got) {
        if (!problems.some((x) => x.startsWith(fp))) problems.push(`${fp}: missing (${f.role} of evidence ${link.id})`);
      } else if (got !== f.sha256) {
        if (!problems.some((x) => x.startsWith(fp))) problems.push(`${fp}: altered (${f.role} of evidence ${link.id})`);
      }
    }
  }
  let wacz = 0;
  for (const p of entries.sha.keys()) {
    if (!/^captures\/[^/]+\.wacz$/.test(p)) continue;
    // Stored (as export writes it): read in place. Re-zipped with deflate by someone: inflated into memory.
    const bytes = storedEntrySource(src, p) ? null : readEntryBytes(src, p, MAX_INFLATED_WACZ);
    const inner = storedEntrySource(src, p) ?? (bytes && bufferSource(bytes));
    if (!inner) {
      problems.push(`${p}: cannot be read (damaged, or over ${MAX_INFLATED_WACZ} bytes deflated inside the bundle)`);
      continue;
    }
    wacz++;
    const r = verifyWacz(inner, { ...opts, where: p });
    problems.push(...r.problems);
    notes.push(...r.notes);
  }
  if (entries.json.has('index-digest.json')) {
    const r = checkDigest(json('index-digest.json'), {
      ...opts,
      where: 'index-digest.json',
      sha256: entries.sha.get('index.json'),
    });
    problems.push(...r.problems);
    notes.push(...r.notes);
  } else if (opts.publicKey || opts.tsaTrust?.length)
    problems.push('index-digest.json: missing (the bundle index is not signed or timestamped)');
  else notes.push('index-digest.json: none (the bundle index is not signed)');
  return {
    caseId: index.data.case_id,
    files: Object.keys(index.data.files).length,
    manifests,
    problems,
    notes,
    wacz,
    links: chain.success ? chain.data : [],
  };
}
