/**
 * `evidence verify` on bundles that carry what export adds beyond the manifests, built in
 * memory (no database, no crawl, no TSA): each capture packaged as a WACZ under captures/,
 * the chart, and index-digest.json sealing the index with an Ed25519 signature. A sealed,
 * consistent bundle passes and says who signed; each way of breaking the WACZ or the seal is
 * named. Also the standalone WACZ check (`evidence verify FILE.wacz`), and the size limit
 * on the JSON entries verify parses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/evidence/evidence-store.js';
import { canonicalJson, chainSha256, GENESIS_SHA256, manifestSha256, type Manifest } from '../src/evidence/manifest.js';
import { sealDigest } from '../src/evidence/sign-digest.js';
import { createSigningKey, keyFingerprint, type Signer } from '../src/evidence/signing-key.js';
import { verifyBundle, verifyBundleFile, verifyWaczFile } from '../src/evidence/verify-bundle.js';
import { packageWacz } from '../src/evidence/write-wacz.js';
import { writeWarc } from '../src/evidence/write-warc.js';
import { manifestFixture } from './support/manifest-fixture.js';
import { tmpDir } from './support/tmp.js';

type Entries = Record<string, Uint8Array>;
const json = (v: unknown) => strToU8(JSON.stringify(v));
const MAX_JSON = 64 * 1024 * 1024;

const html = strToU8('<html>the page, 19.99</html>');
const manifest = (warc: Uint8Array): Manifest =>
  manifestFixture({
    observationId: 11,
    files: [
      { role: 'dom_html', key: 'k/html', sha256: sha256Hex(html), size: html.length, mime: 'text/html; charset=utf-8' },
      { role: 'warc', key: 'k/warc', sha256: sha256Hex(warc), size: warc.length, mime: 'application/warc' },
    ],
  });

let signer: Signer;
let other: Signer;
let warc: Uint8Array;
let wacz: Uint8Array;

beforeAll(async () => {
  signer = createSigningKey();
  other = createSigningKey();
  warc = await writeWarc([
    {
      url: 'https://shop.example/p',
      method: 'GET',
      requestHeaders: { 'user-agent': 'mapwatch' },
      status: 200,
      statusText: 'OK',
      responseHeaders: { 'content-type': 'text/html; charset=utf-8' },
      body: Buffer.from(html),
      at: new Date('2026-11-20T10:00:00.000Z'),
    },
  ]);
  wacz = await packageWacz({ evidenceId: 1, manifest: manifest(warc), warc, signer });
});

interface Build {
  /** Runs before index.json is written: a careful tamperer re-indexes. */
  edit?: (e: Entries) => void;
  /** Seal the index with this key (index-digest.json), as export does with a signing key. */
  seal?: Signer;
  /** Runs after the index is sealed: a change the seal should catch. */
  after?: (e: Entries) => void;
  /** Zip level per entry; export stores PNGs and WACZs (0) and deflates the rest. */
  level?: (p: string) => 0 | 6;
}

/** A one-evidence bundle as export writes it: the page, the WARC, its WACZ, the chart, the chain. */
async function bundle(o: Build = {}): Promise<Uint8Array> {
  const m = manifest(warc);
  const ms = manifestSha256(m);
  const link = { id: 1, observation_id: 11, manifest_sha256: ms, prev_sha256: GENESIS_SHA256 };
  const e: Entries = {
    [`files/${sha256Hex(html)}.html`]: html,
    [`files/${sha256Hex(warc)}.warc`]: warc,
    'manifests/evidence-1.json': strToU8(canonicalJson(m)),
    'captures/evidence-1.wacz': wacz,
    'chart.svg': strToU8('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    'chain.json': json([{ ...link, chain_sha256: chainSha256(GENESIS_SHA256, ms) }]),
  };
  o.edit?.(e);
  const index = json({
    format: 'mapwatch-evidence-bundle/1',
    case_id: 7,
    created_at: '2026-11-21T00:00:00.000Z',
    files: Object.fromEntries(Object.entries(e).map(([p, b]) => [p, sha256Hex(b)])),
  });
  e['index.json'] = index;
  if (o.seal) e['index-digest.json'] = json(await sealDigest({ path: 'index.json', bytes: index, signer: o.seal }));
  o.after?.(e);
  const level = o.level ?? ((p: string) => (p.endsWith('.wacz') ? 0 : 6));
  const z: Zippable = {};
  for (const [p, b] of Object.entries(e)) z[p] = [b, { level: level(p) }];
  return zipSync(z);
}

/** The WACZ with one entry replaced, re-zipped stored as export writes it. */
function editWacz(edit: (e: Entries) => void): Uint8Array {
  const e = unzipSync(wacz);
  edit(e);
  const z: Zippable = {};
  for (const [p, b] of Object.entries(e)) z[p] = [b, { level: 0 }];
  return zipSync(z);
}

const fp = () => keyFingerprint(signer.publicKey);

describe('a sealed bundle with a WACZ', () => {
  it('passes, checks the WACZ in place and says who signed the WACZ and the index', async () => {
    const r = verifyBundle(await bundle({ seal: signer }));
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ caseId: 7, files: 6, manifests: 1, wacz: 1 });
    expect(r.notes).toEqual([
      `captures/evidence-1.wacz: datapackage-digest.json: signed by key ${fp()}`,
      `index-digest.json: signed by key ${fp()}`,
    ]);
  });

  it('against the organisation key: says the given key signed both', async () => {
    const r = verifyBundle(await bundle({ seal: signer }), 'b', { publicKey: signer.publicKey });
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([
      `captures/evidence-1.wacz: datapackage-digest.json: signed by key ${fp()} (the given public key)`,
      `index-digest.json: signed by key ${fp()} (the given public key)`,
    ]);
  });

  it('re-zipped by someone with the WACZ deflated: still checked, the same way', async () => {
    const r = verifyBundle(await bundle({ seal: signer, level: () => 6 }));
    expect(r.problems).toEqual([]);
    expect(r.wacz).toBe(1);
    expect(r.notes).toContain(`captures/evidence-1.wacz: datapackage-digest.json: signed by key ${fp()}`);
  });

  it('an unsealed bundle passes and says its index is not signed; with a key or TSA required it fails', async () => {
    const zip = await bundle();
    const r = verifyBundle(zip);
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([
      `captures/evidence-1.wacz: datapackage-digest.json: signed by key ${fp()}`,
      'index-digest.json: none (the bundle index is not signed)',
    ]);
    expect(verifyBundle(zip, 'b', { publicKey: signer.publicKey }).problems).toEqual([
      'index-digest.json: missing (the bundle index is not signed or timestamped)',
    ]);
  });

  it('counts and opens only captures/*.wacz as WACZ packages; other files are checked by hash alone', async () => {
    const r = verifyBundle(
      await bundle({
        edit: (e) => {
          e['captures/evidence-10.wacz'] = wacz;
          e['files/copy.wacz'] = strToU8('not a zip');
          e['captures/readme.wacz.txt'] = strToU8('not a zip either');
          e['captures/old/evidence-1.wacz'] = strToU8('nor this');
          e['files/captures/evidence-1.wacz'] = strToU8('nor this one');
        },
      }),
    );
    expect(r.problems).toEqual([]);
    expect(r.wacz).toBe(2);
  });
});

describe('a WACZ tampered with inside the bundle', () => {
  it('a byte of its WARC changed and the bundle re-indexed: the WACZ names the altered WARC', async () => {
    const bad = editWacz((e) => {
      const w = e['archive/data.warc']!.slice();
      w[w.length - 10] = w[w.length - 10]! ^ 1;
      e['archive/data.warc'] = w;
    });
    const r = verifyBundle(await bundle({ edit: (e) => (e['captures/evidence-1.wacz'] = bad) }));
    expect(r.problems).toContain(
      'captures/evidence-1.wacz: archive/data.warc: altered (hash or size differs from datapackage.json)',
    );
  });

  it('replaced by something that is not a zip: named', async () => {
    const r = verifyBundle(await bundle({ edit: (e) => (e['captures/evidence-1.wacz'] = strToU8('hello')) }));
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.startsWith('captures/evidence-1.wacz: '))).toBe(true);
    expect(r.problems[0]).toMatch(/^captures\/evidence-1\.wacz: not a readable zip/);
  });

  it('deflated inside the bundle and damaged: named, and not counted as checked', async () => {
    const zip = await bundle({ level: (p) => (p.endsWith('.wacz') ? 6 : 0) });
    // the deflated WACZ's first block made one of the reserved type (after its local header and name)
    const name = 'captures/evidence-1.wacz';
    let at = -1;
    for (let i = 0; i < zip.length - 30; i++)
      if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 3 && zip[i + 3] === 4) {
        const n = zip[i + 26]! | (zip[i + 27]! << 8);
        const x = zip[i + 28]! | (zip[i + 29]! << 8);
        if (Buffer.from(zip.subarray(i + 30, i + 30 + n)).toString() === name) at = i + 30 + n + x;
      }
    expect(at).toBeGreaterThan(0);
    zip[at] = 0b111; // BFINAL, BTYPE 11: invalid
    const r = verifyBundle(zip);
    expect(r.problems).toEqual([`${name}: cannot be inflated (invalid block type)`, `${name}: missing`]);
    expect(r.wacz).toBe(0);
  });

  it('re-signed with another key: fails against the organisation key', async () => {
    const resigned = await packageWacz({ evidenceId: 1, manifest: manifest(warc), warc, signer: other });
    const r = verifyBundle(await bundle({ edit: (e) => (e['captures/evidence-1.wacz'] = resigned) }), 'b', {
      publicKey: signer.publicKey,
    });
    expect(r.problems).toContainEqual(
      expect.stringMatching(/^captures\/evidence-1\.wacz: datapackage-digest\.json: signed by key \S+, not by/),
    );
  });
});

describe('the sealed index', () => {
  it('is not itself listed in index.json, and that is no problem', async () => {
    const zip = await bundle({ seal: signer });
    expect(Object.keys(unzipSync(zip))).toContain('index-digest.json');
    expect(verifyBundle(zip).problems).toEqual([]);
  });

  it('index.json changed after sealing (a file re-indexed): the seal names the index as altered', async () => {
    const r = verifyBundle(
      await bundle({
        seal: signer,
        after: (e) => {
          const index = JSON.parse(Buffer.from(e['index.json']!).toString()) as { files: Record<string, string> };
          e['chart.svg'] = strToU8('<svg xmlns="http://www.w3.org/2000/svg"><text>no</text></svg>');
          index.files['chart.svg'] = sha256Hex(e['chart.svg']);
          e['index.json'] = json(index);
        },
      }),
    );
    expect(r.problems).toEqual(['index-digest.json: index.json altered (its hash differs)']);
  });

  it('a seal taken from another bundle (signed over a different index): altered', async () => {
    const foreign = unzipSync(await bundle({ seal: signer, edit: (e) => (e['chart.svg'] = strToU8('<svg/>')) }));
    const r = verifyBundle(await bundle({ after: (e) => (e['index-digest.json'] = foreign['index-digest.json']!) }));
    expect(r.problems).toEqual(['index-digest.json: index.json altered (its hash differs)']);
  });

  it('a seal whose signature was made over another hash: the signature does not verify', async () => {
    const r = verifyBundle(
      await bundle({
        seal: signer,
        after: (e) => {
          const d = JSON.parse(Buffer.from(e['index-digest.json']!).toString()) as {
            signedData: { signature: string };
          };
          const forged = Buffer.from(d.signedData.signature, 'base64');
          forged[0] = forged[0]! ^ 1;
          d.signedData.signature = forged.toString('base64');
          e['index-digest.json'] = json(d);
        },
      }),
    );
    expect(r.problems).toEqual(['index-digest.json: signature does not verify']);
  });

  it('a seal that is not a digest file, or not JSON: named', async () => {
    const notDigest = verifyBundle(await bundle({ after: (e) => (e['index-digest.json'] = json({ path: 'x' })) }));
    expect(notDigest.problems).toEqual(['index-digest.json: malformed (needs path and a sha256: hash)']);
    const notJson = verifyBundle(await bundle({ after: (e) => (e['index-digest.json'] = strToU8('{')) }));
    expect(notJson.problems).toEqual([
      'index-digest.json: not valid JSON',
      'index-digest.json: malformed (needs path and a sha256: hash)',
    ]);
  });

  it('sealed by another key: fails against the organisation key', async () => {
    const r = verifyBundle(await bundle({ seal: other }), 'b', { publicKey: signer.publicKey });
    expect(r.problems).toEqual([
      `index-digest.json: signed by key ${keyFingerprint(other.publicKey)}, not by the given public key ${fp()}`,
    ]);
  });
});

describe('a standalone WACZ (evidence verify FILE.wacz)', () => {
  it('passes and says who signed; a changed one is named; a missing file says why', () => {
    const dir = tmpDir({});
    const good = path.join(dir, 'evidence-1.wacz');
    fs.writeFileSync(good, wacz);
    const r = verifyWaczFile(good, { publicKey: signer.publicKey });
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([`${good}: datapackage-digest.json: signed by key ${fp()} (the given public key)`]);
    const bad = path.join(dir, 'bad.wacz');
    fs.writeFileSync(
      bad,
      editWacz((e) => (e['pages/pages.jsonl'] = strToU8('{}\n'))),
    );
    expect(verifyWaczFile(bad).problems).toContain(
      `${bad}: pages/pages.jsonl: altered (hash or size differs from datapackage.json)`,
    );
    const missing = path.join(dir, 'nope.wacz');
    expect(() => verifyWaczFile(missing)).toThrow(`${missing}: cannot be read (ENOENT)`);
  });

  it('verifying many files leaves no file open (a long session does not run out of descriptors)', async () => {
    const dir = tmpDir({});
    const w = path.join(dir, 'e.wacz');
    const b = path.join(dir, 'b.zip');
    fs.writeFileSync(w, wacz);
    fs.writeFileSync(b, await bundle());
    const open = () => fs.readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 5; i++) {
      verifyWaczFile(w);
      verifyBundleFile(b);
    }
    expect(open()).toBe(before);
  });
});

describe('the size limit on the JSON entries verify parses', () => {
  it('a manifest of exactly the limit is read; one byte more is refused', async () => {
    const padded = (n: number) => {
      const text = strToU8(canonicalJson(manifest(warc)));
      const out = new Uint8Array(n).fill(32);
      out.set(text);
      return out;
    };
    // Stored, as a tamperer may write it: read a megabyte at a time, so the last byte comes alone.
    const level = (p: string) => (p.startsWith('manifests/') || p.endsWith('.wacz') ? 0 : 6);
    const atLimit = verifyBundle(
      await bundle({ edit: (e) => (e['manifests/evidence-1.json'] = padded(MAX_JSON)), level }),
    );
    expect(atLimit.problems).toEqual([]);
    expect(atLimit.manifests).toBe(1);
    const over = verifyBundle(
      await bundle({ edit: (e) => (e['manifests/evidence-1.json'] = padded(MAX_JSON + 1)), level }),
    );
    expect(over.problems).toEqual([
      `manifests/evidence-1.json: larger than ${MAX_JSON} bytes, not a mapwatch manifest`,
    ]);
  });
});
