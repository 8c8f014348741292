/**
 * Content-addressed storage for evidence files: a file's key is derived from its SHA-256,
 * so storing the same bytes twice is a no-op and a key can never point at other bytes.
 * `EvidenceStore` is the interface (local disk now; an S3-compatible store can follow).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface StoredFile {
  key: string;
  sha256: string;
  size: number;
}

export interface EvidenceStore {
  put(bytes: Uint8Array): Promise<StoredFile>;
  /** The bytes under `key`, or null when missing. */
  get(key: string): Promise<Buffer | null>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function keyFor(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

const KEY_RE = /^sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/;

export class LocalEvidenceStore implements EvidenceStore {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    // Keys come back from the database and from bundles: never let one escape the root.
    if (!KEY_RE.test(key)) throw new Error(`not an evidence storage key: ${key.slice(0, 100)}`);
    return path.join(this.root, key);
  }

  async put(bytes: Uint8Array): Promise<StoredFile> {
    const sha256 = sha256Hex(bytes);
    const key = keyFor(sha256);
    const file = this.pathOf(key);
    try {
      await fs.access(file);
    } catch {
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Write then rename: a crash never leaves a half-written file under a valid key.
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.writeFile(tmp, bytes, { flag: 'wx' });
      await fs.rename(tmp, file);
    }
    return { key, sha256, size: bytes.length };
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
