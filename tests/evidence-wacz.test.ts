/**
 * The internal bundle's additions (issue 14, item 2), on a real static crawl (page HTML and
 * WARC) and a TSA the test runs itself (`openssl ts -reply` on 127.0.0.1, support/local-tsa.ts):
 * - each capture is a WACZ 1.1.1 that a validator written to the spec passes (datapackage
 *   hashes and sizes, pages.jsonl shape, CDXJ pointing into the WARC, the digest), and the
 *   validator names a broken pages.jsonl, a wrong resource hash, a wrong digest;
 * - the bundle has the price-history chart;
 * - the Ed25519 signature over the datapackage digest verifies, and fails after any byte of
 *   datapackage.json or of the WARC changes, even when every hash is recomputed; a re-signed
 *   bundle fails against the organisation's public key;
 * - a timestamp from the local TSA verifies against its CA; a token from another TSA with the
 *   same names, an altered token and a token moved from another manifest do not;
 * - `mapwatch keys create` writes a 0600 key and its .pub; `evidence verify` checks all of it
 *   offline and names what fails.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { registerEvidenceCommands } from '../src/cli/commands/evidence.js';
import { reportError } from '../src/cli/main.js';
import { loadEnv } from '../src/config/env.js';
import { crawlNow } from '../src/check/crawl-now.js';
import { loadSites } from '../src/config/load-sites.js';
import { loadPolicy } from '../src/config/policy.js';
import type { DbHandle } from '../src/db/connect.js';
import { LocalEvidenceStore, sha256Hex } from '../src/evidence/evidence-store.js';
import { exportCaseBundle } from '../src/evidence/export-bundle.js';
import { manifestSchema } from '../src/evidence/manifest.js';
import { bufferSource, storedEntrySource } from '../src/evidence/read-zip.js';
import { createSigningKey, publicKeyBase64, type Signer } from '../src/evidence/signing-key.js';
import { httpTimestamper, parseCertificates, verifyTimestampToken } from '../src/evidence/timestamp-token.js';
import { verifyBundle } from '../src/evidence/verify-bundle.js';
import { verifyWacz } from '../src/evidence/verify-wacz.js';
import { openTestDb } from './support/db.js';
import { startLocalTsa, type LocalTsa } from './support/local-tsa.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

type Entries = Record<string, Uint8Array>;
const json = (b: Uint8Array) => JSON.parse(strFromU8(b)) as Record<string, unknown>;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A WACZ zipped as export writes it: the WARC stored. */
function zipWacz(e: Entries): Uint8Array {
  const z: Zippable = {};
  for (const [p, b] of Object.entries(e)) z[p] = [b, { level: 0 }]; // stored: fast, and fine for the validator
  return zipSync(z);
}

/**
 * The careful tamperer: edits a WACZ, then recomputes every resource hash and size in
 * datapackage.json and the digest's hash, keeping the (now stale) signature.
 */
function tamperWacz(wacz: Uint8Array, edit: (e: Entries) => void, o: { rehash?: boolean | 'digest' } = {}): Uint8Array {
  const e = unzipSync(wacz);
  edit(e);
  if (o.rehash === 'digest') {
    const d = json(e['datapackage-digest.json']!);
    d.hash = `sha256:${sha(e['datapackage.json']!)}`;
    e['datapackage-digest.json'] = strToU8(JSON.stringify(d));
  } else if (o.rehash !== false) {
    const dp = json(e['datapackage.json']!) as { resources: { path: string; hash: string; bytes: number }[] };
    for (const r of dp.resources) {
      r.hash = `sha256:${sha(e[r.path]!)}`;
      r.bytes = e[r.path]!.length;
    }
    e['datapackage.json'] = strToU8(JSON.stringify(dp, null, 2));
    const d = json(e['datapackage-digest.json']!);
    d.hash = `sha256:${sha(e['datapackage.json'])}`;
    e['datapackage-digest.json'] = strToU8(JSON.stringify(d));
  }
  return zipWacz(e);
}

const check = (wacz: Uint8Array, o: Parameters<typeof verifyWacz>[1] = { where: 'w' }) =>
  verifyWacz(bufferSource(wacz), o).problems;

describe('evidence bundle: WACZ captures, chart, signature and RFC 3161 timestamps', () => {
  let h: DbHandle;
  let srv: TestServer;
  let tsa: LocalTsa;
  let rogue: LocalTsa;
  let store: LocalEvidenceStore;
  let caseId: number;
  let signer: Signer;
  let trust: ReturnType<typeof parseCertificates>;
  let bundle: Uint8Array;
  let entries: Entries;
  let wacz: Uint8Array;

  beforeAll(async () => {
    h = await openTestDb('pglite');
    await seedCatalog(h, ['EV'], '100.00');
    srv = await startServer({ '/p/ev': { body: productPage({ name: 'Evidence Amp', price: '89.00' }) } });
    store = new LocalEvidenceStore(tmpDir());
    const crawlers = tmpDir({ 'ev.yaml': siteYaml({ host: srv.host, origin: srv.origin, paths: [['EV', '/p/ev']] }) });
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
    caseId = (first.results[0]!.outcome as { caseId: number }).caseId;
    srv.routes.set('/p/ev', { body: productPage({ name: 'Evidence Amp', price: '88.00' }) });
    expect((await crawl()).results[0]!.outcome.action).toBe('updated');
    [tsa, rogue] = await Promise.all([startLocalTsa(), startLocalTsa()]); // same names, different CAs
    trust = parseCertificates(tsa.caPem);
    signer = createSigningKey();
    const r = await exportCaseBundle(h.db, store, caseId, { signer, timestamper: httpTimestamper(tsa.url) });
    expect(r).toMatchObject({ evidence: 2, wacz: 2, signed: true, timestamped: true, missing: [] });
    bundle = r.zip;
    entries = unzipSync(bundle);
    wacz = entries[Object.keys(entries).find((p) => p.startsWith('captures/'))!]!;
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await tsa?.close();
    await rogue?.close();
    await h?.close();
  });

  it('packages each capture as a WACZ 1.1.1 that the spec validator passes, with the WARC the manifest hashes', () => {
    const names = Object.keys(entries).filter((p) => /^captures\/evidence-\d+\.wacz$/.test(p));
    expect(names).toHaveLength(2);
    // Stored in the bundle, and the WARC stored inside the WACZ: both readable in place by range.
    for (const p of names) {
      const inner = storedEntrySource(bufferSource(bundle), p);
      expect(inner).not.toBeNull();
      expect(storedEntrySource(inner!, 'archive/data.warc')).not.toBeNull();
    }
    const w = unzipSync(wacz);
    expect(Object.keys(w).sort()).toEqual([
      'archive/data.warc',
      'datapackage-digest.json',
      'datapackage.json',
      'indexes/index.cdxj',
      'pages/pages.jsonl',
    ]);
    const dp = json(w['datapackage.json']!);
    expect(dp).toMatchObject({ profile: 'data-package', wacz_version: '1.1.1' });
    const warcRes = (dp.resources as { path: string; hash: string; bytes: number }[]).find(
      (r) => r.path === 'archive/data.warc',
    )!;
    const evId = Number(/evidence-(\d+)/.exec(names[0]!)![1]);
    const manifest = manifestSchema.parse(json(entries[`manifests/evidence-${evId}.json`]!));
    const warcFile = manifest.files.find((f) => f.role === 'warc')!;
    expect(warcRes).toEqual({
      name: 'data.warc',
      path: 'archive/data.warc',
      hash: `sha256:${warcFile.sha256}`,
      bytes: warcFile.size,
    });
    const pages = strFromU8(w['pages/pages.jsonl']!)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(pages[0]).toMatchObject({ format: 'json-pages-1.0' });
    expect(pages[1]).toMatchObject({
      url: `${srv.origin}/p/ev`,
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(strFromU8(w['indexes/index.cdxj']!)).toContain(`"url":"${srv.origin}/p/ev"`);
    expect(json(w['datapackage-digest.json']!)).toMatchObject({
      path: 'datapackage.json',
      hash: `sha256:${sha(w['datapackage.json']!)}`,
      signedData: { hash: `sha256:${sha(w['datapackage.json']!)}`, publicKey: publicKeyBase64(signer.publicKey) },
    });
    const r = verifyWacz(bufferSource(wacz), { where: 'w', publicKey: signer.publicKey, tsaTrust: trust });
    expect(r.problems).toEqual([]);
    expect(r.pages).toBe(1);
    expect(r.notes.join('\n')).toMatch(/signed by key sha256:[0-9a-f]{64} \(the given public key\)/);
    expect(r.notes.join('\n')).toMatch(/timestamped \d{4}-.* by CN=mapwatch test TSA \(trusted TSA\)/);
  });

  it('the whole bundle verifies: hashes, chart, every WACZ, the signed and timestamped index', () => {
    const r = verifyBundle(bundle, 'b', { publicKey: signer.publicKey, tsaTrust: trust });
    expect(r.problems).toEqual([]);
    expect(r.wacz).toBe(2);
    // Two WACZ manifests and the index, each signed and timestamped.
    expect(r.notes.filter((n) => n.includes('(trusted TSA)'))).toHaveLength(3);
    expect(tsa.requests).toBe(3);
    const svg = strFromU8(entries['chart.svg']!);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('MAP in effect');
    expect((svg.match(/<title>observation \d+/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(json(entries['index.json']!).files).toHaveProperty('chart.svg', sha256Hex(entries['chart.svg']!));
  });

  it('the validator names a pages.jsonl without ts, a wrong resource hash, and a wrong digest', () => {
    const noTs = tamperWacz(wacz, (e) => {
      const lines = strFromU8(e['pages/pages.jsonl']!).trim().split('\n');
      const page = JSON.parse(lines[1]!);
      delete page.ts;
      e['pages/pages.jsonl'] = strToU8(`${lines[0]}\n${JSON.stringify(page)}\n`);
    });
    expect(check(noTs)).toContain('w: pages/pages.jsonl line 2: ts Invalid input: expected string, received undefined');
    const badHash = tamperWacz(wacz, (e) => (e['indexes/index.cdxj'] = strToU8('')), { rehash: false });
    expect(check(badHash)).toContain('w: indexes/index.cdxj: altered (hash or size differs from datapackage.json)');
    const badDigest = tamperWacz(
      wacz,
      (e) => (e['datapackage.json'] = strToU8(strFromU8(e['datapackage.json']!) + ' ')),
      {
        rehash: false,
      },
    );
    expect(check(badDigest)).toEqual(['w: datapackage-digest.json: datapackage.json altered (its hash differs)']);
    const extra = tamperWacz(wacz, (e) => (e['archive/other.warc'] = strToU8('x')), { rehash: false });
    expect(check(extra)).toContain('w: archive/other.warc: not listed in datapackage.json');
  });

  it('the signature fails after any byte of datapackage.json or of the WARC changes, even with every hash recomputed', () => {
    const w = unzipSync(wacz);
    const flips = (name: string, step: number) => {
      const failed: number[] = [];
      for (let i = 0; i < w[name]!.length; i += step) {
        const forged = tamperWacz(
          wacz,
          (e) => {
            const b = Uint8Array.from(e[name]!);
            b[i] = b[i]! ^ 0x20;
            e[name] = b;
          },
          // A changed datapackage.json may no longer parse: only the digest is recomputed.
          { rehash: name === 'datapackage.json' ? 'digest' : true },
        );
        const problems = check(forged, { where: 'w' });
        if (!problems.includes('w: datapackage-digest.json: the signature covers another hash than the one recorded'))
          failed.push(i);
      }
      return failed;
    };
    // Every byte of datapackage.json; the WARC at every 7th byte (it is the same hash path).
    expect(flips('datapackage.json', 1)).toEqual([]);
    expect(flips('archive/data.warc', 7)).toEqual([]);
    // The forger also rewrites signedData.hash: the signature itself no longer verifies.
    const rewritten = tamperWacz(wacz, (e) => {
      e['pages/pages.jsonl'] = strToU8(strFromU8(e['pages/pages.jsonl']!).replace('"title":"', '"title":"X'));
    });
    const withHash = unzipSync(rewritten);
    const d = json(withHash['datapackage-digest.json']!) as { hash: string; signedData: { hash: string } };
    d.signedData.hash = d.hash;
    withHash['datapackage-digest.json'] = strToU8(JSON.stringify(d));
    expect(check(zipWacz(withHash))).toContain('w: datapackage-digest.json: signature does not verify');
  });

  it("a WACZ re-signed with another key verifies on its own but fails against the organisation's public key", () => {
    const other = createSigningKey();
    const resigned = tamperWacz(wacz, (e) => {
      e['pages/pages.jsonl'] = strToU8(strFromU8(e['pages/pages.jsonl']!).replace('"title":"', '"title":"Forged '));
    });
    const e = unzipSync(resigned);
    const d = json(e['datapackage-digest.json']!) as { hash: string; signedData: Record<string, string> };
    d.signedData = {
      ...d.signedData,
      hash: d.hash,
      signature: sign(null, Buffer.from(d.hash), other.privateKey).toString('base64'),
      publicKey: publicKeyBase64(other.publicKey),
    };
    delete d.signedData.timeSignature;
    e['datapackage-digest.json'] = strToU8(JSON.stringify(d));
    const forged = zipWacz(e);
    expect(check(forged)).toEqual([]);
    expect(check(forged, { where: 'w', publicKey: signer.publicKey as KeyObject })).toEqual([
      expect.stringMatching(
        /^w: datapackage-digest\.json: signed by key sha256:\w+, not by the given public key sha256:\w+$/,
      ),
    ]);
    expect(check(forged, { where: 'w', tsaTrust: trust })).toEqual([
      'w: datapackage-digest.json: no timestamp (a timestamp by the trusted TSA is required)',
    ]);
  });

  it('a timestamp from the local TSA verifies; a forged TSA, an altered token and a moved token do not', async () => {
    const d = json(unzipSync(wacz)['datapackage-digest.json']!) as { signedData: Record<string, string> };
    const token = Buffer.from(d.signedData.timeSignature!, 'base64');
    const imprint = createHash('sha256').update(Buffer.from(d.signedData.signature!, 'base64')).digest();
    expect(verifyTimestampToken(token, imprint, trust)).toMatchObject({ problems: [], trusted: true });
    expect(d.signedData.timestampCert).toContain('-----BEGIN CERTIFICATE-----');

    // A TSA with the same names but its own CA: well formed and self-consistent, not trusted.
    const forgedToken = await httpTimestamper(rogue.url)(imprint);
    expect(verifyTimestampToken(forgedToken, imprint, trust).problems).toEqual([
      'TSA certificate CN=mapwatch test TSA does not chain to a trusted TSA certificate',
    ]);
    const withForged = (tok: Buffer) =>
      tamperWacz(
        wacz,
        (e) => {
          const x = json(e['datapackage-digest.json']!) as { signedData: Record<string, string> };
          x.signedData.timeSignature = tok.toString('base64');
          e['datapackage-digest.json'] = strToU8(JSON.stringify(x));
        },
        { rehash: false },
      );
    expect(check(withForged(forgedToken), { where: 'w', tsaTrust: trust })).toEqual([
      'w: datapackage-digest.json: timestamp: TSA certificate CN=mapwatch test TSA does not chain to a trusted TSA certificate',
    ]);

    // One digit of the time changed inside the genuine token: the TSA's signature no longer covers it.
    const at = token.findIndex((b, i) => b === 0x18 && token[i + 1]! >= 15 && token[i + 1]! < 24);
    const altered = Buffer.from(token);
    altered[at + 2 + 3] = altered[at + 2 + 3]! ^ 0x01; // the year's last digit
    expect(check(withForged(altered), { where: 'w', tsaTrust: trust })).toContain(
      'w: datapackage-digest.json: timestamp: the TSTInfo does not match the digest the TSA signed (altered token)',
    );

    // The genuine token of the other capture: real, trusted, but for another signature.
    const otherWacz = entries[Object.keys(entries).filter((p) => p.startsWith('captures/'))[1]!]!;
    const moved = json(unzipSync(otherWacz)['datapackage-digest.json']!) as { signedData: Record<string, string> };
    expect(
      check(withForged(Buffer.from(moved.signedData.timeSignature!, 'base64')), { where: 'w', tsaTrust: trust }),
    ).toEqual(['w: datapackage-digest.json: timestamp: the token timestamps another digest']);
  });

  it('`mapwatch keys create` writes a 0600 key and its .pub; `evidence verify` checks bundle and WACZ offline', async () => {
    const dir = tmpDir();
    const keyFile = path.join(dir, 'keys', 'org.pem');
    // In-process, with the command group's own environment (a tsx child per command took
    // ~10 s each on a loaded machine); errors are reported as main.ts reports them.
    const env = () => loadEnv({ ...process.env, MAPWATCH_DATA_DIR: dir, MAPWATCH_SIGNING_KEY: keyFile });
    const cli = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
      const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
      const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
      try {
        const program = new Command('mapwatch').exitOverride();
        registerEvidenceCommands(program, env);
        let status: number;
        try {
          await program.parseAsync(['node', 'mapwatch', ...args]);
          status = typeof process.exitCode === 'number' ? process.exitCode : 0;
        } catch (e) {
          status = reportError(e);
        }
        return { status, stdout, stderr };
      } finally {
        process.exitCode = 0;
        log.mockRestore();
        out.mockRestore();
        err.mockRestore();
      }
    };
    const created = await cli(['keys', 'create']);
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^Fingerprint: sha256:[0-9a-f]{64}$/m);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(`${keyFile}.pub`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await cli(['keys', 'create'])).stderr).toMatch(/a signing key already exists/);
    expect((await cli(['keys', 'public'])).stdout).toBe(fs.readFileSync(`${keyFile}.pub`, 'utf8'));

    const file = path.join(dir, 'case.zip');
    fs.writeFileSync(file, bundle);
    fs.writeFileSync(path.join(dir, 'org.pub'), signer.publicKey.export({ type: 'spki', format: 'pem' }));
    const ok = await cli([
      'evidence',
      'verify',
      file,
      '--public-key',
      path.join(dir, 'org.pub'),
      '--tsa-ca',
      tsa.caFile,
    ]);
    expect(ok.stdout).toMatch(
      /^ok {2}.*case\.zip: case \d+, 2 manifest\(s\), \d+ file\(s\), 2 WACZ capture\(s\), every hash matches$/m,
    );
    expect(ok.status).toBe(0);
    // The key `keys create` made is not the one that signed: every signature is named as failing.
    const wrongKey = await cli(['evidence', 'verify', file, '--public-key', `${keyFile}.pub`]);
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stdout.match(/^FAIL .*not by the given public key/gm)).toHaveLength(3);
    // A forged TSA's CA: every timestamp fails.
    const rogueCa = await cli(['evidence', 'verify', file, '--tsa-ca', rogue.caFile]);
    expect(rogueCa.stdout.match(/^FAIL .*does not chain to a trusted TSA certificate/gm)).toHaveLength(3);
    const waczFile = path.join(dir, 'capture.wacz');
    fs.writeFileSync(waczFile, wacz);
    const w = await cli(['evidence', 'verify', waczFile, '--tsa-ca', tsa.caFile]);
    expect(w.stdout).toMatch(/^ok {2}.*capture\.wacz: WACZ 1 page\(s\), every hash matches$/m);
    fs.writeFileSync(
      waczFile,
      tamperWacz(wacz, (e) => (e['archive/data.warc'] = strToU8('WARC/1.1\r\n'))),
    );
    const bad = await cli(['evidence', 'verify', waczFile]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL .*capture\.wacz: datapackage-digest\.json: the signature covers another hash/m);
  }, 120_000);
});
