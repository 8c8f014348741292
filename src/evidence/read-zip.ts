/**
 * Streams the entries of a zip through a callback, a chunk at a time, in bounded memory.
 * It reads the central directory (at the end of the file) for each entry's offset and
 * compressed size, then inflates the entry's bytes in 1 MiB reads. Scanning local headers
 * instead (fflate's Unzip) buffers an entry whose sizes are in a trailing data descriptor
 * until its end is found, so a crafted bundle could still take unbounded memory.
 * Stored (0) and deflated (8) entries, and ZIP64 sizes, are supported.
 */
import fs from 'node:fs';
import { Inflate } from 'fflate';

export interface ZipSource {
  size: number;
  read(position: number, length: number): Uint8Array;
}

export function bufferSource(bytes: Uint8Array): ZipSource {
  return { size: bytes.length, read: (pos, len) => bytes.subarray(pos, pos + len) };
}

export function fileSource(fd: number): ZipSource {
  return {
    size: fs.fstatSync(fd).size,
    read(pos, len) {
      const buf = Buffer.alloc(len);
      const n = fs.readSync(fd, buf, 0, len, pos);
      return buf.subarray(0, n);
    },
  };
}

export class ZipFormatError extends Error {}

const CHUNK = 1024 * 1024;
/**
 * Deflate expands up to ~1032:1 and fflate inflates all of a pushed slice at once, so the
 * compressed bytes go in 8 KiB slices: at most ~8 MiB comes out per push.
 */
const INFLATE_SLICE = 8 * 1024;
/** A central directory bigger than this is not a bundle mapwatch wrote. */
const MAX_DIRECTORY = 64 * 1024 * 1024;

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 0x100000000;

interface Entry {
  name: string;
  method: number;
  compressed: number;
  offset: number;
}

function directory(src: ZipSource): Entry[] {
  const tailLen = Math.min(src.size, 65_557);
  const tail = src.read(src.size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (u32(tail, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new ZipFormatError('no end-of-central-directory record');
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(tail, loc) !== 0x07064b50) throw new ZipFormatError('ZIP64 locator missing');
    const z = src.read(u64(tail, loc + 8), 56);
    if (u32(z, 0) !== 0x06064b50) throw new ZipFormatError('ZIP64 end record missing');
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
  }
  if (cdSize > MAX_DIRECTORY || cdOffset + cdSize > src.size)
    throw new ZipFormatError('central directory out of range');
  const cd = src.read(cdOffset, cdSize);
  const entries: Entry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || u32(cd, p) !== 0x02014b50) throw new ZipFormatError('central directory is damaged');
    const method = u16(cd, p + 10);
    let compressed = u32(cd, p + 20);
    const uncompressed = u32(cd, p + 24);
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    let offset = u32(cd, p + 42);
    const name = Buffer.from(cd.subarray(p + 46, p + 46 + nameLen)).toString('utf8');
    // ZIP64 extra field: the 8-byte values of the fields that are 0xffffffff, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = u16(cd, e);
      const len = u16(cd, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressed === 0xffffffff) q += 8; // the uncompressed size is not needed
        if (compressed === 0xffffffff) {
          compressed = u64(cd, q);
          q += 8;
        }
        if (offset === 0xffffffff) offset = u64(cd, q);
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressed, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * A stored (uncompressed) entry as a source of its own, read in place: how a WACZ inside a
 * bundle is checked without copying it out. Null for a deflated or damaged entry.
 */
export function storedEntrySource(src: ZipSource, name: string): ZipSource | null {
  const e = directory(src).find((x) => x.name === name);
  if (!e || e.method !== 0) return null;
  const head = src.read(e.offset, 30);
  if (head.length < 30 || u32(head, 0) !== 0x04034b50) return null;
  const start = e.offset + 30 + u16(head, 26) + u16(head, 28);
  if (start + e.compressed > src.size) return null;
  return {
    size: e.compressed,
    read: (pos, len) => src.read(start + pos, Math.max(0, Math.min(len, e.compressed - pos))),
  };
}

/** One entry inflated into memory, up to `maxBytes` (null: absent, damaged or too big). */
export function readEntryBytes(src: ZipSource, name: string, maxBytes: number): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let size = 0;
  let ok = false;
  forEachZipEntry(src, (n) =>
    n !== name
      ? null
      : {
          data(chunk) {
            size += chunk.length;
            if (size <= maxBytes) parts.push(Uint8Array.prototype.slice.call(chunk));
          },
          end() {
            ok = size <= maxBytes;
          },
          error() {
            ok = false;
          },
        },
  );
  return ok ? Buffer.concat(parts) : null;
}

/**
 * Calls `onEntry` once per entry; the returned sink (null skips the entry) receives the inflated bytes in order.
 * Throws ZipFormatError for a file that is not a readable zip; an entry that fails to
 * inflate is reported to the sink's `error`.
 */
export function forEachZipEntry(
  src: ZipSource,
  onEntry: (name: string) => { data(chunk: Uint8Array): void; end(): void; error(message: string): void } | null,
): void {
  for (const e of directory(src)) {
    const sink = onEntry(e.name);
    if (!sink) continue; // skipped: not read at all
    const head = src.read(e.offset, 30);
    if (head.length < 30 || u32(head, 0) !== 0x04034b50) {
      sink.error('local header missing');
      continue;
    }
    const start = e.offset + 30 + u16(head, 26) + u16(head, 28);
    if (start + e.compressed > src.size) {
      sink.error('entry runs past the end of the file');
      continue;
    }
    if (e.method !== 0 && e.method !== 8) {
      sink.error(`unsupported compression method ${e.method}`);
      continue;
    }
    try {
      const inflate = e.method === 8 ? new Inflate((chunk) => sink.data(chunk)) : null;
      for (let at = 0; at < e.compressed; at += CHUNK) {
        const part = src.read(start + at, Math.min(CHUNK, e.compressed - at));
        const last = at + part.length >= e.compressed;
        if (!inflate) sink.data(part);
        else
          for (let i = 0; i < part.length; i += INFLATE_SLICE)
            inflate.push(part.subarray(i, i + INFLATE_SLICE), last && i + INFLATE_SLICE >= part.length);
      }
      if (inflate && e.compressed === 0) inflate.push(new Uint8Array(0), true);
      sink.end();
    } catch (err) {
      sink.error(`cannot be inflated (${(err as Error).message})`);
    }
  }
}
