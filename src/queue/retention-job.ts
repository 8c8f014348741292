/**
 * The evidence retention job: removes the files of reads that changed no case once they are
 * MAPWATCH_EVIDENCE_RETENTION_DAYS old (src/evidence/purge-evidence.ts; case evidence is
 * kept). The scheduler runs it daily; it is idempotent, so a second replica or a retry only
 * finds less to remove.
 */
import { z } from 'zod';
import { purgeEvidence } from '../evidence/purge-evidence.js';
import { defineJob } from './job-registry.js';

export const retentionJob = defineJob({
  id: 'purge-evidence',
  queue: 'notify',
  payload: z.object({}).passthrough(),
  options: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { count: 50 },
    removeOnFail: { count: 50 },
  },
  async handler(_data, { deps }) {
    const days = deps.config?.MAPWATCH_EVIDENCE_RETENTION_DAYS ?? 0;
    if (!deps.evidence || days < 1)
      return { skipped: deps.evidence ? 'MAPWATCH_EVIDENCE_RETENTION_DAYS is 0' : 'no evidence store' };
    return purgeEvidence(deps.db, { store: deps.evidence, olderThanDays: days });
  },
});
