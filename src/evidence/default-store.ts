/** The configured evidence store (MAPWATCH_EVIDENCE_URL, else `<data dir>/evidence`), used when a caller passes none. */
import path from 'node:path';
import { env } from '../config/env.js';
import type { EvidenceStore } from './evidence-store.js';
import { openEvidenceStore } from './open-evidence-store.js';

export function evidenceDir(dataDir: string): string {
  return path.join(dataDir, 'evidence');
}

export function defaultEvidenceStore(): EvidenceStore {
  return openEvidenceStore(env());
}
