/**
 * A WARC 1.1 file of a page's HTTP exchanges (warcio.js): one warcinfo record, then a
 * request and a response record per exchange, so the page can be replayed later.
 */
import { WARCRecord, WARCSerializer } from 'warcio';
import type { Exchange } from '../fetch/browser/render-page.js';
import { VERSION } from '../version.js';

function httpVersionOf(headers: Record<string, string>): string {
  return headers[':status'] ? 'HTTP/2' : 'HTTP/1.1';
}

/** Headers warcio can carry: no HTTP/2 pseudo-headers, no control characters. */
function clean(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers)
    .filter(([k]) => !k.startsWith(':'))
    .map(([k, v]) => [k, String(v).replace(/[\r\n]+/g, ' ')] as [string, string]);
}

export async function writeWarc(exchanges: readonly Exchange[], info: { filename?: string } = {}): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const warcinfo = WARCRecord.createWARCInfo(
    { filename: info.filename ?? 'page.warc', warcVersion: 'WARC/1.1' },
    { software: `mapwatch/${VERSION} (warcio.js)`, format: 'WARC File Format 1.1' },
  );
  parts.push(await WARCSerializer.serialize(warcinfo));
  for (const ex of exchanges) {
    const date = ex.at.toISOString();
    const u = new URL(ex.url);
    const request = WARCRecord.create(
      {
        url: ex.url,
        date,
        type: 'request',
        warcVersion: 'WARC/1.1',
        statusline: `${ex.method} ${u.pathname}${u.search} ${httpVersionOf(ex.requestHeaders)}`,
        httpHeaders: clean(ex.requestHeaders),
      },
      [],
    );
    parts.push(await WARCSerializer.serialize(request));
    const body = ex.body ?? new Uint8Array();
    const response = WARCRecord.create(
      {
        url: ex.url,
        date,
        type: 'response',
        warcVersion: 'WARC/1.1',
        statusline: `HTTP/1.1 ${ex.status} ${ex.statusText || ''}`.trimEnd(),
        // The stored body is decoded; a Content-Encoding header would make replay decode it twice.
        httpHeaders: clean(ex.responseHeaders).filter(
          ([k]) => k.toLowerCase() !== 'content-encoding' && k.toLowerCase() !== 'transfer-encoding',
        ),
      },
      [body],
    );
    parts.push(await WARCSerializer.serialize(response));
  }
  return Buffer.concat(parts);
}
