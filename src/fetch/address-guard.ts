/**
 * The private-address guard: mapwatch must not be steered (by a config entry or a redirect)
 * into loopback, private, link-local, CGNAT, multicast or reserved addresses.
 *
 * - `AddressGuard.check(ip, host)` → null when allowed, else a PrivateAddressError.
 * - `AddressGuard.resolve(host)` resolves all addresses (node:dns lookup) and checks each.
 * - `AddressGuard.connector()` is an undici connector that runs the check for IP literals
 *   before connecting, pins name lookups to checked addresses (net `lookup` hook: the socket
 *   connects only to an address that passed), and re-checks the peer address after connect.
 *   So DNS rebinding between a pre-check and the connect cannot get through.
 *
 * Allow-list entries: an exact IP ('127.0.0.1', '::1'), a CIDR ('10.1.0.0/16'), a host name
 * ('localhost') or a host-name suffix ('*.corp.example'). IPv4-mapped IPv6 peers are matched
 * against IPv4 entries too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { embeddedIPv4, inCidr, parseCidr, parseIp, specialRange, type Cidr } from './ip-ranges.js';
import { PrivateAddressError } from './fetch-errors.js';
import { allowEntryProblem } from '../config/allow-private.js';
import { UserError } from '../errors.js';

function normHost(h: string): string {
  let s = h.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** Key of AddressGuard.lastPeer: normalised host name and effective port. */
export function peerKey(hostname: string, port: string, protocol: string): string {
  return `${normHost(hostname)}:${port || (protocol === 'https:' ? '443' : '80')}`;
}

export class AddressGuard {
  private readonly cidrs: Cidr[] = [];
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];
  /** Last peer address per "host:port" connected through `connector()` (for FetchResult.serverIp). */
  readonly lastPeer = new Map<string, string>();

  constructor(allowPrivate: readonly string[] = []) {
    for (const raw of allowPrivate) {
      const entry = raw.trim();
      if (!entry) continue;
      // A malformed range must not fall through to "host name" and silently allow nothing.
      const problem = allowEntryProblem(entry);
      if (problem) throw new UserError(`allow-list entry "${entry}" ${problem}`);
      const c = parseCidr(entry);
      if (c) {
        // '::ffff:127.0.0.1' (or a mapped /96+ range) also allows the plain IPv4 form.
        const v4 = embeddedIPv4(c.bytes);
        if (v4 && c.prefix >= 96 && c.bytes[10] === 0xff && c.bytes[11] === 0xff)
          this.cidrs.push({ bytes: v4, prefix: c.prefix - 96 });
        this.cidrs.push(c);
      } else if (entry.startsWith('*.')) this.suffixes.push(normHost(entry.slice(1)));
      else this.hosts.add(normHost(entry));
    }
  }

  private hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const h = normHost(host);
    return this.hosts.has(h) || this.suffixes.some((s) => h.endsWith(s));
  }

  private ipAllowed(bytes: Uint8Array): boolean {
    const v4 = embeddedIPv4(bytes);
    return this.cidrs.some((c) => inCidr(bytes, c) || (v4 !== null && inCidr(v4, c)));
  }

  /** Null when `ip` may be contacted (public, or allow-listed by IP/CIDR/host name). */
  check(ip: string, host?: string): PrivateAddressError | null {
    const bytes = parseIp(ip);
    const range = bytes ? specialRange(bytes) : 'invalid';
    if (range === null) return null;
    if ((bytes && this.ipAllowed(bytes)) || this.hostAllowed(host)) return null;
    return new PrivateAddressError(
      host && normHost(host) !== normHost(ip)
        ? `${host} resolves to ${ip} (${range}), which is not in the allow-list`
        : `${ip} (${range}) is not in the allow-list`,
    );
  }

  /** Resolve every address of `host` and check them all; an IP literal is checked as is. */
  async resolve(host: string, family: 0 | 4 | 6 = 0): Promise<LookupAddress[]> {
    const h = normHost(host);
    const literal = isIP(h);
    const addrs: LookupAddress[] = literal
      ? [{ address: h, family: literal }]
      : await new Promise((resolve, reject) =>
          dnsLookup(h, { all: true, family, verbatim: true }, (err, list) => (err ? reject(err) : resolve(list))),
        );
    if (addrs.length === 0) throw Object.assign(new Error(`no addresses for ${host}`), { code: 'ENOTFOUND' });
    // Refuse when ANY address is refused: a name mixing public and private addresses is suspect.
    for (const a of addrs) {
      const refusal = this.check(a.address, h);
      if (refusal) throw refusal;
    }
    return addrs;
  }

  /** A `net.connect` lookup hook that only ever hands back checked addresses. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : 0;
    this.resolve(hostname, family).then(
      (addrs) => {
        if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, addrs);
        else callback(null, addrs[0]!.address, addrs[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };

  /** An undici connector enforcing the guard on every new connection. */
  connector(opts: { connectTimeoutMs?: number } = {}): buildConnector.connector {
    const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000, lookup: this.lookup });
    return (options, callback) => {
      const host = normHost(options.hostname);
      if (isIP(host)) {
        const refusal = this.check(host, host);
        if (refusal) {
          callback(refusal, null);
          return;
        }
      }
      base(options, (err, socket) => {
        if (err || !socket) {
          callback(err ?? new Error('connect failed'), null);
          return;
        }
        const peer = socket.remoteAddress;
        const refusal = peer ? this.check(peer, host) : null;
        if (refusal) {
          socket.destroy();
          callback(refusal, null);
          return;
        }
        if (peer) this.lastPeer.set(peerKey(host, options.port, options.protocol), peer);
        callback(null, socket);
      });
    };
  }
}
