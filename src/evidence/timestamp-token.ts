/**
 * RFC 3161 trusted timestamps: a TimeStampReq for a SHA-256 digest sent to the configured
 * TSA (MAPWATCH_TSA_URL), and the offline check of the token it returns. The check needs
 * nothing but the token and, to say who vouches for the time, the TSA's CA certificate(s):
 * it recomputes the message imprint, the signed-attributes digest and the TSA's signature,
 * and follows the certificate chain the token carries up to a trusted certificate.
 */
import { createHash, randomBytes, verify as verifySignature, X509Certificate } from 'node:crypto';
import { UserError } from '../errors.js';
import {
  children,
  decodeGeneralizedTime,
  decodeOid,
  DerError,
  encode,
  encodeOid,
  expectTag,
  HASH_OF_OID,
  OID,
  readTlv,
  type Tlv,
} from './der.js';

/** Asks for a token over a SHA-256 digest; resolves to the TimeStampToken (CMS ContentInfo) DER. */
export type Timestamper = (sha256: Buffer) => Promise<Buffer>;

export function timeStampRequest(sha256: Buffer, nonce: Buffer): Buffer {
  return encode(
    0x30,
    encode(0x02, Buffer.from([1])),
    encode(0x30, encode(0x30, encodeOid(OID.sha256), Buffer.from([0x05, 0x00])), encode(0x04, sha256)),
    encode(0x02, nonce),
    encode(0x01, Buffer.from([0xff])), // certReq: the token carries the TSA certificate, so it verifies offline
  );
}

/** The TSA client: one POST of application/timestamp-query per digest. */
export function httpTimestamper(url: string, opts: { timeoutMs?: number } = {}): Timestamper {
  return async (sha256) => {
    const nonce = randomBytes(8);
    nonce[0] = (nonce[0]! & 0x7f) | 0x40; // a positive INTEGER with no leading zero byte
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: new Uint8Array(timeStampRequest(sha256, nonce)),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new UserError(`MAPWATCH_TSA_URL ${url}: no answer (${(err as Error).message})`);
    }
    if (!res.ok) throw new UserError(`MAPWATCH_TSA_URL ${url}: HTTP ${res.status}`);
    const reply = Buffer.from(await res.arrayBuffer());
    try {
      const resp = children(expectTag(readTlv(reply), 0x30, 'TimeStampResp'));
      const status = children(expectTag(resp[0], 0x30, 'PKIStatusInfo'));
      const code = expectTag(status[0], 0x02, 'PKIStatus').content[0];
      if (code !== 0 && code !== 1) throw new DerError(`the TSA refused the request (PKIStatus ${code})`);
      const token = Buffer.from(expectTag(resp[1], 0x30, 'TimeStampToken').raw);
      const info = parseToken(token);
      if (!info.nonce || !Buffer.from(info.nonce).equals(nonce))
        throw new DerError('the reply does not echo our nonce');
      if (!Buffer.from(info.imprint).equals(sha256)) throw new DerError('the reply timestamps another digest');
      return token;
    } catch (err) {
      if (err instanceof DerError) throw new UserError(`MAPWATCH_TSA_URL ${url}: ${err.message}`);
      throw err;
    }
  };
}

interface ParsedToken {
  tstInfo: Uint8Array;
  imprintAlg: string;
  imprint: Uint8Array;
  genTime: Date;
  nonce: Uint8Array | null;
  certs: X509Certificate[];
  signer: { digestAlg: string; signedAttrs: Uint8Array | null; signatureAlg: string; signature: Uint8Array };
}

function parseToken(token: Uint8Array): ParsedToken {
  const ci = children(expectTag(readTlv(token), 0x30, 'ContentInfo'));
  if (decodeOid(ci[0]!) !== OID.signedData) throw new DerError('not a CMS SignedData');
  const sd = children(expectTag(children(expectTag(ci[1], 0xa0, 'content'))[0], 0x30, 'SignedData'));
  const encap = children(expectTag(sd[2], 0x30, 'EncapsulatedContentInfo'));
  if (decodeOid(encap[0]!) !== OID.tstInfo) throw new DerError('the signed content is not a TSTInfo');
  const tstInfo = expectTag(children(expectTag(encap[1], 0xa0, 'eContent'))[0], 0x04, 'eContent').content;
  const tst = children(expectTag(readTlv(tstInfo), 0x30, 'TSTInfo'));
  const mi = children(expectTag(tst[2], 0x30, 'MessageImprint'));
  const imprintAlg = decodeOid(children(expectTag(mi[0], 0x30, 'AlgorithmIdentifier'))[0]!);
  const genTime = decodeGeneralizedTime(tst[4]!);
  const nonce = tst.slice(5).find((t) => t.tag === 0x02)?.content ?? null;
  let i = 3;
  const certs: X509Certificate[] = [];
  if (sd[i]?.tag === 0xa0) {
    for (const c of children(sd[i]!)) if (c.tag === 0x30) certs.push(new X509Certificate(Buffer.from(c.raw)));
    i++;
  }
  if (sd[i]?.tag === 0xa1) i++;
  const signerInfos = children(expectTag(sd[i], 0x31, 'SignerInfos'));
  if (signerInfos.length !== 1) throw new DerError(`expected one signer, found ${signerInfos.length}`);
  const si = children(expectTag(signerInfos[0], 0x30, 'SignerInfo'));
  const oidOf = (t: Tlv | undefined) => decodeOid(children(expectTag(t, 0x30, 'AlgorithmIdentifier'))[0]!);
  const digestAlg = oidOf(si[2]);
  const hasAttrs = si[3]?.tag === 0xa0;
  const signedAttrs = hasAttrs ? si[3]!.raw : null;
  const signatureAlg = oidOf(si[hasAttrs ? 4 : 3]);
  const signature = expectTag(si[hasAttrs ? 5 : 4], 0x04, 'signature').content;
  return {
    tstInfo,
    imprintAlg,
    imprint: expectTag(mi[1], 0x04, 'hashedMessage').content,
    genTime,
    nonce,
    certs,
    signer: { digestAlg, signedAttrs, signatureAlg, signature },
  };
}

export interface TimestampCheck {
  problems: string[];
  genTime: Date | null;
  /** Subject of the certificate that signed the token. */
  tsa: string | null;
  /** Whether the chain reached one of the trusted certificates (false when none were given). */
  trusted: boolean;
}

/** Parses PEM text holding one or more certificates. */
export function parseCertificates(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]),
  );
}

/**
 * Checks a token offline against the SHA-256 digest it must cover. `trusted`: the TSA's CA
 * (or the TSA certificate itself); without it the signature is checked but not who made it.
 */
export function verifyTimestampToken(
  token: Uint8Array,
  sha256: Uint8Array,
  trusted: readonly X509Certificate[] = [],
): TimestampCheck {
  const out: TimestampCheck = { problems: [], genTime: null, tsa: null, trusted: false };
  let t: ParsedToken;
  try {
    t = parseToken(token);
  } catch (err) {
    out.problems.push(`not a readable RFC 3161 token (${(err as Error).message})`);
    return out;
  }
  out.genTime = t.genTime;
  if (t.imprintAlg !== OID.sha256 || !Buffer.from(t.imprint).equals(Buffer.from(sha256)))
    out.problems.push('the token timestamps another digest');
  const hash = HASH_OF_OID[t.signer.digestAlg];
  if (!hash) {
    out.problems.push(`unsupported digest algorithm ${t.signer.digestAlg}`);
    return out;
  }
  if (!t.signer.signedAttrs) {
    out.problems.push('the token has no signed attributes');
    return out;
  }
  // The signature covers the attributes as a SET (tag 0x31), not as the [0] they are sent as.
  const attrs = Buffer.from(t.signer.signedAttrs);
  attrs[0] = 0x31;
  const digestAttr = children(readTlv(attrs))
    .map((a) => children(a))
    .find((a) => decodeOid(a[0]!) === OID.messageDigest);
  const md = digestAttr ? children(digestAttr[1]!)[0]?.content : undefined;
  if (!md || !createHash(hash).update(t.tstInfo).digest().equals(Buffer.from(md)))
    out.problems.push('the TSTInfo does not match the digest the TSA signed (altered token)');
  const signer = t.certs.find((c) => {
    try {
      const alg = t.signer.signatureAlg === OID.ed25519 ? null : hash;
      return verifySignature(alg, attrs, c.publicKey, t.signer.signature);
    } catch {
      return false;
    }
  });
  if (!signer) {
    out.problems.push(
      t.certs.length
        ? "the TSA's signature does not verify with the certificate in the token (altered or forged token)"
        : 'the token carries no TSA certificate to check it with',
    );
    return out;
  }
  out.tsa = signer.subject.replace(/\n/g, ', ');
  const eku = signer.keyUsage ?? [];
  if (!eku.includes(OID.timeStamping)) out.problems.push(`certificate ${out.tsa} is not a timestamping certificate`);
  if (t.genTime < new Date(signer.validFrom) || t.genTime > new Date(signer.validTo))
    out.problems.push(`the time ${t.genTime.toISOString()} lies outside the TSA certificate's validity`);
  if (trusted.length) {
    out.trusted = chainsTo(signer, t.certs, trusted);
    if (!out.trusted) out.problems.push(`TSA certificate ${out.tsa} does not chain to a trusted TSA certificate`);
  }
  return out;
}

function chainsTo(cert: X509Certificate, pool: readonly X509Certificate[], trusted: readonly X509Certificate[]) {
  const issued = (c: X509Certificate, by: X509Certificate) => c.checkIssued(by) && c.verify(by.publicKey);
  let cur = cert;
  for (let depth = 0; depth < 6; depth++) {
    if (trusted.some((t) => t.fingerprint256 === cur.fingerprint256 || issued(cur, t))) return true;
    const next = pool.find((p) => p.fingerprint256 !== cur.fingerprint256 && issued(cur, p));
    if (!next) return false;
    cur = next;
  }
  return false;
}

/** The certificates a token carries, as PEM (`timestampCert` in the WACZ signing spec). */
export function tokenCertificatesPem(token: Uint8Array): string {
  try {
    return parseToken(token)
      .certs.map((c) => c.toString())
      .join('');
  } catch {
    return '';
  }
}
