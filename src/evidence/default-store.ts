/** The evidence store under `<data dir>/evidence`, used when a caller passes none. */
import path from 'node:path';
import { env } from '../config/env.js';
import { LocalEvidenceStore } from './evidence-store.js';

export function evidenceDir(dataDir: string): string {
  return path.join(dataDir, 'evidence');
}

export function defaultEvidenceStore(): LocalEvidenceStore {
  return new LocalEvidenceStore(evidenceDir(env().dataDir));
}
