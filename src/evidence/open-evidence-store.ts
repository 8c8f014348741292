/**
 * The evidence store a process uses, from its configuration: `MAPWATCH_EVIDENCE_URL`
 * `s3://bucket/prefix` is a bucket shared by every machine (endpoint from
 * `MAPWATCH_S3_ENDPOINT`, credentials and region from the AWS SDK's usual sources); a path
 * or `file://` URL is a directory; unset is `<data dir>/evidence`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessConfig } from '../config/process-config.js';
import { InvalidInputError } from '../errors.js';
import { type EvidenceStore, LocalEvidenceStore } from './evidence-store.js';
import { S3EvidenceStore } from './s3-evidence-store.js';

type StoreConfig = Pick<ProcessConfig, 'dataDir' | 'MAPWATCH_EVIDENCE_URL' | 'MAPWATCH_S3_ENDPOINT'>;

export function openEvidenceStore(config: StoreConfig): EvidenceStore {
  const url = config.MAPWATCH_EVIDENCE_URL;
  if (!url) return new LocalEvidenceStore(path.join(config.dataDir, 'evidence'));
  if (url.startsWith('s3://')) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
    if (!m)
      throw new InvalidInputError(
        `environment variable MAPWATCH_EVIDENCE_URL: "${url}" is not s3://bucket or s3://bucket/prefix (bucket names are 3-63 lower-case letters, digits, dots and hyphens)`,
      );
    const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
    return new S3EvidenceStore({
      bucket: m[1]!,
      prefix: prefix ? `${prefix}/` : '',
      endpoint: config.MAPWATCH_S3_ENDPOINT,
    });
  }
  if (url.startsWith('file://')) return new LocalEvidenceStore(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    throw new InvalidInputError(
      `environment variable MAPWATCH_EVIDENCE_URL: "${url}": only s3://bucket/prefix, file:// URLs and directories are supported`,
    );
  return new LocalEvidenceStore(path.resolve(url));
}
