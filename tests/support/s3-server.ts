/**
 * A small S3-compatible server for the tests, in memory, on 127.0.0.1 (port 0). It speaks
 * the part of the S3 REST API the evidence store uses, path-style, the way MinIO and S3 answer
 * it: PutObject (x-amz-checksum-sha256 checked like S3 does: BadDigest on a mismatch, and the
 * aws-chunked upload encoding the SDK uses for streams), GetObject/HeadObject (the stored
 * checksum returned), DeleteObject, CopyObject, ListObjectsV2 with continuation tokens, and
 * multipart uploads. Signatures are not checked. No S3 server on the npm registry fitted:
 * s3rver (the known one) is unmaintained and does not decode aws-chunked bodies.
 *
 * Hooks for the tests: `corrupt` flips stored bytes (a disk that went bad), `age` moves an
 * object's LastModified into the past, `tamperNextPut` changes the next upload in transit.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  body: Buffer;
  lastModified: Date;
  sha256: string | null;
  contentType: string;
  metadata: Record<string, string>;
}

interface Upload {
  bucket: string;
  key: string;
  parts: Map<number, Buffer>;
  metadata: Record<string, string>;
}

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  objects: Map<string, StoredObject>;
  /** Requests by S3 operation, to see what a client did. */
  calls: Map<string, number>;
  /** Objects written (PutObject, CopyObject, UploadPart) per access key id, from each request's signature. */
  writers: Map<string, number>;
  corrupt(key: string): void;
  age(key: string, days: number): void;
  tamperNextPut(): void;
  close(): Promise<void>;
}

const b64sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const etag = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

/** Decodes `Content-Encoding: aws-chunked` (hex size[;chunk-signature]\r\n data \r\n … 0\r\n trailers). */
function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new Error('aws-chunked: truncated');
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    at = eol + 2;
    if (!size) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of raw.subarray(at).toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

function xml(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function error(res: http.ServerResponse, status: number, code: string, message: string, head = false) {
  if (head) {
    res.writeHead(status);
    res.end();
    return;
  }
  xml(res, status, `<Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`);
}

export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = opts.bucket ?? 'evidence';
  const objects = new Map<string, StoredObject>();
  const uploads = new Map<string, Upload>();
  const calls = new Map<string, number>();
  const writers = new Map<string, number>();
  let tamper = false;
  const count = (op: string) => calls.set(op, (calls.get(op) ?? 0) + 1);
  const wrote = (req: http.IncomingMessage) => {
    const who = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'anonymous';
    writers.set(who, (writers.get(who) ?? 0) + 1);
  };

  const readBody = async (req: http.IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? ''));
    const { body, trailers } = chunked ? decodeAwsChunked(raw) : { body: raw, trailers: {} };
    const sha = (trailers['x-amz-checksum-sha256'] ?? req.headers['x-amz-checksum-sha256']) as string | undefined;
    return { body, sha };
  };
  const metaOf = (req: http.IncomingMessage) =>
    Object.fromEntries(
      Object.entries(req.headers)
        .filter(([k]) => k.startsWith('x-amz-meta-'))
        .map(([k, v]) => [k.slice(11), String(v)]),
    );

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://s3.test');
      const [, b, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const q = url.searchParams;
      const head = req.method === 'HEAD';
      if (b !== bucket) return error(res, 404, 'NoSuchBucket', `no bucket ${b}`, head);

      if (!key && req.method === 'GET') {
        count('ListObjectsV2');
        const prefix = q.get('prefix') ?? '';
        const max = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
        const after = q.get('continuation-token') ?? q.get('start-after') ?? '';
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
        const page = keys.slice(0, max);
        const truncated = keys.length > page.length;
        const contents = page
          .map((k) => {
            const o = objects.get(k)!;
            return `<Contents><Key>${esc(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${etag(o.body)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
          })
          .join('');
        return xml(
          res,
          200,
          `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${esc(page.at(-1)!)}</NextContinuationToken>` : ''}</ListBucketResult>`,
        );
      }

      if (req.method === 'POST' && q.has('uploads')) {
        count('CreateMultipartUpload');
        const id = randomUUID();
        uploads.set(id, { bucket, key, parts: new Map(), metadata: metaOf(req) });
        return xml(
          res,
          200,
          `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${esc(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
        );
      }
      const uploadId = q.get('uploadId');
      if (uploadId) {
        const up = uploads.get(uploadId);
        if (!up) return error(res, 404, 'NoSuchUpload', 'no such upload');
        if (req.method === 'PUT') {
          count('UploadPart');
          wrote(req);
          const { body, sha } = await readBody(req);
          if (sha && sha !== b64sha(body)) return error(res, 400, 'BadDigest', 'part checksum mismatch');
          up.parts.set(Number(q.get('partNumber')), body);
          res.writeHead(200, { etag: etag(body), ...(sha ? { 'x-amz-checksum-sha256': sha } : {}) });
          return res.end();
        }
        if (req.method === 'POST') {
          count('CompleteMultipartUpload');
          await readBody(req);
          const body = Buffer.concat([...up.parts].sort((x, y) => x[0] - y[0]).map(([, p]) => p));
          objects.set(key, {
            body,
            lastModified: new Date(),
            sha256: null,
            contentType: 'application/octet-stream',
            metadata: up.metadata,
          });
          uploads.delete(uploadId);
          return xml(
            res,
            200,
            `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${esc(key)}</Key><ETag>${etag(body)}</ETag></CompleteMultipartUploadResult>`,
          );
        }
        if (req.method === 'DELETE') {
          count('AbortMultipartUpload');
          uploads.delete(uploadId);
          res.writeHead(204);
          return res.end();
        }
      }

      if (req.method === 'PUT' && req.headers['x-amz-copy-source']) {
        count('CopyObject');
        wrote(req);
        await readBody(req);
        const src = decodeURIComponent(String(req.headers['x-amz-copy-source']).replace(/^\//, ''));
        const from = objects.get(src.slice(src.indexOf('/') + 1));
        if (!from) return error(res, 404, 'NoSuchKey', `no such key ${src}`);
        const replace = req.headers['x-amz-metadata-directive'] === 'REPLACE';
        const wantSha = req.headers['x-amz-checksum-algorithm'] === 'SHA256';
        const o: StoredObject = {
          body: from.body,
          lastModified: new Date(),
          sha256: wantSha ? b64sha(from.body) : from.sha256,
          contentType: from.contentType,
          metadata: replace ? metaOf(req) : from.metadata,
        };
        objects.set(key, o);
        return xml(
          res,
          200,
          `<CopyObjectResult><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${etag(o.body)}</ETag>${o.sha256 ? `<ChecksumSHA256>${o.sha256}</ChecksumSHA256>` : ''}</CopyObjectResult>`,
        );
      }
      if (req.method === 'PUT') {
        count('PutObject');
        wrote(req);
        const { body, sha } = await readBody(req);
        if (tamper) {
          tamper = false;
          if (body.length) body[0] = body[0]! ^ 0xff;
        }
        if (sha && sha !== b64sha(body))
          return error(res, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
        objects.set(key, {
          body,
          lastModified: new Date(),
          sha256: sha ?? null,
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          metadata: metaOf(req),
        });
        res.writeHead(200, { etag: etag(body), ...(sha ? { 'x-amz-checksum-sha256': sha } : {}) });
        return res.end();
      }
      if (req.method === 'GET' || head) {
        count(head ? 'HeadObject' : 'GetObject');
        const o = objects.get(key);
        if (!o) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.', head);
        const checksum = o.sha256 && req.headers['x-amz-checksum-mode'] === 'ENABLED';
        res.writeHead(200, {
          'content-type': o.contentType,
          'content-length': o.body.length,
          'last-modified': o.lastModified.toUTCString(),
          etag: etag(o.body),
          ...(checksum ? { 'x-amz-checksum-sha256': o.sha256!, 'x-amz-checksum-type': 'FULL_OBJECT' } : {}),
          ...Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
        });
        return res.end(head ? undefined : o.body);
      }
      if (req.method === 'DELETE') {
        count('DeleteObject');
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      }
      return error(res, 405, 'MethodNotAllowed', `${req.method} not supported here`);
    })().catch((err: Error) => error(res, 500, 'InternalError', err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    objects,
    calls,
    writers,
    corrupt(key) {
      const o = objects.get(key);
      if (!o) throw new Error(`no object ${key}`);
      const body = Buffer.from(o.body);
      body[body.length - 1] = body[body.length - 1]! ^ 0xff;
      o.body = body;
    },
    age(key, days) {
      const o = objects.get(key);
      if (!o) throw new Error(`no object ${key}`);
      o.lastModified = new Date(o.lastModified.getTime() - days * 86_400_000);
    },
    tamperNextPut() {
      tamper = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
