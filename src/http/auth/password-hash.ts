/**
 * Password hashing with scrypt (node:crypto: OpenSSL's implementation, no native add-on to
 * build). scrypt is memory-hard: each guess costs 128·N·r bytes of RAM, so a GPU farm
 * cannot run thousands in parallel cheaply.
 *
 * Parameters: N = 2^15, r = 8, p = 3 (32 MiB per hash), one of OWASP's equivalent settings
 * for scrypt (their baseline is N = 2^17, r = 8, p = 1 at 128 MiB; p = 3 buys the same work
 * for a quarter of the memory, which matters on a small server). A 16-byte random salt, a
 * 32-byte key. The hash string names its parameters:
 *
 *   $scrypt$ln=15,r=8,p=3$<salt, base64>$<key, base64>
 *
 * so they can be raised later: old hashes keep verifying with their own parameters, and
 * `needsRehash` tells the login to store a new hash with the current ones.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** log2 of N (CPU/memory cost). */
  ln: number;
  r: number;
  p: number;
}

export const SCRYPT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Upper bounds a stored hash may ask for: a tampered row must not make a login allocate gigabytes. */
const MAX_LN = 20;
const MAX_R = 32;
const MAX_P = 16;

function derive(password: string, salt: Buffer, o: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** o.ln;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      // maxmem must exceed 128·N·r (Node's default of 32 MiB is exactly our cost and would refuse it).
      { N, r: o.r, p: o.p, maxmem: 2 * 128 * N * o.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params, KEY_LENGTH);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > MAX_LN || params.r < 1 || params.r > MAX_R || params.p < 1 || params.p > MAX_P)
    return undefined;
  const key = Buffer.from(m[5]!, 'base64');
  if (key.length < 16) return undefined;
  return { params, salt: Buffer.from(m[4]!, 'base64'), key };
}

/** Whether `password` matches `stored`; compared in constant time. A malformed hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** Whether a (verified) hash was made with weaker parameters than today's. */
export function needsRehash(stored: string, params: ScryptParams = SCRYPT_PARAMS): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const o = parsed.params;
  return 2 ** o.ln * o.r * o.p < 2 ** params.ln * params.r * params.p;
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of one verification when there is no user to verify against, so an
 * unknown email answers as slowly as a wrong password (no account discovery by timing).
 */
export async function burnVerification(password: string): Promise<void> {
  dummy ??= hashPassword('mapwatch-dummy-password');
  await verifyPassword(password, await dummy);
}
