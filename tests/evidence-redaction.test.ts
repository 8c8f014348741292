/**
 * A browser site with a login (a GET form, so the password lands in the URL), a session
 * cookie and a configured Authorization header. Its evidence (WARC, DOM, manifest) and the
 * exported bundle must hold none of those secrets, only their SHA-256, and the manifest
 * must list what was redacted.
 */
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { exportCaseBundle } from '../src/evidence/export-bundle.js';
import { manifestSchema } from '../src/evidence/manifest.js';
import { verifyBundle } from '../src/evidence/verify-bundle.js';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { sha256Of } from '../src/fetch/browser/redact-exchange.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { openTestDb } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const USER = 'alice.buyer@example.test';
const PASSWORD = 'Pw-9f3kQz x!7';
const COOKIE = 'ck7Hq2ZsecretCookieValue';
const TOKEN = 'tok_Z8xsecretHeaderValue';
const SECRETS = [USER, PASSWORD, COOKIE, TOKEN];

function leaks(text: string): string[] {
  return SECRETS.flatMap((s) =>
    [s, encodeURIComponent(s), encodeURIComponent(s).replace(/%20/g, '+')].filter((f) => text.includes(f)),
  );
}

describe('evidence of a login-step capture holds no credential (postgres)', () => {
  let h: DbHandle;
  let srv: TestServer;
  let pool: BrowserPool;
  let store: LocalEvidenceStore;
  let caseId: number;

  beforeAll(async () => {
    process.env.MAPWATCH_SITE_LOGINSHOP_USER = USER;
    process.env.MAPWATCH_SITE_LOGINSHOP_PASSWORD = PASSWORD;
    h = await openTestDb('postgres');
    pool = new BrowserPool();
    store = new LocalEvidenceStore(path.join(tmpDir(), 'evidence'));
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/login': {
        body: `<!doctype html><html><body><form action="/do-login" method="get">
          <input name="user"><input name="password" type="password"><button type="submit">Sign in</button>
          </form></body></html>`,
      },
      '/do-login': (req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        if (q.get('user') !== USER || q.get('password') !== PASSWORD) return void res.writeHead(403).end('no');
        res.writeHead(302, { location: '/account', 'set-cookie': `sess=${COOKIE}; Path=/; HttpOnly` }).end();
      },
      '/account': { body: '<!doctype html><html><body>Signed in</body></html>' },
      '/p/member': (req, res) => {
        const ok = (req.headers.cookie ?? '').includes(COOKIE) && req.headers.authorization === `Bearer ${TOKEN}`;
        if (!ok) return void res.writeHead(401, { 'content-type': 'text/html' }).end('<html>sign in first</html>');
        res.writeHead(200, { 'content-type': 'text/html' }).end(productPage({ name: 'Member Amp', price: '89.00' }));
      },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nMEM,Member Amp\n',
      'resellers.csv': 'name\nLogin Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nMEM,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    const crawlers = tmpDir({
      'loginshop.yaml': `reseller: Login Shop
domain: "${srv.host}"
currency: USD
render: browser
headers: { Authorization: "Bearer ${TOKEN}" }
rate_limit: { concurrency: 1, delay_ms: 0 }
browser:
  login:
    url: "${srv.origin}/login"
    steps:
      - { fill: "input[name=user]", value_env: MAPWATCH_SITE_LOGINSHOP_USER }
      - { fill: "input[name=password]", value_env: MAPWATCH_SITE_LOGINSHOP_PASSWORD }
      - { click: "button[type=submit]" }
listings:
  - { sku: MEM, url: "${srv.origin}/p/member" }
`,
    });
    const summary = await crawlNow(
      {
        db: h.db,
        policy: { ...loadPolicy({}), resolveAfter: 2 },
        browser: pool,
        evidence: store,
        recheckDelayMs: 50,
        fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
      },
      loadSites(crawlers).sites,
    );
    expect(summary.results[0]!.outcome.action).toBe('opened');
    caseId = (summary.results[0]!.outcome as { caseId: number }).caseId;
  }, 120_000);

  afterAll(async () => {
    delete process.env.MAPWATCH_SITE_LOGINSHOP_USER;
    delete process.env.MAPWATCH_SITE_LOGINSHOP_PASSWORD;
    await pool?.close();
    await srv?.close();
    await h?.close();
  });

  it('stores no secret in any evidence file or manifest, and lists each redaction with its hash', async () => {
    const rows = await h.db.selectFrom('evidence').selectAll().where('case_id', '=', caseId).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const m = manifestSchema.parse(row.manifest);
      expect(leaks(JSON.stringify(row.manifest))).toEqual([]);
      const warc = m.files.find((f) => f.role === 'warc');
      expect(warc).toBeDefined();
      for (const f of m.files) {
        const bytes = (await store.get(f.key))!;
        expect(leaks(Buffer.from(bytes).toString('latin1')), `${f.role} of evidence ${row.id}`).toEqual([]);
      }
      const warcText = Buffer.from((await store.get(warc!.key))!).toString('latin1');
      // The login exchange is in the WARC, with the password replaced by its hash.
      expect(warcText).toContain('/do-login?user=');
      expect(warcText).toContain(`REDACTED-sha256-${sha256Of(PASSWORD)}`);
      const hashes = new Map((m.redactions ?? []).map((r) => [r.sha256, r.where]));
      expect(hashes.get(sha256Of(PASSWORD))).toBe('url query parameter password');
      expect(hashes.get(sha256Of(`Bearer ${TOKEN}`))).toBe('request header authorization');
      expect(hashes.get(sha256Of(`sess=${COOKIE}; Path=/; HttpOnly`))).toBe('response header set-cookie');
      expect(hashes.get(sha256Of(`sess=${COOKIE}`))).toBe('request header cookie');
      expect((m.redactions ?? []).every((r) => r.file === 'warc')).toBe(true);
    }
  });

  it('exports a bundle that verifies and holds no secret in any entry', async () => {
    const { zip } = await exportCaseBundle(h.db, store, caseId);
    expect(verifyBundle(zip).problems).toEqual([]);
    expect(leaks(Buffer.from(zip).toString('latin1'))).toEqual([]);
    for (const [name, bytes] of Object.entries(unzipSync(zip))) expect(leaks(strFromU8(bytes, true)), name).toEqual([]);
  });
});
