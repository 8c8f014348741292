/**
 * `evidence verify FILE.zip` on bundles built in memory (no database, no crawl): a
 * consistent bundle passes, and each way of tampering with one is named, including by a
 * careful tamperer who re-writes index.json (and chain.json) so the easy checks still pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { sha256Hex } from '../src/evidence/evidence-store.js';
import { canonicalJson, chainSha256, type FileRole, GENESIS_SHA256, manifestSha256 } from '../src/evidence/manifest.js';
import { verifyBundle, verifyBundleFile } from '../src/evidence/verify-bundle.js';
import { manifestFixture } from './support/manifest-fixture.js';
import { tmpDir } from './support/tmp.js';

const shot = strToU8('a screenshot');
const html = strToU8('<html>the page</html>');
const fileOf = (bytes: Uint8Array, role: FileRole, mime: string) => ({
  role,
  key: `k/${role}`,
  sha256: sha256Hex(bytes),
  size: bytes.length,
  mime,
});
const manifest = (observation: number) =>
  manifestFixture({
    observationId: observation,
    files: [fileOf(shot, 'screenshot_viewport', 'image/png'), fileOf(html, 'dom_html', 'text/html; charset=utf-8')],
  });

type Entries = Record<string, Uint8Array>;
const json = (v: unknown) => strToU8(JSON.stringify(v));

/** A consistent two-evidence bundle as entries; `edit` runs before index.json is written (a careful tamperer). */
function bundle(edit: (e: Entries, chain: Record<string, unknown>[]) => void = () => {}, reindex = true): Uint8Array {
  const e: Entries = { [`files/${sha256Hex(shot)}.png`]: shot, [`files/${sha256Hex(html)}.html`]: html };
  const chain: Record<string, unknown>[] = [];
  let prev = GENESIS_SHA256;
  for (const id of [1, 2]) {
    const m = manifest(10 + id);
    const ms = manifestSha256(m);
    const link = {
      id,
      observation_id: 10 + id,
      manifest_sha256: ms,
      prev_sha256: prev,
      chain_sha256: chainSha256(prev, ms),
    };
    chain.push(link);
    prev = link.chain_sha256;
    e[`manifests/evidence-${id}.json`] = strToU8(canonicalJson(m));
  }
  const index = (x: Entries) => ({
    format: 'mapwatch-evidence-bundle/1',
    case_id: 7,
    created_at: '2026-11-21T00:00:00.000Z',
    files: Object.fromEntries(Object.entries(x).map(([p, b]) => [p, sha256Hex(b)])),
  });
  e['chain.json'] = json(chain);
  if (!reindex) {
    const honest = index(e);
    edit(e, chain);
    return zipSync({ ...e, 'index.json': json(honest) });
  }
  edit(e, chain);
  return zipSync({ ...e, 'index.json': json(index(e)) });
}

const problems = (zip: Uint8Array) => verifyBundle(zip).problems;
const shotPath = `files/${sha256Hex(shot)}.png`;

describe('a consistent bundle', () => {
  it('passes, and reports what it holds', () => {
    const r = verifyBundle(bundle());
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ caseId: 7, files: 5, manifests: 2 });
    expect(r.links.map((l) => l.id)).toEqual([1, 2]);
    expect(r.links[1]!.prev_sha256).toBe(r.links[0]!.chain_sha256);
  });

  it('ignores directory entries, listed or not', () => {
    expect(problems(bundle((e) => (e['files/'] = new Uint8Array())))).toEqual([]);
    const unlisted = { ...unzipSync(bundle()), 'files/': new Uint8Array() };
    expect(problems(zipSync(unlisted))).toEqual([]);
  });

  it('reads the same from a file as from memory', () => {
    const dir = tmpDir({});
    const file = path.join(dir, 'case-7.zip');
    fs.writeFileSync(file, bundle());
    expect(verifyBundleFile(file)).toEqual(verifyBundle(bundle()));
  });
});

describe('tampering named', () => {
  it('a file changed without updating the index', () => {
    const zip = bundle((e) => (e[shotPath] = strToU8('another screenshot')), false);
    expect(problems(zip)).toEqual([
      `${shotPath}: altered (sha256 ${sha256Hex('another screenshot')}, expected ${sha256Hex(shot)})`,
    ]);
  });

  it('a file changed and re-indexed: the manifests still name the old hash', () => {
    expect(problems(bundle((e) => (e[shotPath] = strToU8('another screenshot'))))).toEqual([
      `${shotPath}: altered (screenshot_viewport of evidence 1)`,
    ]);
  });

  it('a file removed and re-indexed', () => {
    expect(problems(bundle((e) => delete e[shotPath]))).toEqual([
      `${shotPath}: missing (screenshot_viewport of evidence 1)`,
    ]);
  });

  it('a file listed in the index but gone, and a file the index does not list', () => {
    const zip = bundle((e) => delete e[shotPath], false);
    expect(problems(zip)).toEqual([`${shotPath}: missing`]);
    const extra = zipSync({ ...unzipSync(bundle()), 'files/extra.bin': strToU8('x') });
    expect(problems(extra)).toEqual(['files/extra.bin: not listed in index.json']);
  });

  it('a manifest edited and re-indexed: its hash no longer matches the chain', () => {
    const zip = bundle((e) => {
      e['manifests/evidence-2.json'] = strToU8(canonicalJson({ ...manifest(12), sku: 'OTHER' }));
    });
    expect(problems(zip)).toEqual(['manifests/evidence-2.json: manifest altered (hash differs from the chain)']);
  });

  it('a manifest edited with its chain hash updated too: the chain link breaks', () => {
    const zip = bundle((e, chain) => {
      const m = { ...manifest(12), sku: 'OTHER' };
      e['manifests/evidence-2.json'] = strToU8(canonicalJson(m));
      chain[1]!.manifest_sha256 = manifestSha256(m);
      e['chain.json'] = json(chain);
    });
    expect(problems(zip)).toEqual([
      'chain.json: evidence 2: chain_sha256 does not follow from prev and manifest hashes',
    ]);
  });

  it('a manifest removed, or replaced by something that is not JSON or not a manifest', () => {
    expect(problems(bundle((e) => delete e['manifests/evidence-1.json']))).toEqual([
      'manifests/evidence-1.json: missing',
    ]);
    expect(problems(bundle((e) => delete e['manifests/evidence-1.json'], false))).toEqual([
      'manifests/evidence-1.json: missing',
    ]);
    expect(problems(bundle((e) => (e['manifests/evidence-1.json'] = strToU8('{not json'))))).toEqual([
      'manifests/evidence-1.json: not valid JSON',
    ]);
    const notManifest = { ...manifest(11), render: 'telepathy' };
    const r = verifyBundle(
      bundle((e, chain) => {
        e['manifests/evidence-1.json'] = strToU8(canonicalJson(notManifest));
        chain[0]!.manifest_sha256 = manifestSha256(notManifest);
        chain[0]!.chain_sha256 = chainSha256(GENESIS_SHA256, manifestSha256(notManifest));
        chain[1]!.prev_sha256 = chain[0]!.chain_sha256;
        chain[1]!.chain_sha256 = chainSha256(chain[1]!.prev_sha256 as string, chain[1]!.manifest_sha256 as string);
        e['chain.json'] = json(chain);
      }),
    );
    expect(r.problems).toEqual(['manifests/evidence-1.json: not a valid manifest']);
    expect(r.manifests).toBe(2);
  });

  it('a missing or malformed chain, and a missing or foreign index', () => {
    const badChain = verifyBundle(bundle((e) => (e['chain.json'] = json([{ id: 'one' }]))));
    expect(badChain.problems).toEqual(['chain.json: missing or malformed']);
    expect(badChain.links).toEqual([]);
    const noIndex = unzipSync(bundle());
    delete noIndex['index.json'];
    expect(verifyBundle(zipSync(noIndex))).toEqual({
      caseId: null,
      files: 0,
      manifests: 0,
      problems: ['index.json: missing or not a mapwatch evidence bundle index'],
      notes: [],
      wacz: 0,
      links: [],
    });
    const foreign = { ...unzipSync(bundle()), 'index.json': json({ format: 'other', case_id: 7, files: {} }) };
    expect(problems(zipSync(foreign))).toEqual(['index.json: missing or not a mapwatch evidence bundle index']);
  });
});

describe('not a bundle at all', () => {
  it('a file that is no zip is a user error naming it ("bundle" when unnamed)', () => {
    expect(() => verifyBundle(strToU8('hello'))).toThrow(/^bundle: not a readable zip file \(/);
    expect(() => verifyBundle(strToU8('hello'), 'case-7.zip')).toThrow(UserError);
    expect(() => verifyBundle(strToU8('hello'), 'case-7.zip')).toThrow(/^case-7\.zip: not a readable zip file \(/);
  });

  it('a file that cannot be read says why', () => {
    const missing = path.join(tmpDir({}), 'nope.zip');
    expect(() => verifyBundleFile(missing)).toThrow(`${missing}: cannot be read (ENOENT)`);
  });
});

describe('entries that cannot be trusted', () => {
  it('a manifest entry larger than any mapwatch writes is refused, not parsed', () => {
    const big = new Uint8Array(64 * 1024 * 1024 + 1).fill(32);
    const zip = bundle((e) => (e['manifests/evidence-1.json'] = big));
    expect(problems(zip)).toEqual([
      `manifests/evidence-1.json: larger than ${64 * 1024 * 1024} bytes, not a mapwatch manifest`,
    ]);
  });

  it('an entry whose compressed data is damaged is reported by name', () => {
    const e = unzipSync(bundle());
    const text = strToU8('x'.repeat(5000) + 'the end');
    const zip = zipSync({ ...e, 'files/big.txt': [text, { level: 9 }] });
    // flip a byte inside the deflated data of files/big.txt (after its local header and name)
    const name = strToU8('files/big.txt');
    let at = -1;
    for (let i = 0; i < zip.length - name.length; i++) {
      if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 3 && zip[i + 3] === 4) {
        const n = zip[i + 26]! | (zip[i + 27]! << 8);
        const x = zip[i + 28]! | (zip[i + 29]! << 8);
        if (Buffer.from(zip.subarray(i + 30, i + 30 + n)).toString() === 'files/big.txt') at = i + 30 + n + x + 2;
      }
    }
    expect(at).toBeGreaterThan(0);
    zip[at] = zip[at]! ^ 0xff;
    const found = problems(zip);
    expect(found.some((p) => p.startsWith('files/big.txt: '))).toBe(true);
  });
});

describe('canonical JSON: one text per value', () => {
  it('sorts keys at every level by code unit, drops undefined members, keeps array holes as null', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined, 'x'], c: null }, e: undefined, B: true })).toBe(
      '{"B":true,"a":{"c":null,"d":[1,null,"x"]},"b":1}',
    );
    expect(canonicalJson({ z: 1, y: 2, x: 3 })).toBe(canonicalJson({ x: 3, y: 2, z: 1 }));
    expect(canonicalJson({ z: 1, y: 2, x: 3 })).toBe('{"x":3,"y":2,"z":1}');
  });

  it('writes plain values as JSON, and undefined as null', () => {
    expect([canonicalJson('a"b'), canonicalJson(1.5), canonicalJson(false), canonicalJson(null)]).toEqual([
      '"a\\"b"',
      '1.5',
      'false',
      'null',
    ]);
    expect(canonicalJson(undefined)).toBe('null');
  });
});
