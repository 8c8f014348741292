/**
 * A WACZ 1.1.1 validator written to the spec, streamed like the bundle check (read-zip.ts):
 * - `datapackage.json`: profile `data-package`, `wacz_version`, and for every resource a
 *   path that exists with that `sha256:` hash and byte count; every other file listed;
 * - `pages/pages.jsonl`: JSON lines, each page with a `url` and an RFC 3339 `ts` (an
 *   optional first line with `format` is the header);
 * - at least one WARC in `archive/` and a CDXJ index in `indexes/` whose every line points
 *   inside its WARC; every page is in the index (else it does not replay);
 * - `datapackage-digest.json`: the hash of datapackage.json, then signature and timestamp
 *   (sign-digest.ts).
 * Problems are prefixed with `where` (e.g. the WACZ's path inside a bundle).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { forEachZipEntry, ZipFormatError, type ZipSource } from './read-zip.js';
import { checkDigest, type CheckOptions } from './sign-digest.js';

const MAX_TEXT_BYTES = 16 * 1024 * 1024;

const datapackageSchema = z.object({
  profile: z.literal('data-package'),
  wacz_version: z.string(),
  resources: z.array(
    z.object({
      name: z.string().optional(),
      path: z.string(),
      hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>'),
      bytes: z.number().int().nonnegative(),
    }),
  ),
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const pageSchema = z.object({
  url: z.string().refine((u) => URL.canParse(u), 'not a URL'),
  ts: z.string().regex(RFC3339, 'not an RFC 3339 date-time'),
  title: z.string().optional(),
  id: z.string().optional(),
  text: z.string().optional(),
  size: z.number().int().optional(),
});

const keepText = (p: string) =>
  p === 'datapackage.json' ||
  p === 'datapackage-digest.json' ||
  /^pages\/[^/]+\.jsonl$/.test(p) ||
  /^indexes\/[^/]+\.cdxj?$/.test(p);

export interface WaczReport {
  problems: string[];
  notes: string[];
  pages: number;
  signed: boolean;
}

export function verifyWacz(src: ZipSource, o: CheckOptions & { where: string }): WaczReport {
  const w = o.where;
  const out: WaczReport = { problems: [], notes: [], pages: 0, signed: false };
  const sha = new Map<string, { hash: string; bytes: number }>();
  const text = new Map<string, string>();
  try {
    forEachZipEntry(src, (name) => {
      const hash = createHash('sha256');
      const parts: Uint8Array[] = [];
      let bytes = 0;
      return {
        data(chunk) {
          hash.update(chunk);
          bytes += chunk.length;
          if (keepText(name) && bytes <= MAX_TEXT_BYTES) parts.push(Uint8Array.prototype.slice.call(chunk));
        },
        end() {
          sha.set(name, { hash: hash.digest('hex'), bytes });
          if (keepText(name)) {
            if (bytes > MAX_TEXT_BYTES) out.problems.push(`${w}: ${name} is larger than ${MAX_TEXT_BYTES} bytes`);
            else text.set(name, Buffer.concat(parts).toString('utf8'));
          }
        },
        error(message) {
          out.problems.push(`${w}: ${name}: ${message}`);
        },
      };
    });
  } catch (err) {
    if (err instanceof ZipFormatError) {
      out.problems.push(`${w}: not a readable zip (${err.message})`);
      return out;
    }
    throw err;
  }
  const json = (p: string): unknown => {
    const t = text.get(p);
    if (t === undefined) return undefined;
    try {
      return JSON.parse(t);
    } catch {
      out.problems.push(`${w}: ${p} is not valid JSON`);
      return null;
    }
  };

  const dp = datapackageSchema.safeParse(json('datapackage.json'));
  if (!text.has('datapackage.json')) out.problems.push(`${w}: datapackage.json is missing`);
  else if (!dp.success)
    out.problems.push(
      `${w}: datapackage.json: ${dp.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  else {
    if (dp.data.wacz_version !== '1.1.1')
      out.problems.push(`${w}: datapackage.json: wacz_version ${dp.data.wacz_version}, expected 1.1.1`);
    const listed = new Set<string>();
    for (const r of dp.data.resources) {
      listed.add(r.path);
      const got = sha.get(r.path);
      if (!got) out.problems.push(`${w}: ${r.path}: listed in datapackage.json but missing`);
      else if (`sha256:${got.hash}` !== r.hash || got.bytes !== r.bytes)
        out.problems.push(`${w}: ${r.path}: altered (hash or size differs from datapackage.json)`);
    }
    for (const p of sha.keys())
      if (!listed.has(p) && p !== 'datapackage.json' && p !== 'datapackage-digest.json' && !p.endsWith('/'))
        out.problems.push(`${w}: ${p}: not listed in datapackage.json`);
  }

  const warcs = [...sha.keys()].filter((p) => /^archive\/[^/]+\.warc(\.gz)?$/.test(p));
  if (!warcs.length) out.problems.push(`${w}: archive/ holds no .warc or .warc.gz file`);
  const indexes = [...text.keys()].filter((p) => p.startsWith('indexes/'));
  if (!indexes.length && ![...sha.keys()].some((p) => /^indexes\/[^/]+\.cdxj?\.gz$/.test(p)))
    out.problems.push(`${w}: indexes/ holds no CDXJ index`);
  const indexed = new Set<string>();
  for (const p of indexes) {
    text
      .get(p)!
      .split('\n')
      .filter(Boolean)
      .forEach((line, i) => {
        const m = /^(\S+) (\d{14}) (\{.*\})$/.exec(line);
        let f: { url?: string; offset?: string | number; length?: string | number; filename?: string } = {};
        try {
          if (m) f = JSON.parse(m[3]!);
        } catch {
          /* reported below */
        }
        const size = sha.get(`archive/${f.filename}`)?.bytes;
        if (!m || !f.url || size === undefined || Number(f.offset) + Number(f.length) > size)
          out.problems.push(`${w}: ${p} line ${i + 1}: not a CDXJ line pointing into a WARC in archive/`);
        else indexed.add(f.url);
      });
  }

  const pagesText = text.get('pages/pages.jsonl');
  if (pagesText === undefined) out.problems.push(`${w}: pages/pages.jsonl is missing`);
  else
    pagesText
      .split('\n')
      .filter((l) => l.trim())
      .forEach((line, i) => {
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          out.problems.push(`${w}: pages/pages.jsonl line ${i + 1}: not JSON`);
          return;
        }
        if (i === 0 && v && typeof v === 'object' && 'format' in v) return; // the header line
        const page = pageSchema.safeParse(v);
        if (!page.success)
          out.problems.push(
            `${w}: pages/pages.jsonl line ${i + 1}: ${page.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`,
          );
        else {
          out.pages++;
          if (indexes.length && !indexed.has(page.data.url))
            out.problems.push(`${w}: pages/pages.jsonl line ${i + 1}: ${page.data.url} is not in the index`);
        }
      });

  const digest = json('datapackage-digest.json');
  if (digest === undefined)
    (o.publicKey ? out.problems : out.notes).push(`${w}: no datapackage-digest.json (unsigned)`);
  else if (digest !== null) {
    const r = checkDigest(digest, {
      ...o,
      where: `${w}: datapackage-digest.json`,
      sha256: sha.get('datapackage.json')?.hash,
    });
    out.problems.push(...r.problems);
    out.notes.push(...r.notes);
    out.signed = typeof digest === 'object' && 'signedData' in digest;
  }
  return out;
}
