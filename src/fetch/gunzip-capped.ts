/**
 * Unpack a gzip file (a sitemap served as .xml.gz, not gzip-encoded) without ever holding
 * more than `maxBytes` of its content: a small file that unpacks to gigabytes is refused as
 * too_large, like any page over the cap.
 */
import zlib from 'node:zlib';
import { FetchProblem } from './fetch-errors.js';

export function gunzipCapped(buf: Buffer, maxBytes: number): Buffer {
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (err as Error).name === 'RangeError')
      throw new FetchProblem('too_large', `gzip content over ${maxBytes} bytes`, false);
    throw new FetchProblem('decode_error', `gzip file does not unpack: ${(err as Error).message}`, false);
  }
}
