/**
 * `mapwatch evidence export` must never present an incomplete bundle as complete: when the
 * evidence store lacks a file a manifest names, the bundle is still written (partial evidence
 * is worth keeping) but the command names every missing file and exits non-zero. A file whose
 * bytes changed in the store counts as missing too: the file the manifest names is gone.
 * Static reads (no browser) keep the DOM and the WARC as evidence, which is all this needs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { evidenceDir } from '../src/evidence/default-store.js';
import { LocalEvidenceStore, sha256Hex } from '../src/evidence/evidence-store.js';
import { manifestSchema } from '../src/evidence/manifest.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { openTestDb, POSTGRES_URL } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('evidence export of an incomplete bundle', { timeout: 120_000 }, () => {
  let h: DbHandle;
  let srv: TestServer;
  let dataDir: string;
  let caseId: number;

  const mapwatch = (args: string[], data = dataDir) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: POSTGRES_URL,
        MAPWATCH_DB_SCHEMA: h.schema,
        MAPWATCH_DATA_DIR: data,
        MAPWATCH_DEBUG: '',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    h = await openTestDb('postgres');
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/alpha': { body: productPage({ name: 'Alpha Headphones', price: '89.00' }) },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nALPHA,Alpha Headphones\n',
      'resellers.csv': 'name\nTest Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nALPHA,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    const crawlers = tmpDir({
      'test-shop.yaml': `reseller: Test Shop
domain: "${srv.host}"
currency: USD
rate_limit: { concurrency: 1, delay_ms: 0 }
recheck: { delay_ms: 10 }
listings:
  - { sku: ALPHA, url: "${srv.origin}/p/alpha" }
`,
    });
    dataDir = tmpDir();
    const summary = await crawlNow(
      {
        db: h.db,
        policy: loadPolicy({}),
        evidence: new LocalEvidenceStore(evidenceDir(dataDir)),
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
      },
      loadSites(crawlers).sites,
    );
    expect(summary.cases.opened).toBe(1);
    caseId = (await h.db.selectFrom('cases').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('exits 0 for a complete bundle', () => {
    const out = path.join(dataDir, 'complete.zip');
    const r = mapwatch(['evidence', 'export', '--case', String(caseId), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Wrote .*complete\.zip: case \d+, \d+ evidence record\(s\)/);
  });

  it('names every missing file and exits non-zero', async () => {
    const ev = await h.db.selectFrom('evidence').select(['id', 'manifest']).orderBy('id').execute();
    const files = ev.flatMap((e) => manifestSchema.parse(e.manifest).files.map((f) => ({ id: e.id, ...f })));
    const warc = files.find((f) => f.role === 'warc')!;
    fs.rmSync(path.join(evidenceDir(dataDir), warc.key));

    const out = path.join(dataDir, 'partial.zip');
    const r = mapwatch(['evidence', 'export', '--case', String(caseId), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/Wrote/);
    expect(r.stderr).toMatch(/INCOMPLETE bundle .*partial\.zip/);
    expect(r.stderr).toContain(`warc: files/${warc.sha256}.warc (store key ${warc.key})`);
    expect(r.stderr).toMatch(/1 file\(s\) missing/);
    // The partial bundle is kept, without the missing file.
    expect(Object.keys(unzipSync(fs.readFileSync(out)))).not.toContain(`files/${warc.sha256}.warc`);
  });

  it('names a file whose bytes changed in the store, leaves it out, and exits non-zero', async () => {
    const ev = await h.db.selectFrom('evidence').select(['id', 'manifest']).orderBy('id').execute();
    const dom = ev.flatMap((e) => manifestSchema.parse(e.manifest).files).find((f) => f.role === 'dom_html')!;
    const file = path.join(evidenceDir(dataDir), dom.key);
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, '<html>not what was read</html>');
    const out = path.join(dataDir, 'altered.zip');
    const r = mapwatch(['evidence', 'export', '--case', String(caseId), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/Wrote/);
    expect(r.stderr).toContain(
      `dom_html: files/${dom.sha256}.html (store key ${dom.key}: the store's copy is altered, sha256 ${sha256Hex('<html>not what was read</html>')})`,
    );
    expect(Object.keys(unzipSync(fs.readFileSync(out)))).not.toContain(`files/${dom.sha256}.html`);
  });

  it('says the store is absent when run without the data directory (the one-off Docker container)', () => {
    const elsewhere = tmpDir();
    const r = mapwatch(
      ['evidence', 'export', '--case', String(caseId), '--out', path.join(elsewhere, 'x.zip')],
      elsewhere,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist here: run the export where MAPWATCH_DATA_DIR holds/);
  });
});
