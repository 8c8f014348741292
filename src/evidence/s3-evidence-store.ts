/**
 * Evidence files in an S3-compatible bucket (AWS S3, MinIO, R2, …), so workers on several
 * machines share one store and an export from any machine is complete. Objects live under
 * `<prefix>sha256/ab/cd/<sha256>`, the same content keys as on disk.
 *
 * Checksums: every upload carries its SHA-256 (`x-amz-checksum-sha256`), which the server
 * checks before it stores anything (a body changed in transit is refused); a streamed upload
 * goes to a temporary object first, is copied to its content key with a SHA-256 the server
 * computes, and that must be the hash of what was sent. Every download is hashed against its
 * key. The AWS SDK is imported on first use: processes that never touch the bucket do not load it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { UnavailableError, UserError } from '../errors.js';
import {
  type EvidenceStore,
  EvidenceChecksumError,
  keyFor,
  KEY_RE,
  REFRESH_AFTER_MS,
  sha256Hex,
  shaOfKey,
  type StoredEntry,
  type StoredFile,
  verifyingStream,
} from './evidence-store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'). */
  prefix: string;
  /** An S3-compatible endpoint (MinIO, R2): path-style requests. Unset: AWS S3. */
  endpoint?: string;
  /** Unset: the SDK's (AWS_REGION, profile); with an endpoint and none found, us-east-1. */
  region?: string;
  /** Unset: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Uploads larger than this go through multipart streaming (default 8 MiB, S3's minimum part is 5). */
  partSize?: number;
}

type Sdk = typeof import('@aws-sdk/client-s3');

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const notFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

export class S3EvidenceStore implements EvidenceStore {
  private sdk?: Promise<{ sdk: Sdk; client: S3Client }>;
  private readonly partSize: number;

  constructor(readonly opts: S3StoreOptions) {
    if (opts.prefix && !opts.prefix.endsWith('/')) throw new Error('S3 store prefix must end in /');
    this.partSize = opts.partSize ?? 8 * 1024 * 1024;
  }

  get location(): string {
    return `s3://${this.opts.bucket}/${this.opts.prefix}`;
  }

  private open() {
    this.sdk ??= import('@aws-sdk/client-s3').then((sdk) => {
      const { endpoint, region, credentials } = this.opts;
      const client = new sdk.S3Client({
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        region: region ?? (endpoint ? 'us-east-1' : undefined),
        ...(credentials ? { credentials } : {}),
        // The SHA-256 is sent and checked explicitly (below); the SDK's own CRC trailers are not
        // understood by every S3-compatible server.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
      });
      return { sdk, client };
    });
    return this.sdk;
  }

  private objectKey(key: string): string {
    shaOfKey(key);
    return `${this.opts.prefix}${key}`;
  }

  /** An SDK failure as one of ours, naming the store and key (never the credentials). */
  private fail(op: string, key: string, err: unknown): Error {
    if (err instanceof EvidenceChecksumError) return err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const what = `evidence store ${this.location}: ${op} ${key}: ${e.name ?? 'error'}: ${e.message ?? String(err)}`;
    if (e.name === 'BadDigest' || e.name === 'InvalidDigest' || /checksum/i.test(e.message ?? ''))
      return new EvidenceChecksumError(key, `${op} refused by the server: ${e.message ?? e.name}`);
    const status = e.$metadata?.httpStatusCode;
    if (status === 403 || status === 400 || e.name === 'CredentialsProviderError' || /region/i.test(e.message ?? ''))
      return new UserError(what, { cause: err });
    return new UnavailableError(what, { cause: err });
  }

  async put(bytes: Uint8Array): Promise<StoredFile> {
    if (bytes.length > this.partSize) return this.putStream([bytes]);
    const { sdk, client } = await this.open();
    const sha256 = sha256Hex(bytes);
    const key = keyFor(sha256);
    const Key = this.objectKey(key);
    try {
      if (!(await this.have(key, bytes.length))) {
        const res = await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.opts.bucket,
            Key,
            Body: bytes,
            ContentLength: bytes.length,
            ChecksumSHA256: b64(sha256),
            ContentType: 'application/octet-stream',
          }),
        );
        if (res.ChecksumSHA256 && res.ChecksumSHA256 !== b64(sha256))
          throw new EvidenceChecksumError(key, `the server stored SHA-256 ${res.ChecksumSHA256} (base64)`);
      }
    } catch (err) {
      throw this.fail('put', key, err);
    }
    return { key, sha256, size: bytes.length };
  }

  async putStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredFile> {
    const { sdk, client } = await this.open();
    const { Upload } = await import('@aws-sdk/lib-storage');
    const tmp = `${this.opts.prefix}tmp/${randomUUID()}`;
    const hash = createHash('sha256');
    let size = 0;
    const body = Readable.from(
      (async function* () {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      })(),
    );
    let key = tmp;
    try {
      // Each part carries its SHA-256, checked by the server as it arrives.
      await new Upload({
        client,
        params: { Bucket: this.opts.bucket, Key: tmp, Body: body, ChecksumAlgorithm: 'SHA256' },
        partSize: this.partSize,
        queueSize: 2,
        leavePartsOnError: false,
      }).done();
      const sha256 = hash.digest('hex');
      key = keyFor(sha256);
      if (!(await this.have(key, size))) {
        const res = await client.send(
          new sdk.CopyObjectCommand({
            Bucket: this.opts.bucket,
            Key: this.objectKey(key),
            CopySource: `${this.opts.bucket}/${encodeURIComponent(tmp).replace(/%2F/g, '/')}`,
            ChecksumAlgorithm: 'SHA256',
          }),
        );
        const got = res.CopyObjectResult?.ChecksumSHA256;
        if (got && got !== b64(sha256)) {
          await this.delete(key);
          throw new EvidenceChecksumError(key, `the server computed SHA-256 ${got} (base64) for what was uploaded`);
        }
      }
      return { key, sha256, size };
    } catch (err) {
      throw this.fail('put', key, err);
    } finally {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: tmp })).catch(() => {});
    }
  }

  /** True when the object is there with this size; an old one's time is refreshed (see REFRESH_AFTER_MS). */
  private async have(key: string, size: number): Promise<boolean> {
    const st = await this.stat(key);
    if (!st || st.size !== size) return false;
    if (Date.now() - st.lastModified.getTime() > REFRESH_AFTER_MS) {
      const { sdk, client } = await this.open();
      const Key = this.objectKey(key);
      // Copying an object onto itself (metadata replaced, as S3 requires) gives it a new time.
      await client.send(
        new sdk.CopyObjectCommand({
          Bucket: this.opts.bucket,
          Key,
          CopySource: `${this.opts.bucket}/${Key}`,
          MetadataDirective: 'REPLACE',
          Metadata: { 'refreshed-at': new Date().toISOString() },
          ContentType: 'application/octet-stream',
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    }
    return true;
  }

  async get(key: string): Promise<Buffer | null> {
    const stream = await this.getStream(key);
    if (!stream) return null;
    const chunks: Buffer[] = [];
    try {
      for await (const c of stream) chunks.push(c as Buffer);
    } catch (err) {
      throw this.fail('get', key, err);
    }
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable | null> {
    const { sdk, client } = await this.open();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
      const body = res.Body as Readable;
      const out = verifyingStream(key, shaOfKey(key));
      body.on('error', (err) => out.destroy(this.fail('get', key, err)));
      return body.pipe(out);
    } catch (err) {
      if (notFound(err)) return null;
      throw this.fail('get', key, err);
    }
  }

  async stat(key: string): Promise<StoredEntry | null> {
    const { sdk, client } = await this.open();
    try {
      const res = await client.send(new sdk.HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
      return { key, size: Number(res.ContentLength ?? 0), lastModified: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (notFound(err)) return null;
      throw this.fail('stat', key, err);
    }
  }

  async *list(): AsyncIterable<StoredEntry> {
    const { sdk, client } = await this.open();
    const Prefix = `${this.opts.prefix}sha256/`;
    let ContinuationToken: string | undefined;
    do {
      let res;
      try {
        res = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix, ContinuationToken }));
      } catch (err) {
        throw this.fail('list', Prefix, err);
      }
      for (const o of res.Contents ?? []) {
        const key = (o.Key ?? '').slice(this.opts.prefix.length);
        if (KEY_RE.test(key)) yield { key, size: Number(o.Size ?? 0), lastModified: o.LastModified ?? new Date(0) };
      }
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(key: string): Promise<void> {
    const { sdk, client } = await this.open();
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (!notFound(err)) throw this.fail('delete', key, err);
    }
  }
}
