/**
 * Browser benchmark on local fixture pages (127.0.0.1): pages/s and peak RSS of the
 * Chromium process tree at 1, 2 and 4 concurrent pages; extraction-only vs extraction with
 * evidence capture; and the time and bytes of evidence per case. Each figure is printed
 * beside its baseline from the same run (1 concurrent page; extraction only).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { renderPage } from '../src/fetch/browser/render-page.js';
import { captureEvidence } from '../src/evidence/capture-evidence.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { treeRssMiB } from './support/measure.js';

const PAGE = (
  i: number,
) => `<!doctype html><html><head><title>p${i}</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Bench ${i}","offers":{"@type":"Offer","price":"${89 + (i % 10)}.00","priceCurrency":"USD"}}</script></head>
<body><h1>Bench product ${i}</h1><img src="/img.png" width="400" height="300"><p>${'Lorem ipsum dolor sit amet. '.repeat(200)}</p><span class="price">$${89 + (i % 10)}.00</span></body></html>`;
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1d0e1f40000000049454e44ae426082',
  'hex',
);

export async function runBrowserBench(seconds: number): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url === '/img.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    const i = Number(/\d+/.exec(req.url ?? '')?.[0] ?? 0);
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(i));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const site = { currency: 'USD', locale: 'en-US', headers: {}, selectors: undefined, user_agent: undefined } as const;
  const lines: string[] = ['browser (Chromium, local fixture pages)'];
  const pool = new BrowserPool({ maxContexts: 4 });
  try {
    await renderPage(pool, `${origin}/warmup`, { mode: 'extract', site, allowPrivate: ['127.0.0.1'] });
    let base = 0;
    for (const conc of [1, 2, 4]) {
      let n = 0;
      let peak = 0;
      const end = Date.now() + seconds * 1000;
      const sampler = setInterval(() => (peak = Math.max(peak, treeRssMiB())), 200);
      await Promise.all(
        Array.from({ length: conc }, async () => {
          while (Date.now() < end) {
            const r = await renderPage(pool, `${origin}/p/${n++}`, {
              mode: 'extract',
              site,
              allowPrivate: ['127.0.0.1'],
            });
            if (r.fetch.status !== 'ok') throw new Error(r.fetch.reason);
          }
        }),
      );
      clearInterval(sampler);
      const rate = n / seconds;
      if (conc === 1) base = rate;
      lines.push(
        `  extract, ${conc} concurrent: ${rate.toFixed(1)} pages/s (${(rate / base).toFixed(2)}x of 1 concurrent), peak RSS ${peak.toFixed(0)} MiB, ${(peak / conc).toFixed(0)} MiB per concurrent page`,
      );
    }
    const store = new LocalEvidenceStore(fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-ev-')));
    const pages = Math.max(5, Math.round(seconds * 2));
    const t0 = performance.now();
    for (let i = 0; i < pages; i++)
      await renderPage(pool, `${origin}/e/${i}`, { mode: 'extract', site, allowPrivate: ['127.0.0.1'] });
    const extractMs = (performance.now() - t0) / pages;
    let bytes = 0;
    const t1 = performance.now();
    for (let i = 0; i < pages; i++) {
      const r = await renderPage(pool, `${origin}/c/${i}`, { mode: 'capture', site, allowPrivate: ['127.0.0.1'] });
      const draft = {
        capturedAt: new Date(),
        status: 'ok' as const,
        reason: null,
        offer: null,
        amountMinor: 8900,
        currency: 'USD',
        httpStatus: 200,
        finalUrl: r.fetch.finalUrl,
        contentSha256: null,
        retryable: false,
      };
      const m = await captureEvidence({
        store,
        browser: pool,
        listing: { listingId: i, site: 'bench', reseller: 'bench', sku: 'B' },
        capture: {
          render: 'browser',
          requestedUrl: r.fetch.requestedUrl,
          fetch: r.fetch,
          userAgent: r.userAgent,
          tls: r.tls,
          exchanges: r.exchanges,
          page: r.capture,
        },
        draft,
        verdict: null,
        findings: [],
      });
      bytes += m.files.reduce((s, f) => s + f.size, 0);
    }
    const captureMs = (performance.now() - t1) / pages;
    lines.push(`  extraction only: ${extractMs.toFixed(0)} ms/page (baseline)`);
    lines.push(
      `  extraction + evidence (screenshots, annotated copy, DOM, WARC): ${captureMs.toFixed(0)} ms/page (${(captureMs / extractMs).toFixed(1)}x)`,
    );
    lines.push(
      `  evidence per case read: ${captureMs.toFixed(0)} ms, ${(bytes / pages / 1024).toFixed(0)} KiB (${pages} reads)`,
    );
  } finally {
    await pool.close();
    server.close();
  }
  return lines.join('\n');
}
