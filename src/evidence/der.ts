/**
 * Just enough DER (ASN.1) to write an RFC 3161 TimeStampReq and read the TimeStampToken a
 * TSA sends back: single-byte tags, definite lengths. Anything else is a DerError, which
 * the timestamp check reports as a malformed token rather than throwing past the caller.
 */
export class DerError extends Error {}

export interface Tlv {
  tag: number;
  /** The whole element, header included (what a signature covers). */
  raw: Uint8Array;
  /** The content octets. */
  content: Uint8Array;
}

export function readTlv(buf: Uint8Array, at = 0): Tlv & { end: number } {
  if (at + 2 > buf.length) throw new DerError('truncated element');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new DerError('element runs past its parent');
  return { tag, raw: buf.subarray(at, p + len), content: buf.subarray(p, p + len), end: p + len };
}

/** The elements inside a constructed element. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < t.content.length;) {
    const c = readTlv(t.content, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}`);
  return t;
}

export function decodeOid(t: Tlv): string {
  const b = expectTag(t, 0x06, 'object identifier').content;
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (!parts.length) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** GeneralizedTime (YYYYMMDDHHMMSS[.f]Z), as RFC 3161 requires it. */
export function decodeGeneralizedTime(t: Tlv): Date {
  const s = Buffer.from(expectTag(t, 0x18, 'GeneralizedTime').content).toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) throw new DerError(`GeneralizedTime "${s}" is not in UTC`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
}

export function encode(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    head = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(head), body]);
}

export function encodeOid(oid: string): Buffer {
  const [a, b, ...rest] = oid.split('.').map(Number);
  const out: number[] = [a! * 40 + b!];
  for (const v of rest) {
    const groups: number[] = [];
    for (let x = v; ; x = Math.floor(x / 128)) {
      groups.unshift((x % 128) | (groups.length ? 0x80 : 0));
      if (x < 128) break;
    }
    out.push(...groups);
  }
  return encode(0x06, Buffer.from(out));
}

export const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  messageDigest: '1.2.840.113549.1.9.4',
  contentType: '1.2.840.113549.1.9.3',
  ed25519: '1.3.101.112',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

export const HASH_OF_OID: Record<string, string> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sha1]: 'sha1',
};
