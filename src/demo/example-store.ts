/**
 * The bundled example storefronts, served on 127.0.0.1 from examples/store/.
 * A path ending in /amp5 under audio-bargains answers 403 the way a bot wall does,
 * so the demo shows a blocked read being recorded and never judged.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

export interface RunningStore {
  origin: string;
  host: string;
  close(): Promise<void>;
}

export async function startExampleStore(port = 0): Promise<RunningStore> {
  const root = path.join(EXAMPLES_DIR, 'store');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /checkout/\n');
      return;
    }
    if (url.pathname === '/audio-bargains/amp5') {
      res.writeHead(403, { 'content-type': 'text/html' }).end('<html><body><h1>Access denied</h1></body></html>');
      return;
    }
    const file = path.join(root, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, '') + '.html');
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not found</body></html>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  const host = `127.0.0.1:${actual}`;
  return {
    origin: `http://${host}`,
    host,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Site configs for the example store, as a user would write them in crawlers/. */
export function exampleSiteConfigs(host: string): Record<string, string> {
  const common = `domain: "${host}"\nrate_limit:\n  concurrency: 2\n  delay_ms: 100\nschedule: "0 */6 * * *"\n`;
  return {
    'sound-depot.yaml': `# Structured data only: no selectors needed.
reseller: Sound Depot
currency: USD
locale: en-US
${common}listings:
  - { sku: NW-HP100, url: "http://${host}/sound-depot/hp100" }
  - { sku: NW-SPK20, url: "http://${host}/sound-depot/spk20" }
  - { sku: NW-AMP5,  url: "http://${host}/sound-depot/amp5" }
`,
    'audio-bargains.yaml': `reseller: AudioBargains
currency: USD
${common}listings:
  - { sku: NW-HP100, url: "http://${host}/audio-bargains/hp100" }
  - { sku: NW-SPK20, url: "http://${host}/audio-bargains/spk20" }
  - { sku: NW-AMP5,  url: "http://${host}/audio-bargains/amp5" }
`,
    'euroklang.yaml': `# No structured data: a selector points at the price; prices include 19 % VAT.
reseller: EuroKlang GmbH
currency: EUR
locale: de-DE
vat: { included: true, rate: 19 }
selectors:
  price: ".price-now"
${common}listings:
  - { sku: NW-HP100, url: "http://${host}/euroklang/hp100" }
`,
  };
}
