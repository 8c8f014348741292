/**
 * Bundle size and export time per case (issue 14): a few cases with real evidence captured by
 * Chromium from a 127.0.0.1 storefront (two reads each: screenshots, DOM, WARC), then
 * `exportCaseBundle` for each case, timed over several runs. Run it on the commit before a
 * change and after it to compare (figures are printed, not asserted).
 *   node --import tsx bench/evidence-export.ts [CASES] [RUNS]
 * Needs PostgreSQL (tests/support/db.ts) and Chromium. BENCH_SIGN=1 exports with a fresh
 * signing key, BENCH_SIGN=tsa also timestamps with a local openssl TSA (after issue 14).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import * as exporter from '../src/evidence/export-bundle.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { openTestDb } from '../tests/support/db.js';
import { productPage, startServer } from '../tests/support/server.js';
import { tmpDir } from '../tests/support/tmp.js';

let closeTsa = async () => {};
const cases = Number(process.argv[2] ?? 3);
const runs = Number(process.argv[3] ?? 5);
const h = await openTestDb('postgres');
const pool = new BrowserPool();
const store = new LocalEvidenceStore(path.join(tmpDir(), 'evidence'));
// A product page of realistic weight: ~40 KB of markup around the offer.
const filler = Array.from(
  { length: 400 },
  (_, i) => `<p class="spec">Spec line ${i}: lorem ipsum dolor sit amet</p>`,
).join('');
const routes: Record<string, { body: string; headers?: Record<string, string> }> = {
  '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
};
const skus = Array.from({ length: cases }, (_, i) => `SKU${i}`);
for (const sku of skus)
  routes[`/p/${sku}`] = {
    body: productPage({ name: `Amp ${sku}`, price: '89.00' }).replace('</body>', `${filler}</body>`),
  };
const srv = await startServer(routes);
try {
  const catalog = tmpDir({
    'products.csv': `sku,name\n${skus.map((s) => `${s},Amp ${s}`).join('\n')}\n`,
    'resellers.csv': 'name\nBench Shop\n',
    'map.csv': `sku,currency,map,effective_from\n${skus.map((s) => `${s},USD,100.00,2020-01-01`).join('\n')}\n`,
  });
  await importProducts(h.db, path.join(catalog, 'products.csv'));
  await importResellers(h.db, path.join(catalog, 'resellers.csv'));
  await importMapPrices(h.db, path.join(catalog, 'map.csv'));
  const crawlers = tmpDir({
    'b.yaml': `reseller: Bench Shop\ndomain: "${srv.host}"\ncurrency: USD\nrate_limit: { concurrency: 2, delay_ms: 0 }\nlistings:\n${skus.map((s) => `  - { sku: ${s}, url: "${srv.origin}/p/${s}" }`).join('\n')}\n`,
  });
  const ctx = {
    db: h.db,
    policy: { ...loadPolicy({}), resolveAfter: 2 },
    browser: pool,
    evidence: store,
    recheckDelayMs: 50,
    fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
  };
  await crawlNow(ctx, loadSites(crawlers).sites);
  await crawlNow(ctx, loadSites(crawlers).sites);
  const ids = (await h.db.selectFrom('cases').select('id').orderBy('id').execute()).map((r) => r.id);
  const opts = process.env.BENCH_SIGN ? await signOpts() : undefined;
  const times: number[] = [];
  let bytes = 0;
  let evidence = 0;
  for (let r = 0; r < runs; r++)
    for (const id of ids) {
      const t = performance.now();
      const b = await (exporter.exportCaseBundle as (...a: unknown[]) => Promise<exporter.ExportedBundle>)(
        h.db,
        store,
        id,
        opts,
      );
      times.push(performance.now() - t);
      if (r === 0) {
        bytes += b.zip.length;
        evidence += b.evidence;
      }
    }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `evidence export: ${ids.length} case(s), ${evidence / ids.length} evidence record(s) each; ` +
      `bundle ${(bytes / ids.length / 1024).toFixed(1)} KiB per case; export ${median.toFixed(1)} ms per case (median of ${times.length}, min ${times[0]!.toFixed(1)}, max ${times[times.length - 1]!.toFixed(1)})`,
  );
} finally {
  await closeTsa();
  await pool.close();
  await srv.close();
  await h.close();
}

/** A fresh key, and with BENCH_SIGN=tsa the local openssl TSA of the tests (one request per manifest). */
async function signOpts(): Promise<unknown> {
  const { createSigningKey } = await import('../src/evidence/signing-key.js');
  if (process.env.BENCH_SIGN !== 'tsa') return { signer: createSigningKey() };
  const { startLocalTsa } = await import('../tests/support/local-tsa.js');
  const { httpTimestamper } = await import('../src/evidence/timestamp-token.js');
  const tsa = await startLocalTsa();
  closeTsa = tsa.close;
  return { signer: createSigningKey(), timestamper: httpTimestamper(tsa.url) };
}
