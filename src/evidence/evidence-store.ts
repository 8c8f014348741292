/**
 * Content-addressed storage for evidence files: a file's key is derived from its SHA-256,
 * so storing the same bytes twice is a no-op and a key can never point at other bytes.
 * `EvidenceStore` is the interface: a local directory (this file) or an S3-compatible bucket
 * (s3-evidence-store.ts); open-evidence-store.ts picks one from the configuration.
 *
 * Every store checks the bytes against the key both ways: `put` makes sure what was stored is
 * what was hashed, `get` that what comes back still is (a mismatch is an
 * EvidenceChecksumError naming the key, never bytes handed out as evidence).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MapwatchError } from '../errors.js';

export interface StoredFile {
  key: string;
  sha256: string;
  size: number;
}

/** One stored file as a listing sees it (retention). */
export interface StoredEntry {
  key: string;
  size: number;
  /** When it was stored, or last stored again (a put of bytes already there refreshes it). */
  lastModified: Date;
}

export interface EvidenceStore {
  /** Where the files are, for messages: a directory or `s3://bucket/prefix`. */
  readonly location: string;
  put(bytes: Uint8Array): Promise<StoredFile>;
  /** Stores a stream without holding it in memory; the key is known once the last byte is hashed. */
  putStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredFile>;
  /** The bytes under `key`, or null when missing; EvidenceChecksumError when they no longer match it. */
  get(key: string): Promise<Buffer | null>;
  /** The bytes as a stream, or null when missing; the stream fails with EvidenceChecksumError at its end on a mismatch. */
  getStream(key: string): Promise<Readable | null>;
  /** Size and time stored, or null when missing. */
  stat(key: string): Promise<StoredEntry | null>;
  /** Every stored file (content keys only), in no particular order. */
  list(): AsyncIterable<StoredEntry>;
  /** Removes the file; a missing one is not an error. */
  delete(key: string): Promise<void>;
}

/** The bytes under a key are not the bytes its SHA-256 names (changed on disk, in the bucket or in transit). */
export class EvidenceChecksumError extends MapwatchError {
  constructor(
    readonly key: string,
    detail: string,
    /** The SHA-256 of the bytes actually found, when they were read (an export names it). */
    readonly actualSha256?: string,
  ) {
    super('conflict', `evidence file ${key}: checksum mismatch (${detail})`);
    this.name = 'EvidenceChecksumError';
  }
}

/** `get` for display: bytes that are missing or no longer match their key are both null. */
export async function getIntact(store: EvidenceStore, key: string): Promise<Buffer | null> {
  try {
    return await store.get(key);
  } catch (err) {
    if (err instanceof EvidenceChecksumError) return null;
    throw err;
  }
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function keyFor(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

export const KEY_RE = /^sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

/** The SHA-256 a key names; throws on anything that is not a content key (keys come from the database and bundles). */
export function shaOfKey(key: string): string {
  const m = KEY_RE.exec(key);
  if (!m) throw new Error(`not an evidence storage key: ${key.slice(0, 100)}`);
  return m[1]!;
}

/**
 * A file stored again within this long keeps its time; older, its time is refreshed, so
 * retention (which removes files not stored for N days and named by no chain row) never
 * removes a file a read has just stored and is about to chain.
 */
export const REFRESH_AFTER_MS = 3_600_000;

/** Passes bytes through while hashing them; at the end, fails when they are not `sha256`. */
export function verifyingStream(key: string, sha256: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const got = hash.digest('hex');
      cb(got === sha256 ? null : new EvidenceChecksumError(key, `stored bytes hash to ${got}`, got));
    },
  });
}

export class LocalEvidenceStore implements EvidenceStore {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  private pathOf(key: string): string {
    // Keys come back from the database and from bundles: never let one escape the root.
    shaOfKey(key);
    return path.join(this.root, key);
  }

  /** True when the file is there (its time refreshed if old). */
  private async have(file: string, size: number): Promise<boolean> {
    try {
      const st = await fs.stat(file);
      if (st.size !== size) return false;
      if (Date.now() - st.mtimeMs > REFRESH_AFTER_MS) await fs.utimes(file, new Date(), new Date());
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async put(bytes: Uint8Array): Promise<StoredFile> {
    const sha256 = sha256Hex(bytes);
    const key = keyFor(sha256);
    const file = this.pathOf(key);
    if (!(await this.have(file, bytes.length))) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Write then rename: a crash never leaves a half-written file under a valid key.
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.writeFile(tmp, bytes, { flag: 'wx' });
      await fs.rename(tmp, file);
    }
    return { key, sha256, size: bytes.length };
  }

  async putStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredFile> {
    const tmpDir = path.join(this.root, 'tmp');
    await fs.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        Readable.from(source),
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            size += chunk.length;
            cb(null, chunk);
          },
        }),
        createWriteStream(tmp, { flags: 'wx' }),
      );
      const sha256 = hash.digest('hex');
      const key = keyFor(sha256);
      const file = this.pathOf(key);
      if (!(await this.have(file, size))) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.rename(tmp, file);
      }
      return { key, sha256, size };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Buffer | null> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const got = sha256Hex(bytes);
    if (got !== shaOfKey(key)) throw new EvidenceChecksumError(key, `stored bytes hash to ${got}`, got);
    return bytes;
  }

  async getStream(key: string): Promise<Readable | null> {
    const file = this.pathOf(key);
    const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!handle) return null;
    const out = verifyingStream(key, shaOfKey(key));
    pipeline(handle.createReadStream(), out).catch(() => {
      // The error reaches the reader through `out`.
    });
    return out;
  }

  async stat(key: string): Promise<StoredEntry | null> {
    try {
      const st = await fs.stat(this.pathOf(key));
      return { key, size: st.size, lastModified: st.mtime };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async *list(): AsyncIterable<StoredEntry> {
    const top = path.join(this.root, 'sha256');
    const dirs = async (d: string) =>
      (await fs.readdir(d, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);
    for (const a of await dirs(top))
      for (const b of await dirs(path.join(top, a)))
        for (const name of await fs.readdir(path.join(top, a, b)).catch(() => [] as string[])) {
          const key = `sha256/${a}/${b}/${name}`;
          if (!KEY_RE.test(key)) continue;
          const st = await this.stat(key);
          if (st) yield st;
        }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }
}
