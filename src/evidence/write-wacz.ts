/**
 * One capture as a WACZ 1.1.1 package, so it replays in standard web-archive players
 * (ReplayWeb.page) and any WACZ tool can check it: the capture's WARC byte for byte in
 * `archive/` (stored, not deflated, for range reads), a CDXJ index of its responses,
 * `pages/pages.jsonl` with the page that was read, `datapackage.json` with the SHA-256 and
 * size of every file, and `datapackage-digest.json` sealing that manifest (sign-digest.ts).
 * The WARC is the one the evidence manifest hashes, so both hashes name the same bytes.
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { CDXIndexer } from 'warcio';
import { VERSION } from '../version.js';
import type { Manifest } from './manifest.js';
import { sealDigest, type SealOptions } from './sign-digest.js';

export const WACZ_VERSION = '1.1.1';

interface CdxEntry {
  line: string;
  url: string;
  ts: string;
}

async function cdxjOf(warc: Uint8Array, filename: string): Promise<CdxEntry[]> {
  const indexer = new CDXIndexer({ format: 'cdxj' });
  const out: CdxEntry[] = [];
  for await (const r of indexer.iterIndex([
    {
      reader: (async function* () {
        yield warc;
      })(),
      filename,
    },
  ])) {
    // serializeCDXJ takes urlkey and timestamp out of the record: read them first.
    const url = String(r.url);
    const ts = String(r.timestamp);
    out.push({ line: indexer.serializeCDXJ(r).trimEnd(), url, ts });
  }
  return out.sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
}

/** CDX timestamp (YYYYMMDDhhmmss) as RFC 3339. */
const rfc3339 = (ts: string) =>
  `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}Z`;

export async function packageWacz(
  o: SealOptions & { evidenceId: number; manifest: Manifest; warc: Uint8Array; now?: Date },
): Promise<Uint8Array> {
  const m = o.manifest;
  const cdx = await cdxjOf(o.warc, 'data.warc');
  const pageUrl = m.final_url ?? m.requested_url;
  // The page is the read's document as recorded; fall back to the first response recorded.
  const hit = cdx.find((c) => c.url === pageUrl) ?? cdx.find((c) => c.url === m.requested_url) ?? cdx[0];
  const pages = [
    { format: 'json-pages-1.0', id: 'pages', title: 'All Pages' },
    {
      id: `evidence-${o.evidenceId}`,
      url: hit?.url ?? pageUrl,
      ts: hit ? rfc3339(hit.ts) : m.captured_at,
      title: `${m.reseller}: ${m.sku} (evidence ${o.evidenceId}, ${m.case_id === null ? 'finding' : `case ${m.case_id}`})`,
    },
  ];
  const files: [string, Uint8Array][] = [
    ['archive/data.warc', o.warc],
    ['indexes/index.cdxj', strToU8(cdx.map((c) => c.line + '\n').join(''))],
    ['pages/pages.jsonl', strToU8(pages.map((p) => JSON.stringify(p) + '\n').join(''))],
  ];
  const created = (o.now ?? new Date()).toISOString();
  const datapackage = {
    profile: 'data-package',
    wacz_version: WACZ_VERSION,
    title: `mapwatch evidence ${o.evidenceId}: ${m.reseller} ${m.sku}`,
    description: `The page mapwatch read at ${m.captured_at} ${m.case_id === null ? 'as evidence of a finding' : `for case ${m.case_id}`} (observation ${m.observation_id}).`,
    created,
    modified: created,
    software: `mapwatch ${VERSION}`,
    mainPageUrl: pages[1]!.url,
    mainPageDate: pages[1]!.ts,
    resources: files.map(([p, b]) => ({
      name: p.slice(p.lastIndexOf('/') + 1),
      path: p,
      hash: `sha256:${createHash('sha256').update(b).digest('hex')}`,
      bytes: b.length,
    })),
  };
  const dpBytes = strToU8(JSON.stringify(datapackage, null, 2));
  const digest = await sealDigest({ ...o, path: 'datapackage.json', bytes: dpBytes, now: o.now });
  const zip: Zippable = {};
  // WARC stored uncompressed so players can read a record by its CDX offset with a range request.
  for (const [p, b] of files) zip[p] = [b, { level: p.startsWith('archive/') ? 0 : 6 }];
  zip['datapackage.json'] = [dpBytes, { level: 6 }];
  zip['datapackage-digest.json'] = [strToU8(JSON.stringify(digest, null, 2)), { level: 6 }];
  return zipSync(zip, { mtime: new Date('2000-01-01T00:00:00Z') });
}
