/**
 * The digest file that seals a manifest (`datapackage-digest.json` in a WACZ, and
 * `index-digest.json` for the bundle's index), after the WACZ Signing and Verification spec:
 * `{path, hash, signedData}` where signedData is the "anonymous signature" form: the hash,
 * its Ed25519 signature and the public key. Where the spec fits less: the key is Ed25519,
 * not ECDSA (named in `alg`), and anyone holding the organisation's public key can pin it.
 *
 * With a TSA configured, an RFC 3161 token is added as `timeSignature` (the TSA's chain as
 * `timestampCert`), as the spec's domain-identity form does: its message imprint is the
 * SHA-256 of the signature bytes, so the token dates the signature and through it the
 * manifest. Unsigned, the token sits at the top level and dates the manifest hash itself.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify, type X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { VERSION } from '../version.js';
import { keyFingerprint, publicKeyBase64, type Signer } from './signing-key.js';
import { tokenCertificatesPem, type Timestamper, verifyTimestampToken } from './timestamp-token.js';

const signedDataSchema = z.object({
  hash: z.string(),
  created: z.string(),
  software: z.string().optional(),
  signature: z.string(),
  publicKey: z.string(),
  alg: z.string().optional(),
  timeSignature: z.string().optional(),
  timestampCert: z.string().optional(),
});
export const digestFileSchema = z.object({
  path: z.string(),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  signedData: signedDataSchema.optional(),
  timeSignature: z.string().optional(),
  timestampCert: z.string().optional(),
});
export type DigestFile = z.infer<typeof digestFileSchema>;

export interface SealOptions {
  signer?: Signer;
  timestamper?: Timestamper;
}

export async function sealDigest(
  o: SealOptions & { path: string; bytes: Uint8Array; now?: Date },
): Promise<DigestFile> {
  const sha = createHash('sha256').update(o.bytes).digest();
  const hash = `sha256:${sha.toString('hex')}`;
  const out: DigestFile = { path: o.path, hash };
  if (o.signer) {
    const signature = sign(null, Buffer.from(hash), o.signer.privateKey);
    out.signedData = {
      hash,
      created: (o.now ?? new Date()).toISOString(),
      software: `mapwatch ${VERSION}`,
      signature: signature.toString('base64'),
      publicKey: publicKeyBase64(o.signer.publicKey),
      alg: 'Ed25519',
    };
    if (o.timestamper) {
      const token = await o.timestamper(createHash('sha256').update(signature).digest());
      out.signedData.timeSignature = token.toString('base64');
      out.signedData.timestampCert = tokenCertificatesPem(token);
    }
  } else if (o.timestamper) {
    const token = await o.timestamper(sha);
    out.timeSignature = token.toString('base64');
    out.timestampCert = tokenCertificatesPem(token);
  }
  return out;
}

export interface CheckOptions {
  /** The organisation's public key: the signature must be made with it. */
  publicKey?: KeyObject;
  /** The TSA's CA certificate(s): every timestamp must chain to one. */
  tsaTrust?: readonly X509Certificate[];
}

/** Problems name `where`; notes say what was proven (who signed, when). */
export function checkDigest(
  raw: unknown,
  o: CheckOptions & { where: string; sha256: string | undefined },
): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const w = o.where;
  const d = digestFileSchema.safeParse(raw);
  if (!d.success) return { problems: [`${w}: malformed (needs path and a sha256: hash)`], notes };
  if (!o.sha256) problems.push(`${w}: ${d.data.path} is missing`);
  else if (d.data.hash !== `sha256:${o.sha256}`) problems.push(`${w}: ${d.data.path} altered (its hash differs)`);
  const s = d.data.signedData;
  if (!s) {
    if (o.publicKey) problems.push(`${w}: not signed (a signature by the given public key is required)`);
    else notes.push(`${w}: not signed`);
  } else {
    let key: KeyObject | null = null;
    try {
      key = createPublicKey({ key: Buffer.from(s.publicKey, 'base64'), format: 'der', type: 'spki' });
    } catch {
      problems.push(`${w}: signedData.publicKey is not a public key`);
    }
    if (s.hash !== d.data.hash) problems.push(`${w}: the signature covers another hash than the one recorded`);
    if (key) {
      let good: boolean;
      try {
        const alg = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
        good = verify(alg, Buffer.from(s.hash), key, Buffer.from(s.signature, 'base64'));
      } catch {
        good = false;
      }
      if (!good) problems.push(`${w}: signature does not verify`);
      const fp = keyFingerprint(key);
      if (o.publicKey && fp !== keyFingerprint(o.publicKey))
        problems.push(`${w}: signed by key ${fp}, not by the given public key ${keyFingerprint(o.publicKey)}`);
      else if (good) notes.push(`${w}: signed by key ${fp}${o.publicKey ? ' (the given public key)' : ''}`);
    }
  }
  const token = s?.timeSignature ?? d.data.timeSignature;
  if (token) {
    const imprint = s
      ? createHash('sha256').update(Buffer.from(s.signature, 'base64')).digest()
      : Buffer.from(d.data.hash.slice(7), 'hex');
    const t = verifyTimestampToken(Buffer.from(token, 'base64'), imprint, o.tsaTrust ?? []);
    for (const p of t.problems) problems.push(`${w}: timestamp: ${p}`);
    // The spec's rule: the claimed creation time must be within 10 minutes of the TSA's.
    if (s && t.genTime && Math.abs(t.genTime.getTime() - Date.parse(s.created)) > 10 * 60_000)
      problems.push(
        `${w}: signed ${s.created} but timestamped ${t.genTime.toISOString()} (more than 10 minutes apart)`,
      );
    if (!t.problems.length)
      notes.push(
        `${w}: timestamped ${t.genTime!.toISOString()} by ${t.tsa}` +
          (t.trusted ? ' (trusted TSA)' : ' (TSA not checked against a trusted CA: give --tsa-ca)'),
      );
  } else if (o.tsaTrust?.length) problems.push(`${w}: no timestamp (a timestamp by the trusted TSA is required)`);
  return { problems, notes };
}
