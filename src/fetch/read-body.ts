/**
 * Read a response body with Content-Encoding decoding (gzip, deflate, br) under a cap on the
 * DECODED size. Reading stops as soon as the cap is passed and the source is destroyed, so a
 * 10 MB page (or a decompression bomb) is never buffered.
 */
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { FetchProblem } from './fetch-errors.js';

export interface ReadBodyOptions {
  maxBytes: number;
  /** When true, return the first maxBytes instead of failing with too_large (robots.txt). */
  truncate?: boolean;
}

/**
 * "deflate" is zlib-wrapped per the RFC, but some servers send raw deflate: decide on the
 * first two bytes, like browsers do.
 */
class AutoInflate extends Transform {
  private inner?: zlib.Inflate | zlib.InflateRaw;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.inner) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return cb();
      chunk = this.head;
      this.start();
    }
    this.inner!.write(chunk, () => cb());
  }

  override _flush(cb: TransformCallback): void {
    if (!this.inner) {
      if (this.head.length === 0) return cb();
      this.start();
      this.inner!.write(this.head);
    }
    this.inner!.once('end', () => cb());
    this.inner!.end();
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }

  private start(): void {
    const b0 = this.head[0] ?? 0;
    const b1 = this.head[1] ?? 0;
    const zlibWrapped = (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
    const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    this.inner = zlibWrapped ? zlib.createInflate(opts) : zlib.createInflateRaw(opts);
    this.inner.on('data', (d: Buffer) => this.push(d));
    this.inner.on('error', (e) => this.destroy(e));
  }
}

/** Destroy a stream without an unhandled 'error' (undici bodies emit one when destroyed early). */
export function destroyQuietly(stream: Readable | Transform): void {
  stream.on('error', () => undefined);
  stream.destroy();
}

function decoderFor(encoding: string): Transform {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      // Tolerate a missing trailer (truncated but otherwise fine), as browsers do.
      return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate':
      return new AutoInflate();
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      throw new FetchProblem('decode_error', `unsupported content-encoding "${encoding}"`, false);
  }
}

/** Decoders for a Content-Encoding header, in the order they must be applied. */
export function decodersFor(contentEncoding: string | undefined): Transform[] {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
  return codings.reverse().map(decoderFor);
}

export async function readBody(
  body: Readable,
  contentEncoding: string | undefined,
  opts: ReadBodyOptions,
): Promise<Buffer> {
  let decoders: Transform[];
  try {
    decoders = decodersFor(contentEncoding);
  } catch (err) {
    destroyQuietly(body);
    throw err;
  }
  const source: Readable =
    decoders.length === 0
      ? body
      : (pipeline([body, ...decoders], () => {
          /* errors surface through iteration of the last stream */
        }) as unknown as Readable);

  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (total + chunk.length > opts.maxBytes) {
        if (opts.truncate) chunks.push(chunk.subarray(0, opts.maxBytes - total));
        total += chunk.length;
        break;
      }
      chunks.push(chunk);
      total += chunk.length;
    }
  } finally {
    destroyQuietly(source);
    destroyQuietly(body);
    for (const d of decoders) destroyQuietly(d);
  }
  if (total > opts.maxBytes && !opts.truncate) {
    throw new FetchProblem('too_large', `over ${opts.maxBytes} bytes`, false);
  }
  return Buffer.concat(chunks);
}
