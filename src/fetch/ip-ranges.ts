/**
 * IP address parsing and the special-purpose ranges mapwatch refuses to crawl.
 *
 * `specialRange(ip)` names the range an address falls in ('loopback', 'private', ...)
 * or returns null for an ordinary public address. IPv6 forms that embed an IPv4
 * address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) are judged by the embedded IPv4 address.
 */
import { isIP } from 'node:net';

export interface Cidr {
  bytes: Uint8Array; // 4 (IPv4) or 16 (IPv6) bytes
  prefix: number;
}

/** Parse an IPv4 or IPv6 literal (brackets and a %zone are tolerated). Null when not an IP. */
export function parseIp(input: string): Uint8Array | null {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return Uint8Array.from(s.split('.').map(Number));
  if (family !== 6) return null;

  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tail = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    s = s.slice(0, lastColon + 1) + '0:0'; // placeholder groups, replaced below
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const missing = 8 - left.length - right.length;
  const all = rest === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

/** Parse "10.0.0.0/8", "fc00::/7" or a bare IP (a /32 or /128). Null when malformed. */
export function parseCidr(input: string): Cidr | null {
  const [addr = '', len, extra] = input.trim().split('/');
  if (extra !== undefined) return null;
  const bytes = parseIp(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (len === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(len)) return null;
  const prefix = Number(len);
  return prefix <= max ? { bytes, prefix } : null;
}

export function inCidr(ip: Uint8Array, cidr: Cidr): boolean {
  if (ip.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function cidr(s: string): Cidr {
  const c = parseCidr(s);
  if (!c) throw new Error(`bad built-in CIDR ${s}`);
  return c;
}

const V4_RANGES: Array<[Cidr, string]> = [
  [cidr('0.0.0.0/8'), 'this-network'],
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'cgnat'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'reserved'],
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('198.18.0.0/15'), 'benchmark'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('240.0.0.0/4'), 'reserved'], // includes 255.255.255.255 broadcast
];

const V6_RANGES: Array<[Cidr, string]> = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('100::/64'), 'discard'],
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('fc00::/7'), 'private'], // unique local
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'site-local'],
  [cidr('ff00::/8'), 'multicast'],
];

/** IPv6 prefixes whose addresses carry an IPv4 address, and where it sits. */
const V6_EMBEDDING: Array<[Cidr, number]> = [
  [cidr('::ffff:0:0/96'), 12], // IPv4-mapped
  [cidr('::/96'), 12], // IPv4-compatible (deprecated); :: and ::1 are caught earlier
  [cidr('64:ff9b::/96'), 12], // NAT64 well-known prefix
  [cidr('64:ff9b:1::/48'), 12], // NAT64 local-use prefix
  [cidr('2002::/16'), 2], // 6to4
];

/**
 * IPv6's own unspecified and loopback addresses: inside ::/96, but not IPv4-compatible forms of
 * 0.0.0.0 and 0.0.0.1. Read as those, an allow-list entry for IPv4 (0.0.0.0/0, ::ffff:0:0/96)
 * admitted ::1.
 */
const V6_OWN: Cidr[] = [cidr('::/128'), cidr('::1/128')];

/** The IPv4 address embedded in an IPv6 address, if it has one. */
export function embeddedIPv4(ip: Uint8Array): Uint8Array | null {
  if (ip.length !== 16 || V6_OWN.some((c) => inCidr(ip, c))) return null;
  for (const [range, offset] of V6_EMBEDDING) {
    if (inCidr(ip, range)) return ip.slice(offset, offset + 4);
  }
  return null;
}

/**
 * The special-purpose range an address belongs to, or null for a public address.
 * Accepts a string or parsed bytes; an unparseable string is reported as 'invalid'.
 */
export function specialRange(ip: string | Uint8Array): string | null {
  const bytes = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!bytes) return 'invalid';
  if (bytes.length === 4) {
    for (const [range, name] of V4_RANGES) if (inCidr(bytes, range)) return name;
    return null;
  }
  for (const [range, name] of V6_RANGES) if (inCidr(bytes, range)) return name;
  const v4 = embeddedIPv4(bytes);
  return v4 ? specialRange(v4) : null;
}
