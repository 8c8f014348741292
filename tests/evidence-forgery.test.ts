/**
 * Evidence that can't be forged. A violation on a static site (no browser needed: the static
 * read is captured as DOM and WARC) is chained; then, as an attacker would:
 * - a bundle whose manifest amount is edited, with manifest, chain and index hashes
 *   recomputed, verifies on its own, but not against the database (nor through the CLI);
 * - TRUNCATE of evidence or case_events is refused;
 * - an edited observation amount, case lowest price or case event shows in verify --db.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMapPrices } from '../src/catalog/import-map-prices.js';
import { importProducts } from '../src/catalog/import-products.js';
import { importResellers } from '../src/catalog/import-resellers.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { chainHead } from '../src/evidence/chain-head.js';
import { LocalEvidenceStore, sha256Hex } from '../src/evidence/evidence-store.js';
import { exportCaseBundle } from '../src/evidence/export-bundle.js';
import { canonicalJson, chainSha256, manifestSchema, manifestSha256 } from '../src/evidence/manifest.js';
import { verifyBundle } from '../src/evidence/verify-bundle.js';
import { verifyBundleAgainstDb } from '../src/evidence/verify-bundle-db.js';
import { verifyChain } from '../src/evidence/verify-chain.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { BACKENDS, openTestDb, POSTGRES_URL } from './support/db.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Edits the amount in one manifest and recomputes every hash the bundle itself holds. */
function forge(zip: Uint8Array): Uint8Array {
  const entries = unzipSync(zip);
  const chain = JSON.parse(strFromU8(entries['chain.json']!)) as {
    id: number;
    manifest_sha256: string;
    prev_sha256: string;
    chain_sha256: string;
  }[];
  const target = chain[0]!;
  const name = `manifests/evidence-${target.id}.json`;
  const m = JSON.parse(strFromU8(entries[name]!));
  m.offer.amount_minor = 9900;
  m.offer.amount = '99.00';
  if (m.observation) m.observation.amount_minor = 9900;
  entries[name] = strToU8(canonicalJson(m));
  let prev = target.prev_sha256;
  for (const link of chain) {
    if (link.id === target.id) link.manifest_sha256 = manifestSha256(m);
    link.prev_sha256 = prev;
    link.chain_sha256 = chainSha256(prev, link.manifest_sha256);
    prev = link.chain_sha256;
  }
  entries['chain.json'] = strToU8(JSON.stringify(chain, null, 2));
  const index = JSON.parse(strFromU8(entries['index.json']!));
  for (const p of Object.keys(index.files)) index.files[p] = sha256Hex(entries[p]!);
  entries['index.json'] = strToU8(JSON.stringify(index, null, 2));
  return zipSync(entries);
}

describe.each(BACKENDS)('evidence that cannot be forged (%s)', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let store: LocalEvidenceStore;
  let dataDir: string;
  let caseId: number;

  beforeAll(async () => {
    h = await openTestDb(backend);
    dataDir = tmpDir();
    store = new LocalEvidenceStore(path.join(dataDir, 'evidence'));
    srv = await startServer({
      '/robots.txt': { body: 'User-agent: *\nAllow: /\n', headers: { 'content-type': 'text/plain' } },
      '/p/low': { body: productPage({ name: 'Forgery Amp', price: '89.00' }) },
    });
    const catalog = tmpDir({
      'products.csv': 'sku,name\nFRG,Forgery Amp\n',
      'resellers.csv': 'name\nForgery Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nFRG,USD,100.00,2020-01-01\n',
    });
    await importProducts(h.db, path.join(catalog, 'products.csv'));
    await importResellers(h.db, path.join(catalog, 'resellers.csv'));
    await importMapPrices(h.db, path.join(catalog, 'map.csv'));
    const crawlers = tmpDir({
      'f.yaml': `reseller: Forgery Shop\ndomain: "${srv.host}"\ncurrency: USD\nrate_limit: { concurrency: 1, delay_ms: 0 }\nlistings:\n  - { sku: FRG, url: "${srv.origin}/p/low" }\n`,
    });
    const crawl = () =>
      crawlNow(
        {
          db: h.db,
          policy: { ...loadPolicy({}), resolveAfter: 2 },
          evidence: store,
          recheckDelayMs: 10,
          fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 10_000 },
        },
        loadSites(crawlers).sites,
      );
    const first = await crawl();
    caseId = (first.results[0]!.outcome as { caseId: number }).caseId;
    await crawl();
    await crawl();
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('records each observation (amount, time) in its manifest, and the intact database verifies', async () => {
    const rows = await h.db.selectFrom('evidence').selectAll().orderBy('id').execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const m = manifestSchema.parse(rows[0]!.manifest);
    const obs = await h.db
      .selectFrom('observations')
      .selectAll()
      .where('id', '=', rows[0]!.observation_id)
      .executeTakeFirstOrThrow();
    expect(m.observation).toEqual({
      id: obs.id,
      captured_at: new Date(obs.captured_at).toISOString(),
      status: 'ok',
      amount_minor: 8900,
      currency: 'USD',
      normalized_minor: 8900,
      map_minor: 10000,
    });
    const report = await verifyChain(h.db, store);
    expect(report.problems).toEqual([]);
    expect(report.events).toBeGreaterThanOrEqual(3);
  });

  it('a forged bundle is consistent with itself, but not with the database chain', async () => {
    const { zip } = await exportCaseBundle(h.db, store, caseId);
    const genuine = verifyBundle(zip);
    expect(genuine.problems).toEqual([]);
    expect(await verifyBundleAgainstDb(h.db, genuine)).toEqual([]);
    const forged = verifyBundle(forge(zip));
    expect(forged.problems).toEqual([]); // all of its own hashes were recomputed
    const problems = await verifyBundleAgainstDb(h.db, forged, { head: (await chainHead(h.db))!.chainSha256 });
    expect(problems).toContainEqual(expect.stringMatching(/manifest hash differs from the database chain/));
  });

  // Skipped on the PGlite leg: the CLI runs as a separate process, and an in-memory PGlite
  // database cannot be opened by another process; the server leg covers the CLI path.
  it.runIf(backend === 'postgres')(
    '`evidence verify FILE --db --head` fails on the forged bundle',
    async () => {
      const { zip } = await exportCaseBundle(h.db, store, caseId);
      const dir = tmpDir();
      fs.writeFileSync(path.join(dir, 'genuine.zip'), zip);
      fs.writeFileSync(path.join(dir, 'forged.zip'), forge(zip));
      const head = (await chainHead(h.db))!.chainSha256;
      const run = (file: string) =>
        spawnSync(
          process.execPath,
          ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), 'evidence', 'verify', file, '--db', '--head', head],
          {
            cwd: ROOT,
            env: {
              ...process.env,
              DATABASE_URL: POSTGRES_URL,
              MAPWATCH_DB_SCHEMA: h.schema,
              MAPWATCH_DATA_DIR: dataDir,
            },
            encoding: 'utf8',
            timeout: 90_000,
          },
        );
      const ok = run(path.join(dir, 'genuine.zip'));
      expect(ok.stdout + ok.stderr).toMatch(/matches the chain/);
      expect(ok.status).toBe(0);
      const bad = run(path.join(dir, 'forged.zip'));
      expect(bad.stdout).toMatch(/FAIL .*forged\.zip: evidence \d+: manifest hash differs from the database chain/);
      expect(bad.status).toBe(1);
    },
    200_000,
  );

  it('refuses TRUNCATE of evidence and of case_events', async () => {
    await expect(sql`truncate evidence`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate case_events cascade`.execute(h.db)).rejects.toThrow(/append-only/);
    expect((await h.db.selectFrom('evidence').select('id').execute()).length).toBeGreaterThan(0);
  });

  // Each edit is undone afterwards (with triggers off, as the attacker had them), so the next starts clean.
  const asSuperuser = (fn: (c: DbHandle['db']) => Promise<unknown>) =>
    h.db.connection().execute(async (c) => {
      await sql`set session_replication_role = replica`.execute(c);
      try {
        await fn(c);
      } finally {
        await sql`set session_replication_role = origin`.execute(c);
      }
    });

  it('detects an edited observation amount', async () => {
    const ev = await h.db.selectFrom('evidence').select('observation_id').orderBy('id').executeTakeFirstOrThrow();
    await sql`update observations set amount_minor = 9900, normalized_minor = 9900 where id = ${ev.observation_id}`.execute(
      h.db,
    );
    const problems = (await verifyChain(h.db)).problems;
    await sql`update observations set amount_minor = 8900, normalized_minor = 8900 where id = ${ev.observation_id}`.execute(
      h.db,
    );
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`observation ${ev.observation_id}: differs from its evidence`)),
    );
    expect((await verifyChain(h.db)).problems).toEqual([]);
  });

  it('detects an edited lowest price of a case', async () => {
    await sql`update cases set lowest_minor = 9500 where id = ${caseId}`.execute(h.db);
    const problems = (await verifyChain(h.db)).problems;
    await sql`update cases set lowest_minor = 8900 where id = ${caseId}`.execute(h.db);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`case ${caseId}: lowest price 9500 differs`))]);
  });

  it('detects an edited, and a removed, case event', async () => {
    const first = await h.db.selectFrom('case_events').selectAll().orderBy('chain_seq').executeTakeFirstOrThrow();
    await asSuperuser((c) =>
      sql`update case_events set detail = jsonb_set(detail, '{normalized_minor}', '9900') where id = ${first.id}`.execute(
        c,
      ),
    );
    const edited = (await verifyChain(h.db)).problems;
    expect(edited).toContainEqual(expect.stringMatching(new RegExp(`case event ${first.id} .*edited`)));
    await asSuperuser((c) =>
      sql`update case_events set detail = ${JSON.stringify(first.detail)}::jsonb where id = ${first.id}`.execute(c),
    );
    expect((await verifyChain(h.db)).problems).toEqual([]);

    const events = await h.db.selectFrom('case_events').selectAll().orderBy('chain_seq').execute();
    const middle = events[1]!;
    await asSuperuser((c) => sql`delete from case_events where id = ${middle.id}`.execute(c));
    expect((await verifyChain(h.db)).problems).toContainEqual(
      expect.stringMatching(new RegExp(`case event ${events[2]!.id} .*(removed|altered)`)),
    );
  });
});
