/**
 * Hostile pages against the browser's network guard. The storefront is on 127.0.0.1 (allowed);
 * a canary on 127.0.0.99 (NOT allowed) counts every TCP connection and UDP datagram it gets.
 * Every vector must leave the canary at 0. A control run with the canary's address allowed
 * shows that the canary does count what reaches it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { renderPage } from '../src/fetch/browser/render-page.js';
import { productPage, startServer, type TestServer } from './support/server.js';

const CANARY_IP = '127.0.0.99';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Canary {
  tcpPort: number;
  udpPort: number;
  count(): number;
  reset(): void;
  close(): Promise<void>;
}

async function startCanary(): Promise<Canary> {
  let n = 0;
  const open = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    n++;
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => {});
    const body = '<!doctype html><html><body><h1>CANARY REACHED</h1></body></html>';
    sock.end(
      `HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((r) => tcp.listen(0, CANARY_IP, r));
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => n++);
  await new Promise<void>((r) => udp.bind(0, CANARY_IP, r));
  return {
    tcpPort: (tcp.address() as net.AddressInfo).port,
    udpPort: udp.address().port,
    count: () => n,
    reset: () => (n = 0),
    close: () =>
      new Promise<void>((r) => {
        udp.close();
        for (const s of open) s.destroy();
        tcp.close(() => r());
      }),
  };
}

const site = { currency: 'USD', locale: 'en-US', headers: {} } as const;

describe('browser network guard: hostile pages against a canary on a refused loopback address', () => {
  let canary: Canary;
  let srv: TestServer;
  let pool: BrowserPool;
  const vectors: Record<string, string> = {};

  beforeAll(async () => {
    canary = await startCanary();
    const C = `http://${CANARY_IP}:${canary.tcpPort}`;
    const host = `${CANARY_IP}:${canary.tcpPort}`;
    const product = productPage({ name: 'Guarded Amp', price: '99.00' });
    const withHostile = (html: string) => product.replace('</body>', `${html}</body>`);
    // Holds the load event a moment so vectors that fire from script get their chance.
    const hold = '<script src="/slow.js"></script>';
    const pages: Record<string, string> = {
      iframe_direct: `<iframe src="${C}/iframe"></iframe>`,
      iframe_redirect: `<iframe src="/hop-to-canary"></iframe>`,
      websocket: `<script>try { new WebSocket('ws://${host}/ws') } catch (e) {}</script>`,
      websocket_tls: `<script>try { new WebSocket('wss://${host}/ws') } catch (e) {}</script>`,
      webrtc_stun: `<script>
        const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:${CANARY_IP}:${canary.udpPort}' }] });
        pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o));
      </script>`,
      webrtc_turn_tcp: `<script>
        const pc = new RTCPeerConnection({ iceServers: [{ urls: 'turn:${CANARY_IP}:${canary.tcpPort}?transport=tcp', username: 'u', credential: 'p' }] });
        pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o));
      </script>`,
      meta_refresh: `<meta http-equiv="refresh" content="0;url=${C}/meta">`,
      location_href: `<script>setTimeout(() => { location.href = '${C}/loc' }, 50)</script>`,
      window_open: `<script>window.open('${C}/popup')</script>`,
      img: `<img src="${C}/img.png">`,
      fetch: `<script>fetch('${C}/fetch', { mode: 'no-cors' }).catch(() => {})</script>`,
      script_src: `<script src="${C}/s.js"></script>`,
      event_source: `<script>new EventSource('${C}/es')</script>`,
      beacon: `<script>navigator.sendBeacon('${C}/beacon', 'x')</script>`,
      form_post: `<form id="f" method="post" action="${C}/form"></form><script>document.getElementById('f').submit()</script>`,
      https_iframe: `<iframe src="https://${host}/tls"></iframe>`,
      decimal_ip: `<iframe src="http://2130706531:${canary.tcpPort}/dec"></iframe>`,
      mapped_ipv6: `<iframe src="http://[::ffff:${CANARY_IP}]:${canary.tcpPort}/v6"></iframe>`,
      preconnect: `<link rel="preconnect" href="${C}"><link rel="prefetch" href="${C}/prefetch">`,
    };
    const routes: Parameters<typeof startServer>[0] = {
      '/slow.js': (_req, res) => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/javascript' }).end('1'), 1500);
      },
      '/hop-to-canary': { status: 302, headers: { location: `${C}/iframe-redirected` }, body: '' },
      '/v/redirect': { status: 302, headers: { location: `${C}/redirected` }, body: '' },
      '/v/redirect_307': { status: 307, headers: { location: `${C}/redirected307` }, body: '' },
    };
    vectors.redirect = '/v/redirect';
    vectors.redirect_307 = '/v/redirect_307';
    for (const [name, html] of Object.entries(pages)) {
      routes[`/v/${name}`] = { body: withHostile(`${html}${hold}`) };
      vectors[name] = `/v/${name}`;
    }
    srv = await startServer(routes);
    pool = new BrowserPool({ restartAfter: 50 });
  }, 60_000);

  afterAll(async () => {
    // A step that hangs is named rather than timing the whole hook out.
    const step = (name: string, p: Promise<unknown> | undefined) =>
      Promise.race([p, sleep(20_000).then(() => console.warn(`afterAll: ${name} did not finish in 20 s`))]);
    await step('pool.close', pool?.close());
    await step('srv.close', srv?.close());
    await step('canary.close', canary?.close());
  }, 90_000);

  const render = (path: string, allowPrivate: string[]) =>
    renderPage(pool, `${srv.origin}${path}`, {
      mode: 'capture',
      site: {
        ...site,
        browser: {
          steps: [],
          fallback: false,
          layout_fallback: false,
          step_timeout_ms: 3000,
          navigation_timeout_ms: 10_000,
        },
      },
      allowPrivate,
    });

  it('the canary counts connections when its address is allowed (control)', async () => {
    canary.reset();
    await render('/v/iframe_direct', ['127.0.0.1', CANARY_IP]);
    await render('/v/websocket', ['127.0.0.1', CANARY_IP]);
    await sleep(300);
    expect(canary.count()).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('no vector reaches the refused address, and the product page still renders', async () => {
    const leaked: Record<string, number> = {};
    const results: Record<string, string> = {};
    for (const [name, path] of Object.entries(vectors)) {
      canary.reset();
      const r = await render(path, ['127.0.0.1']);
      await sleep(300);
      if (canary.count() > 0) leaked[name] = canary.count();
      results[name] = r.fetch.status === 'ok' ? 'ok' : `${r.fetch.status}: ${r.fetch.reason}`;
    }
    expect(leaked).toEqual({});
    // The navigation vectors end as a refusal; the others still read the product page.
    expect(results.redirect).toMatch(/^error: private_address/);
    expect(results.redirect_307).toMatch(/^error: private_address/);
    for (const name of ['iframe_direct', 'iframe_redirect', 'websocket', 'webrtc_stun', 'img', 'fetch'])
      expect(results[name], name).toBe('ok');
  }, 180_000);
});
