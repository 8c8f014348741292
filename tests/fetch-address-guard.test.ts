import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedIPv4, inCidr, parseCidr, parseIp, specialRange } from '../src/fetch/ip-ranges.js';
import { AddressGuard } from '../src/fetch/address-guard.js';
import { PrivateAddressError } from '../src/fetch/fetch-errors.js';

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

  it('connects when allowed and records the peer address', async () => {
    const guard = new AddressGuard(['127.0.0.1']);
    const { err, socket } = await connect(guard, '127.0.0.1');
    expect(err).toBeNull();
    expect(socket!.remoteAddress).toBe('127.0.0.1');
    expect(guard.lastPeer.get(`127.0.0.1:${port}`)).toBe('127.0.0.1');
    socket!.destroy();
  });
});
