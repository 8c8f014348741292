import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedIPv4, inCidr, parseCidr, parseIp, specialRange } from '../src/fetch/ip-ranges.js';
import { AddressGuard, peerKey } from '../src/fetch/address-guard.js';
import { PrivateAddressError } from '../src/fetch/fetch-errors.js';
import { UserError } from '../src/errors.js';

describe('ip-ranges: parsing', () => {
  it('parses IPv4 and IPv6 forms', () => {
    expect([...parseIp('10.1.2.3')!]).toEqual([10, 1, 2, 3]);
    expect([...parseIp('::1')!]).toEqual([...Array(15).fill(0), 1]);
    expect([...parseIp('[fe80::1%eth0]')!].slice(0, 2)).toEqual([0xfe, 0x80]);
    expect([...parseIp('::ffff:192.168.1.1')!].slice(10)).toEqual([0xff, 0xff, 192, 168, 1, 1]);
    expect([...parseIp('::ffff:c0a8:101')!].slice(10)).toEqual([0xff, 0xff, 192, 168, 1, 1]);
    expect([...parseIp('2001:db8:0:0:1:0:0:1')!]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(parseIp('example.com')).toBeNull();
    expect(parseIp('256.1.1.1')).toBeNull();
    expect(parseIp('1.2.3')).toBeNull();
  });

  it('parses and matches CIDRs', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8 });
    expect(parseCidr('127.0.0.1')).toMatchObject({ prefix: 32 });
    expect(parseCidr('fc00::/7')).toMatchObject({ prefix: 7 });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('10.0.0.0/8/1')).toBeNull();
    expect(parseCidr('localhost')).toBeNull();
    const c = parseCidr('172.16.0.0/12')!;
    expect(inCidr(parseIp('172.31.255.255')!, c)).toBe(true);
    expect(inCidr(parseIp('172.32.0.0')!, c)).toBe(false);
    expect(inCidr(parseIp('::1')!, c)).toBe(false); // family mismatch
  });

  it('finds IPv4 embedded in IPv6', () => {
    expect([...embeddedIPv4(parseIp('::ffff:10.0.0.1')!)!]).toEqual([10, 0, 0, 1]);
    expect([...embeddedIPv4(parseIp('64:ff9b::a00:1')!)!]).toEqual([10, 0, 0, 1]);
    expect([...embeddedIPv4(parseIp('2002:c0a8:0101::1')!)!]).toEqual([192, 168, 1, 1]);
    expect(embeddedIPv4(parseIp('2606:4700::1111')!)).toBeNull();
  });
});

describe('ip-ranges: special ranges', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'this-network'],
    ['0.1.2.3', 'this-network'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['2002:0a00:0001::1', 'private'],
  ])('%s is %s', (ip, range) => {
    expect(specialRange(ip)).toBe(range);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.0.1',
    '192.169.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('%s is public', (ip) => {
    expect(specialRange(ip)).toBeNull();
  });

  it('reports garbage as invalid', () => {
    expect(specialRange('not-an-ip')).toBe('invalid');
  });
});

describe('AddressGuard.check', () => {
  it('refuses special addresses with a clear reason and passes public ones', () => {
    const g = new AddressGuard();
    expect(g.check('8.8.8.8')).toBeNull();
    const e = g.check('10.0.0.5');
    expect(e).toBeInstanceOf(PrivateAddressError);
    expect(e!.reason).toBe('private_address: 10.0.0.5 (private) is not in the allow-list');
    expect(g.check('10.0.0.5', 'intranet.example')!.reason).toBe(
      'private_address: intranet.example resolves to 10.0.0.5 (private), which is not in the allow-list',
    );
  });

  it('allows by exact IP, CIDR, host name and host suffix', () => {
    const g = new AddressGuard(['127.0.0.1', '10.1.0.0/16', 'staging.local', '*.corp.example', 'fd00::/8']);
    expect(g.check('127.0.0.1')).toBeNull();
    expect(g.check('::ffff:127.0.0.1')).toBeNull(); // mapped form of an allowed IPv4
    expect(g.check('127.0.0.2')).not.toBeNull();
    expect(g.check('10.1.200.3')).toBeNull();
    expect(g.check('10.2.0.1')).not.toBeNull();
    expect(g.check('192.168.1.5', 'staging.local')).toBeNull();
    expect(g.check('192.168.1.5', 'STAGING.local.')).toBeNull();
    expect(g.check('192.168.1.5', 'shop.corp.example')).toBeNull();
    expect(g.check('192.168.1.5', 'corp.example.evil')).not.toBeNull();
    // '*.corp.example' is a suffix at a label boundary: not any name ending in "corp.example".
    expect(g.check('192.168.1.5', 'evilcorp.example')).not.toBeNull();
    expect(g.check('192.168.1.5', 'a.b.corp.example')).toBeNull();
    expect(g.check('fd00::5')).toBeNull();
    expect(g.check('::1')).not.toBeNull();
  });

  it('a mapped IPv6 allow entry also allows the IPv4 address', () => {
    expect(new AddressGuard(['::ffff:127.0.0.1']).check('127.0.0.1')).toBeNull();
  });

  it('resolve() checks every address of a name', async () => {
    await expect(new AddressGuard().resolve('localhost')).rejects.toBeInstanceOf(PrivateAddressError);
    await expect(new AddressGuard().resolve('[::1]')).rejects.toThrow(/::1 \(loopback\)/);
    const addrs = await new AddressGuard(['localhost']).resolve('localhost');
    expect(addrs.length).toBeGreaterThan(0);
  });
});

describe('AddressGuard.connector (the connection itself is pinned)', () => {
  let server: http.Server;
  let port: number;
  const connections: Socket[] = [];
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    server.on('connection', (s) => connections.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const connect = (guard: AddressGuard, hostname: string) =>
    new Promise<{ err: Error | null; socket: Socket | null }>((resolve) =>
      guard.connector()(
        { hostname, host: `${hostname}:${port}`, protocol: 'http:', port: String(port) },
        (err, socket) => resolve({ err, socket }),
      ),
    );

  it('refuses an IP literal before any connection is made', async () => {
    const before = connections.length;
    const { err, socket } = await connect(new AddressGuard(), '127.0.0.1');
    expect(err).toBeInstanceOf(PrivateAddressError);
    expect(socket).toBeNull();
    expect(connections.length).toBe(before);
  });

  it('refuses a name whose DNS answer is private, even when nothing checked it earlier', async () => {
    const before = connections.length;
    const { err } = await connect(new AddressGuard(), 'localhost');
    expect(err).toBeInstanceOf(PrivateAddressError);
    expect(connections.length).toBe(before);
  });

  it('refuses decimal and octal forms of loopback before any connection is made', async () => {
    const before = connections.length;
    for (const form of ['2130706433', '0177.0.0.1']) {
      const { err, socket } = await connect(new AddressGuard(), form);
      expect(err).toBeInstanceOf(PrivateAddressError);
      expect(socket).toBeNull();
    }
    expect(connections.length).toBe(before);
  });

  it('checks a host name by the addresses it resolves to, not as an unparseable IP', async () => {
    const guard = new AddressGuard(['127.0.0.1']);
    const { err, socket } = await connect(guard, 'localhost');
    expect(err).toBeNull();
    expect(guard.lastPeer.get(`localhost:${port}`)).toBe('127.0.0.1');
    socket!.destroy();
  });

  it('checks the peer after connecting, even when a resolver hands back an unchecked address', async () => {
    // A resolver that answers with an address nothing checked (what DNS rebinding aims for):
    // the connection that results is closed and refused, and no peer is recorded.
    class UncheckedLookup extends AddressGuard {
      override readonly lookup = ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
        opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never;
    }
    const guard = new UncheckedLookup();
    const { err, socket } = await connect(guard, 'shop.example');
    expect(err).toBeInstanceOf(PrivateAddressError);
    expect((err as PrivateAddressError).reason).toBe(
      'private_address: shop.example resolves to 127.0.0.1 (loopback), which is not in the allow-list',
    );
    expect(socket).toBeNull();
    expect(guard.lastPeer.size).toBe(0);
  });

  it('connects when allowed and records the peer address', async () => {
    const guard = new AddressGuard(['127.0.0.1']);
    const { err, socket } = await connect(guard, '127.0.0.1');
    expect(err).toBeNull();
    expect(socket!.remoteAddress).toBe('127.0.0.1');
    expect(guard.lastPeer.get(`127.0.0.1:${port}`)).toBe('127.0.0.1');
    socket!.destroy();
  });
});

describe('ip-ranges: edges', () => {
  it('range boundaries of each special block, on both sides', () => {
    for (const [ip, range] of [
      ['0.255.255.255', 'this-network'],
      ['1.0.0.0', null],
      ['9.255.255.255', null],
      ['10.255.255.255', 'private'],
      ['100.64.0.0', 'cgnat'],
      ['126.255.255.255', null],
      ['128.0.0.0', null],
      ['169.254.255.255', 'link-local'],
      ['169.255.0.0', null],
      ['192.0.0.255', 'reserved'],
      ['192.0.1.0', null],
      ['198.17.255.255', null],
      ['198.18.0.0', 'benchmark'],
      ['198.19.255.255', 'benchmark'],
      ['198.20.0.0', null],
      ['198.51.100.1', 'documentation'],
      ['203.0.113.255', 'documentation'],
      ['203.0.114.0', null],
      ['223.255.255.255', null],
      ['240.0.0.1', 'reserved'],
      ['100::1', 'discard'],
      ['100:0:0:1::1', null],
      ['2001:db8:ffff::1', 'documentation'],
      ['2001:db9::1', null],
      ['fdff::1', 'private'],
      ['fe00::1', null],
      ['febf::1', 'link-local'],
      ['fec0::1', 'site-local'],
      ['feff::1', 'site-local'],
      ['ff02::1', 'multicast'],
      ['::ffff:10.0.0.1', 'private'],
      ['::10.0.0.1', 'private'], // IPv4-compatible
      ['64:ff9b::a00:1', 'private'], // NAT64 of 10.0.0.1
      ['64:ff9b:1::a00:1', 'private'],
      ['2002:a00:1::1', 'private'], // 6to4 of 10.0.0.1
      ['2002:808:808::1', null], // 6to4 of 8.8.8.8
    ] as const) {
      expect([ip, specialRange(ip)]).toEqual([ip, range]);
    }
  });

  it('parses zones, brackets, whitespace and embedded dotted quads exactly', () => {
    expect([...parseIp(' 10.0.0.1 ')!]).toEqual([10, 0, 0, 1]);
    expect([...parseIp('[::1]')!]).toEqual([...Array(15).fill(0), 1]);
    expect([...parseIp('fe80::2%eth0')!]).toEqual([0xfe, 0x80, ...Array(13).fill(0), 2]);
    expect([...parseIp('1:2:3:4:5:6:7:8')!]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect([...parseIp('1::')!]).toEqual([0, 1, ...Array(14).fill(0)]);
    expect([...parseIp('::')!]).toEqual(Array(16).fill(0));
    expect([...parseIp('64:ff9b::1.2.3.4')!]).toEqual([0, 0x64, 0xff, 0x9b, ...Array(8).fill(0), 1, 2, 3, 4]);
    expect([...parseIp('ffff:ffff::')!].slice(0, 4)).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(parseIp('[10.0.0.1')).toBeNull();
    expect(parseIp('')).toBeNull();
  });

  it('CIDR prefixes: bare addresses, limits, and masks inside a byte', () => {
    expect(parseCidr('::1')).toMatchObject({ prefix: 128 });
    expect(parseCidr('::/128')).toMatchObject({ prefix: 128 });
    expect(parseCidr('::/129')).toBeNull();
    expect(parseCidr('10.0.0.0/32')).toMatchObject({ prefix: 32 });
    expect(parseCidr('10.0.0.0/0')).toMatchObject({ prefix: 0 });
    expect(parseCidr('10.0.0.0/')).toBeNull();
    expect(parseCidr('10.0.0.0/x8')).toBeNull();
    expect(parseCidr('10.0.0.0/0008')).toBeNull();
    expect(parseCidr(' 10.0.0.0/8 ')).toMatchObject({ prefix: 8 });
    const c = parseCidr('10.0.0.128/25')!;
    expect(inCidr(parseIp('10.0.0.128')!, c)).toBe(true);
    expect(inCidr(parseIp('10.0.0.255')!, c)).toBe(true);
    expect(inCidr(parseIp('10.0.0.127')!, c)).toBe(false);
    const c2 = parseCidr('10.0.0.0/31')!;
    expect(inCidr(parseIp('10.0.0.1')!, c2)).toBe(true);
    expect(inCidr(parseIp('10.0.0.2')!, c2)).toBe(false);
    expect(inCidr(parseIp('10.0.0.1')!, parseCidr('::/0')!)).toBe(false); // families never mix
    expect(inCidr(parseIp('8.8.8.8')!, parseCidr('0.0.0.0/0')!)).toBe(true);
    expect(embeddedIPv4(parseIp('10.0.0.1')!)).toBeNull();
    expect(embeddedIPv4(parseIp('2001:4860::1')!)).toBeNull();
    expect([...embeddedIPv4(parseIp('2002:c0a8:101::')!)!]).toEqual([192, 168, 1, 1]);
  });
});

describe('AddressGuard: allow-list entries and messages', () => {
  it('peer keys: normalised host and the default port of the scheme', () => {
    expect(peerKey('Shop.Example.', '', 'https:')).toBe('shop.example:443');
    expect(peerKey('shop.example', '', 'http:')).toBe('shop.example:80');
    expect(peerKey(' [::1] ', '8080', 'https:')).toBe('::1:8080');
  });

  it('ignores blank entries and trims the rest', () => {
    const g = new AddressGuard(['', '   ', ' 10.1.0.0/16 ', ' *.corp.example ', ' Staging.Local ']);
    expect(g.check('10.1.2.3')).toBeNull();
    expect(g.check('192.168.1.5', 'a.corp.example')).toBeNull();
    expect(g.check('192.168.1.5', 'staging.local')).toBeNull();
    expect(g.check('192.168.1.5', '')).not.toBeNull();
    expect(g.check('192.168.1.5')).not.toBeNull();
    expect(new AddressGuard().check('10.0.0.1', '')).not.toBeNull();
  });

  it('a host entry without "*." is that host only; a "*." entry is its subdomains only', () => {
    const g = new AddressGuard(['corp.example', '*.lab.example']);
    expect(g.check('10.0.0.1', 'corp.example')).toBeNull();
    expect(g.check('10.0.0.1', 'shop.corp.example')).not.toBeNull();
    expect(g.check('10.0.0.1', 'x.lab.example')).toBeNull();
    expect(g.check('10.0.0.1', 'X.LAB.EXAMPLE.')).toBeNull();
    expect(g.check('10.0.0.1', 'lab.example')).not.toBeNull();
    expect(g.check('10.0.0.1', 'evillab.example')).not.toBeNull();
    expect(g.check('10.0.0.1', '[lab.example]')).not.toBeNull();
  });

  it('IPv4-mapped allow ranges also allow the plain IPv4 addresses they cover, and only those', () => {
    const g = new AddressGuard(['::ffff:127.0.0.0/120']);
    expect(g.check('127.0.0.9')).toBeNull();
    expect(g.check('::ffff:127.0.0.9')).toBeNull();
    expect(g.check('127.0.1.9')).not.toBeNull();
    // A NAT64 range is not a mapped range: it does not allow the plain IPv4 address.
    const n = new AddressGuard(['64:ff9b::7f00:1/128']);
    expect(n.check('64:ff9b::7f00:1')).toBeNull();
    expect(n.check('127.0.0.1')).not.toBeNull();
    // A plain IPv4 entry allows the mapped IPv6 form of that address.
    expect(new AddressGuard(['10.0.0.0/8']).check('::ffff:10.2.3.4')).toBeNull();
  });

  it('says which name resolved where, and names an unparseable address', () => {
    const g = new AddressGuard();
    expect(g.check('10.0.0.5', '10.0.0.5')!.reason).toBe(
      'private_address: 10.0.0.5 (private) is not in the allow-list',
    );
    expect(g.check('::1', '[::1]')!.reason).toBe('private_address: ::1 (loopback) is not in the allow-list');
    expect(g.check('not-an-ip')!.reason).toBe('private_address: not-an-ip (invalid) is not in the allow-list');
    expect(g.check('not-an-ip', 'shop.example')!.reason).toBe(
      'private_address: shop.example resolves to not-an-ip (invalid), which is not in the allow-list',
    );
  });
});

describe('AddressGuard: resolve and the lookup hook', () => {
  it('resolve() returns an allowed IP literal as is, with its family', async () => {
    const g = new AddressGuard(['127.0.0.1', '::1']);
    expect(await g.resolve('127.0.0.1')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await g.resolve('[::1]')).toEqual([{ address: '::1', family: 6 }]);
    expect(await new AddressGuard().resolve('8.8.8.8')).toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  const lookup = (g: AddressGuard, host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family: unknown }>((resolve) =>
      g.lookup(
        host,
        options as never,
        ((err: NodeJS.ErrnoException | null, address: unknown, family: unknown) =>
          resolve({ err, address, family })) as never,
      ),
    );

  it('hands back every checked address with all: true, else the first one and its family', async () => {
    const g = new AddressGuard(['127.0.0.1']);
    const all = await lookup(g, '127.0.0.1', { all: true });
    expect(all).toMatchObject({ err: null, address: [{ address: '127.0.0.1', family: 4 }] });
    const one = await lookup(g, '127.0.0.1', {});
    expect(one).toEqual({ err: null, address: '127.0.0.1', family: 4 });
  });

  it('passes the refusal to the callback instead of an address', async () => {
    const r = await lookup(new AddressGuard(), '10.0.0.1', { all: false });
    expect(r.err).toBeInstanceOf(PrivateAddressError);
    expect(r.address).toBe('');
  });

  it('asks DNS for the requested family only', async () => {
    const g = new AddressGuard(['localhost']);
    const v4 = await lookup(g, 'localhost', { all: true, family: 4 });
    expect(v4.err).toBeNull();
    expect((v4.address as { family: number }[]).every((a) => a.family === 4)).toBe(true);
  });
});

describe('AddressGuard: numeric host forms that are not dotted quads', () => {
  // "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/" all reach 127.0.0.1: URL
  // parsing and getaddrinfo read decimal, octal, hex and short forms as IPv4 addresses.
  const forms = ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.1'];

  it.each(forms)('resolve("%s") is checked as the address it reaches (127.0.0.1)', async (form) => {
    await expect(new AddressGuard().resolve(form)).rejects.toThrow(
      `private_address: ${form} resolves to 127.0.0.1 (loopback), which is not in the allow-list`,
    );
    expect(await new AddressGuard(['127.0.0.1']).resolve(form)).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('a decimal form of a private address is refused too (3232235777 is 192.168.1.1)', async () => {
    await expect(new AddressGuard().resolve('3232235777')).rejects.toThrow(/resolves to 192\.168\.1\.1 \(private\)/);
  });

  it('check() never takes such a form for a public address', () => {
    expect(new AddressGuard().check('2130706433')!.reason).toBe(
      'private_address: 2130706433 (invalid) is not in the allow-list',
    );
    expect(new AddressGuard(['127.0.0.1']).check('0177.0.0.1')).not.toBeNull();
  });
});

describe('AddressGuard: entries that are not what they look like', () => {
  it('refuses a malformed range up front instead of allowing nothing', () => {
    expect(() => new AddressGuard(['10.0.0.0/99'])).toThrow(
      'allow-list entry "10.0.0.0/99" is not a valid CIDR range: the prefix length must be 0 to 32 for IPv4',
    );
    expect(() => new AddressGuard(['10.0.0.0/99'])).toThrow(UserError);
  });

  it('only an IPv4-mapped entry (::ffff:a.b.c.d) stands for the plain IPv4 address', () => {
    // A private IPv6 range that has ffff where a mapped address has it is an IPv6 range.
    const ula = new AddressGuard(['fd00::ffff:0:0/96']);
    expect(ula.check('fd00::ffff:0:1')).toBeNull();
    expect(ula.check('10.0.0.1')).not.toBeNull();
    // 6to4 forms of 127.0.0.1 with ff in one byte of the mapped position are not mapped forms.
    for (const entry of ['2002:7f00:1::ff:0:0', '2002:7f00:1::ff00:0:0']) {
      const g = new AddressGuard([entry]);
      expect(g.check(entry)).toBeNull();
      expect(g.check('127.0.0.1')).not.toBeNull();
    }
  });

  it('the whole mapped block (::ffff:0:0/96) is every IPv4 address; a shorter range is IPv6 only', () => {
    const all = new AddressGuard(['::ffff:0:0/96']);
    expect(all.check('10.0.0.1')).toBeNull();
    expect(all.check('192.168.1.1')).toBeNull();
    // ::1 and :: are IPv6's own loopback and unspecified addresses, not IPv4-compatible 0.0.0.1 and 0.0.0.0.
    expect(all.check('::1')).not.toBeNull();
    expect(all.check('::')).not.toBeNull();
    expect(new AddressGuard(['0.0.0.0/0']).check('::1')).not.toBeNull();
    expect(embeddedIPv4(parseIp('::1')!)).toBeNull();
    expect([...embeddedIPv4(parseIp('::0.0.0.2')!)!]).toEqual([0, 0, 0, 2]);
    // A /95 has no IPv4 prefix of its own (it would be -1): it allows the mapped forms it covers only.
    const wide = new AddressGuard(['::ffff:0:0/95']);
    expect(wide.check('::ffff:10.0.0.1')).toBeNull();
    expect(wide.check('10.0.0.1')).not.toBeNull();
  });

  it('a bracket is stripped only as a pair, so a stray one never turns a name into an allowed one', () => {
    expect(new AddressGuard(['shop.example']).check('10.0.0.1', '[shop.example')).not.toBeNull();
    expect(new AddressGuard(['shop.example']).check('10.0.0.1', 'xshop.example]')).not.toBeNull();
    expect(new AddressGuard(['hop.example']).check('10.0.0.1', 'shop.example]')).not.toBeNull();
    expect(new AddressGuard(['shop.example']).check('10.0.0.1', '[shop.example]')).toBeNull();
    expect(parseIp('10.0.0.1]')).toBeNull();
    expect(parseIp('[10.0.0.12')).toBeNull();
    expect(parseIp('[10.0.0.1]')).toEqual(Uint8Array.from([10, 0, 0, 1]));
  });

  it('a zone index is dropped before the embedded IPv4 address is read', () => {
    expect([...parseIp('::ffff:10.0.0.1%eth0')!].slice(10)).toEqual([0xff, 0xff, 10, 0, 0, 1]);
    expect(new AddressGuard(['127.0.0.1']).check('::ffff:127.0.0.1%lo')).toBeNull();
  });
});

describe('AddressGuard: the lookup hook asks for the family the socket needs', () => {
  it('an IPv6 lookup never hands back an IPv4 address', async () => {
    const g = new AddressGuard(['localhost']);
    const v6 = await new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      g.lookup(
        'localhost',
        { all: true, family: 6 } as never,
        ((err: NodeJS.ErrnoException | null, address: unknown) => resolve({ err, address })) as never,
      ),
    );
    // Where localhost has no IPv6 address the answer is "not found", never 127.0.0.1.
    const addrs = v6.err ? [] : (v6.address as { family: number }[]);
    expect(v6.err === null || v6.err.code === 'ENOTFOUND').toBe(true);
    expect(addrs.filter((a) => a.family !== 6)).toEqual([]);
  });
});
