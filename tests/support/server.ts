/** A tiny storefront on 127.0.0.1 whose pages the test can change between crawls. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | { status?: number; headers?: Record<string, string>; body: string | Buffer }
  | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

export interface TestServer {
  host: string;
  origin: string;
  routes: Map<string, Route>;
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route> = {}): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const route = table.get(p);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not found</html>');
      return;
    }
    if (typeof route === 'function') return route(req, res);
    res
      .writeHead(route.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...route.headers })
      .end(route.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    routes: table,
    hits,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function productPage(opts: { name: string; price: string; currency?: string; gtin?: string }): string {
  const ld = {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: opts.name,
    ...(opts.gtin ? { gtin13: opts.gtin } : {}),
    offers: {
      '@type': 'Offer',
      price: opts.price,
      priceCurrency: opts.currency ?? 'USD',
      availability: 'https://schema.org/InStock',
    },
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>product</title>
<script type="application/ld+json">${JSON.stringify(ld).replace(/</g, '\\u003c')}</script></head>
<body><h1>${opts.name.replace(/</g, '&lt;')}</h1><span class="price">$${opts.price}</span></body></html>`;
}
