/**
 * A forward proxy on 127.0.0.1 that applies the private-address guard to every connection
 * Chromium opens. Request interception (page.route) sees only some requests: it misses
 * redirect hops, some frames, WebSocket and WebRTC. A proxy sees them all, because the
 * browser context is told to send everything through it, loopback included
 * (`<-loopback>`): plain HTTP in absolute form, HTTPS and WebSocket as CONNECT tunnels.
 *
 * Each connection goes to an address the guard checked (its `lookup` hook pins the name to
 * the checked addresses, and the peer is checked again after connect), so neither a
 * redirect nor DNS rebinding gets the browser to a refused address. A refused request gets
 * a 403 carrying `x-mapwatch-refused` (plain HTTP) or a refused tunnel (CONNECT), and the
 * reason goes to `onRefuse`.
 */
import http from 'node:http';
import net, { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { type AddressGuard, peerKey } from '../address-guard.js';
import { PrivateAddressError } from '../fetch-errors.js';

export const REFUSED_HEADER = 'x-mapwatch-refused';

export interface GuardProxy {
  /** For Playwright's `proxy.server`. */
  server: string;
  close(): Promise<void>;
}

export interface GuardProxyOptions {
  onRefuse?: (reason: string) => void;
  connectTimeoutMs?: number;
}

/** Headers that belong to one hop (RFC 9110 §7.6.1), plus the proxy's own. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function splitHostPort(authority: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(authority) ?? /^([^:]+):(\d+)$/.exec(authority);
  if (!m) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!, port } : null;
}

export async function startGuardProxy(guard: AddressGuard, opts: GuardProxyOptions = {}): Promise<GuardProxy> {
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  let ownPort = 0;

  /** A socket to host:port whose peer passed the guard; throws PrivateAddressError when refused. */
  const connectChecked = (host: string, port: number, protocol: string): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const h = host.replace(/^\[|\]$/g, '').toLowerCase();
      if (isIP(h)) {
        const refusal = guard.check(h, h);
        if (refusal) return reject(refusal);
      }
      const sock = net.connect({ host: h, port, lookup: guard.lookup });
      track(sock);
      const timer = setTimeout(
        () => sock.destroy(new Error(`connect to ${h}:${port} timed out`)),
        opts.connectTimeoutMs ?? 10_000,
      );
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        const peer = sock.remoteAddress ?? '';
        const refusal =
          guard.check(peer, h) ??
          // The proxy itself must not be reachable through itself.
          (port === ownPort && (peer === '127.0.0.1' || peer === '::ffff:127.0.0.1')
            ? new PrivateAddressError(`${h}:${port} is mapwatch's own proxy`)
            : null);
        if (refusal) {
          sock.destroy();
          return reject(refusal);
        }
        guard.lastPeer.set(peerKey(h, String(port), protocol), peer);
        resolve(sock);
      });
    });

  const refused = (err: unknown): string | null => {
    if (!(err instanceof PrivateAddressError)) return null;
    opts.onRefuse?.(`private_address: ${err.message}`);
    return err.message;
  };

  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('mapwatch proxy: absolute http:// URL expected');
      return;
    }
    const port = Number(target.port || 80);
    connectChecked(target.hostname, port, 'http:').then(
      (sock) => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v;
        headers.connection = 'close';
        const up = http.request({
          method: req.method,
          host: target.hostname,
          port,
          path: `${target.pathname}${target.search}`,
          headers,
          createConnection: () => sock,
        });
        up.on('response', (ures) => {
          const raw: string[] = [];
          for (let i = 0; i < ures.rawHeaders.length; i += 2)
            if (!HOP.has(ures.rawHeaders[i]!.toLowerCase())) raw.push(ures.rawHeaders[i]!, ures.rawHeaders[i + 1]!);
          res.writeHead(ures.statusCode ?? 502, ures.statusMessage, raw);
          ures.pipe(res);
          ures.on('error', () => res.destroy());
        });
        up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
        req.pipe(up);
      },
      (err: unknown) => {
        const why = refused(err);
        if (why)
          res
            .writeHead(403, { 'content-type': 'text/plain; charset=utf-8', [REFUSED_HEADER]: 'private_address' })
            .end(`refused by mapwatch: ${why}`);
        else res.writeHead(502, { 'content-type': 'text/plain' }).end('mapwatch proxy: connect failed');
      },
    );
  });

  // HTTPS and WebSocket (ws: and wss:) arrive as CONNECT tunnels.
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const hp = splitHostPort(req.url ?? '');
    if (!hp) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    connectChecked(hp.host, hp.port, hp.port === 80 ? 'http:' : 'https:').then(
      (up) => {
        up.on('error', () => client.destroy());
        client.on('close', () => up.destroy());
        up.on('close', () => client.destroy());
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) up.write(head);
        up.pipe(client);
        client.pipe(up);
      },
      (err: unknown) => {
        const head = refused(err) ? `403 Forbidden\r\n${REFUSED_HEADER}: private_address` : '502 Bad Gateway';
        client.end(`HTTP/1.1 ${head}\r\nConnection: close\r\n\r\n`);
      },
    );
  });

  // A plain-HTTP WebSocket upgrade sent in absolute form (some clients do): refused, not forwarded,
  // because Chromium itself always tunnels WebSockets with CONNECT.
  server.on('upgrade', (_req: http.IncomingMessage, client: Duplex) => {
    client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  });
  server.on('connection', track);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  ownPort = (server.address() as net.AddressInfo).port;
  return {
    server: `http://127.0.0.1:${ownPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
