/**
 * Evidence verification when the tamperer is careful: after changing a file in a bundle,
 * they also rewrite index.json with the new hashes, so the index check alone passes. Each
 * of the deeper checks must then catch it on its own:
 * - a file against the SHA-256 its manifest records;
 * - a manifest against the hash the chain records;
 * - a chain link against its prev and manifest hashes;
 * - (with --db and a store) every stored file against its manifest in the chain.
 * Evidence comes from a real static crawl (no browser: the page HTML and a WARC).
 */
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { LocalEvidenceStore, sha256Hex } from '../src/evidence/evidence-store.js';
import { exportCaseBundle } from '../src/evidence/export-bundle.js';
import { canonicalJson, chainSha256, GENESIS_SHA256, manifestSha256 } from '../src/evidence/manifest.js';
import { verifyBundle } from '../src/evidence/verify-bundle.js';
import { verifyChain } from '../src/evidence/verify-chain.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

type Entries = Record<string, Uint8Array>;

/** Unzips, lets `edit` change the entries, and zips again with index.json rewritten to match. */
function tamper(zip: Uint8Array, edit: (e: Entries) => void): Uint8Array {
  const e = unzipSync(zip);
  edit(e);
  const index = JSON.parse(strFromU8(e['index.json']!)) as { files: Record<string, string> };
  index.files = Object.fromEntries(
    Object.entries(e)
      .filter(([p]) => p !== 'index.json')
      .map(([p, b]) => [p, sha256Hex(b)]),
  );
  e['index.json'] = strToU8(JSON.stringify(index));
  return zipSync(e);
}

const flip = (b: Uint8Array, at = Math.floor(b.length / 2)) => {
  const c = Uint8Array.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
};

describe.each(BACKENDS)('evidence verification against a careful tamperer on %s', (backend) => {
  let h: DbHandle;
  let srv: TestServer;
  let storeDir: string;
  let store: LocalEvidenceStore;
  let caseId: number;
  let bundle: Uint8Array;

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['EV'], '100.00');
    srv = await startServer({ '/p/ev': { body: productPage({ name: 'Evidence Amp', price: '89.00' }) } });
    storeDir = tmpDir();
    store = new LocalEvidenceStore(storeDir);
    const crawlers = tmpDir({
      'ev.yaml': siteYaml({ host: srv.host, origin: srv.origin, paths: [['EV', '/p/ev']] }),
    });
    const crawl = () =>
      crawlNow(
        {
          db: h.db,
          policy: { ...loadPolicy({}), resolveAfter: 2 },
          evidence: store,
          recheckDelayMs: 0,
          fetchOptions: { allowPrivate: ['127.0.0.1'], timeoutMs: 5000 },
        },
        loadSites(crawlers).sites,
      );
    const first = await crawl();
    expect(first.results[0]!.outcome.action).toBe('opened');
    caseId = (first.results[0]!.outcome as { caseId: number }).caseId;
    srv.routes.set('/p/ev', { body: productPage({ name: 'Evidence Amp', price: '88.00' }) });
    expect((await crawl()).results[0]!.outcome.action).toBe('updated');
    bundle = (await exportCaseBundle(h.db, store, caseId)).zip;
  });
  afterAll(async () => {
    await srv?.close();
    await h?.close();
  });

  it('an untouched bundle, and an untouched chain and store, verify clean', async () => {
    const r = verifyBundle(bundle);
    expect(r).toMatchObject({ caseId, manifests: 2, problems: [] });
    const manifests = Object.keys(unzipSync(bundle)).filter((p) => p.startsWith('manifests/'));
    expect(manifests).toHaveLength(2);
    // Each manifest names the page HTML and a WARC, and both are in the bundle.
    const files = Object.keys(unzipSync(bundle)).filter((p) => p.startsWith('files/'));
    expect(files.some((p) => p.endsWith('.html'))).toBe(true);
    expect(files.some((p) => p.endsWith('.warc'))).toBe(true);
    expect(await verifyChain(h.db, store)).toMatchObject({ rows: 2, problems: [] });
    // Re-indexing alone changes nothing.
    expect(verifyBundle(tamper(bundle, () => {})).problems).toEqual([]);
  });

  it('a file changed and re-indexed is caught by its manifest hash', () => {
    let changed = '';
    const z = tamper(bundle, (e) => {
      changed = Object.keys(e).find((p) => p.startsWith('files/') && p.endsWith('.html'))!;
      e[changed] = flip(e[changed]!);
    });
    const { problems } = verifyBundle(z);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^${changed.replace(/\./g, '\\.')}: altered \\(dom_html of evidence \\d+\\)$`),
    );
  });

  it('a file swapped for another of the bundle and re-indexed is caught too', () => {
    const z = tamper(bundle, (e) => {
      const [html, warc] = ['.html', '.warc'].map((x) =>
        Object.keys(e).find((p) => p.startsWith('files/') && p.endsWith(x))!,
      );
      e[html!] = e[warc!]!;
    });
    expect(verifyBundle(z).problems).toEqual([expect.stringMatching(/\.html: altered \(dom_html of evidence \d+\)$/)]);
  });

  it('a file removed along with its index entry is reported missing by the manifest', () => {
    let gone = '';
    const z = tamper(bundle, (e) => {
      gone = Object.keys(e).find((p) => p.endsWith('.warc'))!;
      delete e[gone];
    });
    expect(verifyBundle(z).problems).toEqual([
      expect.stringMatching(new RegExp(`^${gone}: missing \\(warc of evidence \\d+\\)$`)),
    ]);
  });

  it('a manifest edited and re-indexed is caught by the chain', () => {
    const z = tamper(bundle, (e) => {
      const p = Object.keys(e).find((x) => x.startsWith('manifests/'))!;
      const m = JSON.parse(strFromU8(e[p]!)) as { offer: { amount: string; amount_minor: number } };
      m.offer.amount = '99.00'; // a friendlier price
      m.offer.amount_minor = 9900;
      e[p] = strToU8(canonicalJson(m));
    });
    const { problems } = verifyBundle(z);
    expect(problems).toEqual([
      expect.stringMatching(/^manifests\/evidence-\d+\.json: manifest altered \(hash differs from the chain\)$/),
    ]);
  });

  it('a manifest edited together with its chain hash is caught by the chain link', () => {
    const z = tamper(bundle, (e) => {
      const chain = JSON.parse(strFromU8(e['chain.json']!)) as { id: number; manifest_sha256: string }[];
      const p = `manifests/evidence-${chain[0]!.id}.json`;
      const m = JSON.parse(strFromU8(e[p]!)) as { reason: string | null };
      m.reason = 'edited';
      e[p] = strToU8(canonicalJson(m));
      chain[0]!.manifest_sha256 = manifestSha256(m);
      e['chain.json'] = strToU8(JSON.stringify(chain));
    });
    expect(verifyBundle(z).problems).toEqual([
      expect.stringMatching(/^chain\.json: evidence \d+: chain_sha256 does not follow from prev and manifest hashes$/),
    ]);
  });

  it('a chain rebuilt by hand from the first link is consistent in itself: verify --db --head is what catches that', () => {
    // Documented limit: a bundle alone cannot prove nothing was re-chained; the published head can.
    const z = tamper(bundle, (e) => {
      const chain = JSON.parse(strFromU8(e['chain.json']!)) as {
        id: number;
        manifest_sha256: string;
        prev_sha256: string;
        chain_sha256: string;
      }[];
      const p = `manifests/evidence-${chain[0]!.id}.json`;
      const m = JSON.parse(strFromU8(e[p]!)) as { reason: string | null };
      m.reason = 'edited';
      e[p] = strToU8(canonicalJson(m));
      let prev = chain[0]!.prev_sha256;
      for (const link of chain) {
        if (link.id === chain[0]!.id) link.manifest_sha256 = manifestSha256(m);
        link.prev_sha256 = prev;
        link.chain_sha256 = chainSha256(prev, link.manifest_sha256);
        prev = link.chain_sha256;
      }
      e['chain.json'] = strToU8(JSON.stringify(chain));
    });
    expect(verifyBundle(z).problems).toEqual([]);
  });

  it('with --db and a store: a stored file changed on disk is caught against the chain', async () => {
    const rows = await h.db.selectFrom('evidence').select(['id', 'manifest']).orderBy('id').execute();
    const f = (rows[0]!.manifest as { files: { key: string; role: string }[] }).files.find(
      (x) => x.role === 'dom_html',
    )!;
    expect(f).toBeDefined();
    const file = path.join(storeDir, f.key);
    const original = fs.readFileSync(file);
    try {
      fs.writeFileSync(file, flip(original));
      const r = await verifyChain(h.db, store);
      expect(r.problems).toEqual([
        expect.stringMatching(new RegExp(`^evidence row ${rows[0]!.id} .*: dom_html file ${f.key} was altered$`)),
      ]);
      fs.rmSync(file);
      expect((await verifyChain(h.db, store)).problems).toEqual([
        expect.stringMatching(new RegExp(`^evidence row ${rows[0]!.id} .*: dom_html file ${f.key} is missing$`)),
      ]);
      // Without a store only the chain itself is checked, and it is intact.
      expect(await verifyChain(h.db)).toMatchObject({ rows: 2, files: 0, problems: [] });
    } finally {
      fs.writeFileSync(file, original);
    }
    expect((await verifyChain(h.db, store)).problems).toEqual([]);
  });

  it('with --db: an edited manifest row or an edited chain hash breaks the chain', async () => {
    const rows = await h.db.selectFrom('evidence').selectAll().orderBy('id').execute();
    expect(rows[0]!.prev_sha256).toBe(GENESIS_SHA256);
    const first = rows[0]!;
    // Evidence rows are append-only; a superuser can bypass the trigger, and the chain shows it.
    const bypass = (set: { manifest?: string; chain_sha256?: string }) =>
      h.db.connection().execute(async (c) => {
        await sql`set session_replication_role = replica`.execute(c);
        await c.updateTable('evidence').set(set).where('id', '=', first.id).execute();
        await sql`set session_replication_role = origin`.execute(c);
      });
    await bypass({ manifest: JSON.stringify({ ...(first.manifest as object), reason: 'edited' }) });
    expect((await verifyChain(h.db)).problems).toEqual([
      expect.stringMatching(/manifest does not match manifest_sha256 \(manifest altered\)$/),
    ]);
    await bypass({ manifest: JSON.stringify(first.manifest), chain_sha256: 'f'.repeat(64) });
    expect((await verifyChain(h.db)).problems).toEqual([
      expect.stringMatching(new RegExp(`^evidence row ${first.id} .*: chain_sha256 is wrong$`)),
      expect.stringMatching(
        new RegExp(`^evidence row ${rows[1]!.id} .*: prev_sha256 does not match the row before it`),
      ),
    ]);
    await bypass({ chain_sha256: first.chain_sha256 });
    expect((await verifyChain(h.db, store)).problems).toEqual([]);
  });
});
