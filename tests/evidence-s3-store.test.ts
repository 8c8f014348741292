/**
 * The S3 evidence store against a local S3-compatible server (tests/support/s3-server.ts):
 * put, get, streams both ways (multipart included), a missing key, checksum mismatches on
 * put (a body changed in transit) and on get (bytes changed in the bucket), listing, the
 * refresh of an old object stored again, and the store the configuration picks.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProcessConfig } from '../src/config/process-config.js';
import { EvidenceChecksumError, keyFor, LocalEvidenceStore, sha256Hex } from '../src/evidence/evidence-store.js';
import { openEvidenceStore } from '../src/evidence/open-evidence-store.js';
import { S3EvidenceStore } from '../src/evidence/s3-evidence-store.js';
import { type S3TestServer, startS3Server } from './support/s3-server.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test-secret' };

async function drain(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('S3 evidence store', () => {
  let s3: S3TestServer;
  let store: S3EvidenceStore;

  beforeAll(async () => {
    s3 = await startS3Server();
    // A small part size so a 12 MiB stream goes up in three parts.
    store = new S3EvidenceStore({
      bucket: s3.bucket,
      prefix: 'mw/',
      endpoint: s3.endpoint,
      credentials: creds,
      partSize: 5 * 1024 * 1024,
    });
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('put stores under the content key with its SHA-256 sent for the server to check; get returns the bytes', async () => {
    const bytes = Buffer.from('<html>a reseller page</html>');
    const stored = await store.put(bytes);
    expect(stored).toEqual({ key: keyFor(sha256Hex(bytes)), sha256: sha256Hex(bytes), size: bytes.length });
    expect(s3.objects.get(`mw/${stored.key}`)?.sha256).toBe(Buffer.from(stored.sha256, 'hex').toString('base64'));
    expect(await store.get(stored.key)).toEqual(bytes);
    // The same bytes again: no second upload.
    const puts = s3.calls.get('PutObject');
    await store.put(bytes);
    expect(s3.calls.get('PutObject')).toBe(puts);
  });

  it('a missing key is null for get, getStream and stat; deleting it is no error', async () => {
    const key = keyFor(sha256Hex('never stored'));
    expect(await store.get(key)).toBeNull();
    expect(await store.getStream(key)).toBeNull();
    expect(await store.stat(key)).toBeNull();
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it('putStream uploads in parts without knowing the size, lands under the content key, and streams back', async () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const before = s3.calls.get('UploadPart') ?? 0;
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 256 * 1024) yield bytes.subarray(i, i + 256 * 1024);
    }
    const stored = await store.putStream(chunks());
    expect(stored).toEqual({ key: keyFor(sha256Hex(bytes)), sha256: sha256Hex(bytes), size: bytes.length });
    expect((s3.calls.get('UploadPart') ?? 0) - before).toBe(3);
    // The temporary upload is gone; only the content key is left.
    expect([...s3.objects.keys()].filter((k) => k.includes('/tmp/'))).toEqual([]);
    const back = await store.getStream(stored.key);
    expect(sha256Hex(await drain(back!))).toBe(stored.sha256);
  });

  it('a body changed on its way to the server is refused there, and the error names the key', async () => {
    const bytes = Buffer.from('screenshot bytes that will be damaged in transit');
    const key = keyFor(sha256Hex(bytes));
    s3.tamperNextPut();
    const err = await store.put(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvidenceChecksumError);
    expect((err as Error).message).toContain(key);
    expect(s3.objects.has(`mw/${key}`)).toBe(false);
  });

  it('bytes changed in the bucket: get and getStream fail with a checksum error naming the key', async () => {
    const stored = await store.put(Buffer.from('a WARC record'));
    s3.corrupt(`mw/${stored.key}`);
    const err = await store.get(stored.key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvidenceChecksumError);
    expect((err as Error).message).toMatch(new RegExp(`^evidence file ${stored.key}: checksum mismatch`));
    const stream = await store.getStream(stored.key);
    await expect(drain(stream!)).rejects.toThrow(stored.key);
  });

  it('lists content keys only, with size and time; an old object stored again gets a new time', async () => {
    const bytes = Buffer.from('stored long ago');
    const stored = await store.put(bytes);
    s3.age(`mw/${stored.key}`, 40);
    const listed = new Map<string, { size: number; lastModified: Date }>();
    for await (const e of store.list()) listed.set(e.key, e);
    expect(listed.get(stored.key)?.size).toBe(bytes.length);
    expect(Date.now() - listed.get(stored.key)!.lastModified.getTime()).toBeGreaterThan(39 * 86_400_000);
    expect([...listed.keys()].every((k) => k.startsWith('sha256/'))).toBe(true);
    await store.put(bytes);
    expect(Date.now() - (await store.stat(stored.key))!.lastModified.getTime()).toBeLessThan(86_400_000);
    expect(await store.get(stored.key)).toEqual(bytes);
    await store.delete(stored.key);
    expect(await store.stat(stored.key)).toBeNull();
  });

  it('lists past a page of 1000 keys', async () => {
    const other = new S3EvidenceStore({
      bucket: s3.bucket,
      prefix: 'many/',
      endpoint: s3.endpoint,
      credentials: creds,
    });
    for (let i = 0; i < 1005; i++) {
      const b = Buffer.from(`file ${i}`);
      const k = keyFor(sha256Hex(b));
      s3.objects.set(`many/${k}`, {
        body: b,
        lastModified: new Date(),
        sha256: null,
        contentType: 'application/octet-stream',
        metadata: {},
      });
    }
    let n = 0;
    for await (const _ of other.list()) n++;
    expect(n).toBe(1005);
  });

  it('keys that are not content keys are refused before any request', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow('not an evidence storage key');
  });

  it('MAPWATCH_EVIDENCE_URL picks the store: s3://bucket/prefix, a directory, or <data dir>/evidence', () => {
    const cfg = (env: Record<string, string>) => loadProcessConfig({ MAPWATCH_DATA_DIR: '/var/mw', ...env });
    const s = openEvidenceStore(
      cfg({ MAPWATCH_EVIDENCE_URL: 's3://mapwatch-evidence/prod/eu', MAPWATCH_S3_ENDPOINT: 'http://minio:9000' }),
    );
    expect(s).toBeInstanceOf(S3EvidenceStore);
    expect(s.location).toBe('s3://mapwatch-evidence/prod/eu/');
    expect((s as S3EvidenceStore).opts.endpoint).toBe('http://minio:9000');
    expect(openEvidenceStore(cfg({ MAPWATCH_EVIDENCE_URL: 's3://bucket' })).location).toBe('s3://bucket/');
    expect(openEvidenceStore(cfg({})).location).toBe(path.join('/var/mw', 'evidence'));
    expect(openEvidenceStore(cfg({ MAPWATCH_EVIDENCE_URL: '/srv/evidence' }))).toBeInstanceOf(LocalEvidenceStore);
    expect(() => openEvidenceStore(cfg({ MAPWATCH_EVIDENCE_URL: 's3://B_ad' }))).toThrow(/MAPWATCH_EVIDENCE_URL/);
    expect(() => openEvidenceStore(cfg({ MAPWATCH_EVIDENCE_URL: 'gs://bucket/x' }))).toThrow(/only s3:/);
  });
});

describe('local evidence store: the same checks', () => {
  it('get fails with a checksum error naming the key when the file changed on disk; streams both ways', async () => {
    const { tmpDir } = await import('./support/tmp.js');
    const fs = await import('node:fs');
    const store = new LocalEvidenceStore(tmpDir());
    const bytes = randomBytes(300_000);
    const stored = await store.putStream([bytes.subarray(0, 100_000), bytes.subarray(100_000)]);
    expect(stored.key).toBe(keyFor(sha256Hex(bytes)));
    expect(await store.get(stored.key)).toEqual(bytes);
    expect(sha256Hex(await drain((await store.getStream(stored.key))!))).toBe(stored.sha256);
    fs.writeFileSync(path.join(store.root, stored.key), Buffer.from('other bytes'));
    await expect(store.get(stored.key)).rejects.toThrow(`evidence file ${stored.key}: checksum mismatch`);
    await expect(drain((await store.getStream(stored.key))!)).rejects.toBeInstanceOf(EvidenceChecksumError);
    const listed = [];
    for await (const e of store.list()) listed.push(e.key);
    expect(listed).toEqual([stored.key]);
  });
});
