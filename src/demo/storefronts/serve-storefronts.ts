/**
 * Serves every demo storefront on its own loopback address (127.0.0.2, 127.0.0.3, …),
 * so each store is a separate domain to mapwatch: its own politeness, robots.txt
 * and site health, as with real resellers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STOREFRONTS, type Storefront, type StoreState } from './stores.js';

export interface RunningStorefront {
  store: Storefront;
  host: string;
  origin: string;
  state: StoreState;
}

export interface RunningStorefronts {
  stores: RunningStorefront[];
  /** Makes the "layout change" store ship its redesign. */
  shiftLayouts(): void;
  close(): Promise<void>;
}

async function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function serveStorefronts(opts: { firstAddress?: number } = {}): Promise<RunningStorefronts> {
  const servers: http.Server[] = [];
  const running: RunningStorefront[] = [];
  let i = opts.firstAddress ?? 2;
  for (const store of STOREFRONTS) {
    const state: StoreState = { hits: new Map(), shifted: false };
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
      const origin = `http://${req.headers.host ?? ''}`;
      if (path === '/robots.txt') {
        const sitemap = store.discoverable ? `Sitemap: ${origin}/sitemap.xml\n` : '';
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nDisallow: /checkout\n${sitemap}`);
        return;
      }
      if (store.discoverable && path === '/sitemap.xml') {
        const urls = store.listings.map((l) => `<url><loc>${origin}${l.path}</loc></url>`).join('');
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
        return;
      }
      if (!store.serve(req, res, path, state))
        res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Page not found</body></html>');
    });
    server.keepAliveTimeout = 1000;
    const ip = `127.0.0.${i++}`;
    const port = await listen(server, ip, 0);
    servers.push(server);
    running.push({ store, host: `${ip}:${port}`, origin: `http://${ip}:${port}`, state });
  }
  return {
    stores: running,
    shiftLayouts() {
      for (const r of running) r.state.shifted = true;
    },
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}
