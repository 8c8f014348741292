/**
 * Secrets handed to a client (session cookies, API tokens): 32 random bytes, base64url, with
 * a prefix that says what it is (`mws_` session, `mwt_` API token) so a leaked one is easy
 * to recognise in a log or a secret scanner. Only the SHA-256 of a secret is stored: a
 * 256-bit random value needs no slow hash, and a database copy signs nobody in.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newSecret(prefix: 'mws_' | 'mwt_'): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
