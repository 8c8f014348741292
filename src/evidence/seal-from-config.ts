/**
 * How this process seals exported bundles, from its configuration: the signing key at
 * MAPWATCH_SIGNING_KEY (else `<data dir>/keys/signing-key.pem`) when it exists, and the TSA
 * at MAPWATCH_TSA_URL when set. A key named in the environment must exist; the default one
 * may be absent (bundles are then unsigned, and the export says so).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessConfig } from '../config/process-config.js';
import type { SealOptions } from './sign-digest.js';
import { keyFingerprint, loadSigningKey } from './signing-key.js';
import { httpTimestamper } from './timestamp-token.js';

export function signingKeyFile(config: Pick<ProcessConfig, 'MAPWATCH_SIGNING_KEY' | 'dataDir'>): string {
  return path.resolve(config.MAPWATCH_SIGNING_KEY ?? path.join(config.dataDir, 'keys', 'signing-key.pem'));
}

export function sealOptionsFromConfig(
  config: Pick<ProcessConfig, 'MAPWATCH_SIGNING_KEY' | 'MAPWATCH_TSA_URL' | 'dataDir'>,
): SealOptions & { note: string } {
  const file = signingKeyFile(config);
  const signer = config.MAPWATCH_SIGNING_KEY || fs.existsSync(file) ? loadSigningKey(file) : undefined;
  const timestamper = config.MAPWATCH_TSA_URL ? httpTimestamper(config.MAPWATCH_TSA_URL) : undefined;
  const note = [
    signer ? `signed with key ${keyFingerprint(signer.publicKey)}` : 'unsigned (no key: `mapwatch keys create`)',
    timestamper ? `timestamped by ${config.MAPWATCH_TSA_URL}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return { signer, timestamper, note };
}
