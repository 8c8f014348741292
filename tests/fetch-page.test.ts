import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchPage, type FetchOptions } from '../src/fetch/fetch-page.js';
import { InProcessDomainGate, type DomainGate } from '../src/fetch/domain-gate.js';
import { RobotsCache } from '../src/fetch/robots.js';
import { reasonCode } from '../src/fetch/fetch-errors.js';
import { closeFetchAgents } from '../src/fetch/http-hop.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface TestServer {
  base: string;
  host: string;
  routes: Map<string, Handler>;
  hits: Array<{ path: string; at: number; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const hits: TestServer['hits'] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push({ path, at: performance.now(), headers: req.headers });
    const handler = routes.get(path) ?? routes.get(path.replace(/\?.*$/, ''));
    if (handler) return handler(req, res);
    if (path === '/robots.txt') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('no robots here');
    }
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>not found</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    routes,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const html = (body: string, head = '') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

function page(body: string, headers: http.OutgoingHttpHeaders = {}, status = 200): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
}

/** Fast, isolated options: loopback allowed, no politeness delay, fresh robots cache. */
function opts(extra: FetchOptions = {}): FetchOptions {
  return {
    allowPrivate: ['127.0.0.1'],
    gate: new InProcessDomainGate({ defaults: { concurrency: 8, delayMs: 0 } }),
    robots: new RobotsCache(),
    timeoutMs: 5_000,
    ...extra,
  };
}

const PRODUCT = html(
  `<h1>Acme Widget 3000</h1><p itemprop="price" content="129.99">$129.99</p><p>${'A sturdy widget. '.repeat(40)}</p>`,
  '<title>Acme Widget 3000</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Acme Widget 3000","offers":{"@type":"Offer","price":"129.99","priceCurrency":"USD"}}</script>',
);

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterEach(() => {
  srv.routes.clear();
  srv.hits.length = 0;
});
afterAll(async () => {
  await srv.close();
  await closeFetchAgents();
});

describe('fetchPage: ok pages and decoding', () => {
  it('fetches a plain page and reports metadata', async () => {
    srv.routes.set('/p', page(PRODUCT));
    const r = await fetchPage(`${srv.base}/p`, opts());
    expect(r.status).toBe('ok');
    expect(r.reason).toBeUndefined();
    expect(r.body).toContain('Acme Widget 3000');
    expect(r.httpStatus).toBe(200);
    expect(r.contentType).toBe('text/html; charset=utf-8');
    expect(r.finalUrl).toBe(`${srv.base}/p`);
    expect(r.requestedUrl).toBe(`${srv.base}/p`);
    expect(r.serverIp).toBe('127.0.0.1');
    expect(r.bytes).toBe(Buffer.byteLength(PRODUCT));
    expect(r.fetchedAt).toBeInstanceOf(Date);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('sends a mapwatch user agent, accept-encoding and the caller headers', async () => {
    srv.routes.set('/p', page(PRODUCT));
    await fetchPage(
      `${srv.base}/p`,
      opts({ headers: { 'Accept-Language': 'de-DE', 'X-Test': '1', 'Accept-Encoding': 'zstd' } }),
    );
    const hit = srv.hits.find((h) => h.path === '/p')!;
    expect(hit.headers['user-agent']).toMatch(
      /^mapwatch\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/mapwatch\/mapwatch; price-compliance monitor\)$/,
    );
    expect(hit.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(hit.headers['accept-language']).toBe('de-DE');
    expect(hit.headers['x-test']).toBe('1');
    await fetchPage(`${srv.base}/p`, opts({ userAgent: 'AcmeMonitor/2.0 (mapwatch)' }));
    expect(srv.hits.filter((h) => h.path === '/p')[1]!.headers['user-agent']).toBe('AcmeMonitor/2.0 (mapwatch)');
  });

  it.each([
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateRawSync(b)], // raw deflate, as some servers send
  ])('decodes a %s body', async (encoding, compress) => {
    srv.routes.set('/z', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': encoding });
      res.end(compress(Buffer.from(PRODUCT)));
    });
    const r = await fetchPage(`${srv.base}/z`, opts());
    expect(r.status).toBe('ok');
    expect(r.body).toBe(PRODUCT);
  });

  it('decodes windows-1252 named in the Content-Type header', async () => {
    const bytes = Buffer.concat([
      Buffer.from('<html><body><p>Caf'),
      Buffer.from([0xe9, 0x20, 0x80, 0x20]), // é, space, € (0x80 in windows-1252), space
      Buffer.from('12,99 '),
      Buffer.from([0x96]), // en dash
      Buffer.from('</p></body></html>'),
    ]);
    srv.routes.set('/cp', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' });
      res.end(bytes);
    });
    const r = await fetchPage(`${srv.base}/cp`, opts());
    expect(r.status).toBe('ok');
    expect(r.body).toContain('Café € 12,99 –');
    expect(r.charset).toBe('windows-1252');
  });

  it('decodes iso-8859-1 named by <meta charset> and by <meta http-equiv> when the header has none', async () => {
    const body = (meta: string) =>
      Buffer.concat([
        Buffer.from(`<html><head>${meta}</head><body>Gr`),
        Buffer.from([0xfc, 0xdf, 0x65]),
        Buffer.from(' 5 '),
        Buffer.from([0xa3]),
        Buffer.from('</body></html>'),
      ]);
    srv.routes.set('/m1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(body('<meta charset="iso-8859-1">'));
    });
    srv.routes.set('/m2', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(body('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'));
    });
    for (const p of ['/m1', '/m2']) {
      const r = await fetchPage(`${srv.base}${p}`, opts());
      expect(r.status).toBe('ok');
      expect(r.body).toContain('Grüße 5 £');
    }
  });

  it('defaults to utf-8', async () => {
    srv.routes.set('/u', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(Buffer.from('<html><body>Zürich 12,50 €</body></html>', 'utf8'));
    });
    const r = await fetchPage(`${srv.base}/u`, opts());
    expect(r.body).toContain('Zürich 12,50 €');
    expect(r.charset).toBe('utf-8');
  });

  it('accepts XHTML and sniffs a page without Content-Type', async () => {
    srv.routes.set('/x', page(PRODUCT, { 'content-type': 'application/xhtml+xml' }));
    srv.routes.set('/none', (_req, res) => {
      res.removeHeader('content-type');
      res.writeHead(200);
      res.end('\n  <!DOCTYPE html><html><body>hi</body></html>');
    });
    expect((await fetchPage(`${srv.base}/x`, opts())).status).toBe('ok');
    const r = await fetchPage(`${srv.base}/none`, opts());
    expect(r.status).toBe('ok');
    expect(r.contentType).toBeUndefined();
  });
});

describe('fetchPage: redirects', () => {
  it('follows a redirect chain (absolute and relative Location)', async () => {
    srv.routes.set('/a', page('', { location: `${srv.base}/b` }, 301));
    srv.routes.set('/b', page('', { location: '/c?x=1' }, 302));
    srv.routes.set('/c', page('', { location: 'd' }, 307));
    srv.routes.set('/d', page(PRODUCT));
    const r = await fetchPage(`${srv.base}/a`, opts());
    expect(r.status).toBe('ok');
    expect(r.finalUrl).toBe(`${srv.base}/d`);
    expect(r.redirects).toBe(3);
    expect(r.requestedUrl).toBe(`${srv.base}/a`);
  });

  it('reports a redirect loop', async () => {
    srv.routes.set('/loop1', page('', { location: '/loop2' }, 302));
    srv.routes.set('/loop2', page('', { location: '/loop1' }, 302));
    const r = await fetchPage(`${srv.base}/loop1`, opts());
    expect(r.status).toBe('error');
    expect(reasonCode(r.reason)).toBe('redirect_loop');
    expect(r.retryable).toBe(false);
  });

  it('stops after maxRedirects', async () => {
    for (let i = 0; i < 10; i++) srv.routes.set(`/hop${i}`, page('', { location: `/hop${i + 1}` }, 302));
    const r = await fetchPage(`${srv.base}/hop0`, opts({ maxRedirects: 3 }));
    expect(r.status).toBe('error');
    expect(r.reason).toBe('too_many_redirects: more than 3 redirects');
    expect(r.retryable).toBe(false);
    expect(srv.hits.filter((h) => h.path.startsWith('/hop'))).toHaveLength(4);
    // The default allows 5.
    expect((await fetchPage(`${srv.base}/hop4`, opts())).reason).toMatch(/^too_many_redirects/);
  });

  it('refuses a redirect to a non-http scheme and a 3xx without a usable Location', async () => {
    srv.routes.set('/ftp', page('', { location: 'ftp://example.com/file' }, 302));
    const r = await fetchPage(`${srv.base}/ftp`, opts());
    expect(reasonCode(r.reason)).toBe('unsupported_scheme');
    srv.routes.set('/noloc', page('', {}, 302));
    const r2 = await fetchPage(`${srv.base}/noloc`, opts());
    expect(r2.status).toBe('error');
    expect(r2.reason).toBe('http_302: Found');
  });

  it('drops Cookie and Authorization when a redirect leaves the origin', async () => {
    const other = await startServer();
    try {
      other.routes.set('/land', page(PRODUCT));
      srv.routes.set('/away', page('', { location: `${other.base}/land` }, 302));
      const r = await fetchPage(
        `${srv.base}/away`,
        opts({ headers: { Cookie: 'session=1', Authorization: 'Basic eDp5', 'X-Keep': 'yes' } }),
      );
      expect(r.status).toBe('ok');
      expect(srv.hits.find((h) => h.path === '/away')!.headers.cookie).toBe('session=1');
      const landed = other.hits.find((h) => h.path === '/land')!;
      expect(landed.headers.cookie).toBeUndefined();
      expect(landed.headers.authorization).toBeUndefined();
      expect(landed.headers['x-keep']).toBe('yes');
    } finally {
      await other.close();
    }
  });
});

describe('fetchPage: size, content type, status classification', () => {
  it('stops reading a 10 MB page at maxBytes (too_large)', async () => {
    let written = 0;
    let finished = false;
    srv.routes.set('/huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (written < 10 * 1024 * 1024) {
          if (res.destroyed) return;
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        finished = true;
        res.end();
      };
      res.write('<html><body>');
      pump();
    });
    const t0 = performance.now();
    const r = await fetchPage(`${srv.base}/huge`, opts({ maxBytes: 1024 * 1024 }));
    expect(r.status).toBe('error');
    expect(r.reason).toBe('too_large: over 1048576 bytes');
    expect(r.retryable).toBe(false);
    expect(r.body).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(3000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(false);
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap before reading, and a gzip bomb while decoding', async () => {
    srv.routes.set('/declared', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(10 * 1024 * 1024) });
      res.write('<html>'); // never finishes; we must not wait for it
    });
    const r = await fetchPage(`${srv.base}/declared`, opts());
    expect(r.reason).toMatch(/^too_large: over 5242880 bytes/);

    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, ' '));
    srv.routes.set('/bomb', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const r2 = await fetchPage(`${srv.base}/bomb`, opts());
    expect(r2.reason).toBe('too_large: over 5242880 bytes');
  });

  it.each(['application/pdf', 'application/json; charset=utf-8', 'image/png', 'text/plain'])(
    'refuses %s as not_html',
    async (type) => {
      srv.routes.set('/doc', page('%PDF-1.4 {"a":1}', { 'content-type': type }));
      const r = await fetchPage(`${srv.base}/doc`, opts());
      expect(r.status).toBe('error');
      expect(r.reason).toBe(`not_html: content-type ${type.split(';')[0]}`);
      expect(r.retryable).toBe(false);
      expect(r.body).toBeUndefined();
    },
  );

  it('refuses a body without Content-Type that is not HTML', async () => {
    srv.routes.set('/bin', (_req, res) => {
      res.removeHeader('content-type');
      res.writeHead(200);
      res.end('%PDF-1.7 binary');
    });
    const r = await fetchPage(`${srv.base}/bin`, opts());
    expect(reasonCode(r.reason)).toBe('not_html');
  });

  it.each([
    [401, 'blocked', false, 'http_401: Unauthorized'],
    [403, 'blocked', false, 'http_403: Forbidden'],
    [404, 'error', false, 'http_404: Not Found'],
    [410, 'error', false, 'http_410: Gone'],
    [400, 'error', false, 'http_400: Bad Request'],
    [500, 'error', true, 'http_500: Internal Server Error'],
    [502, 'error', true, 'http_502: Bad Gateway'],
  ] as const)('HTTP %i → %s (retryable %s)', async (code, status, retryable, reason) => {
    srv.routes.set('/s', page(html('nope'), {}, code));
    const r = await fetchPage(`${srv.base}/s`, opts());
    expect(r).toMatchObject({ status, retryable, reason, httpStatus: code });
    expect(r.body).toBeUndefined();
  });

  it('429 and 503 are blocked, retryable, with Retry-After applied to the gate', async () => {
    const backoffs: Array<[string, number]> = [];
    const inner = new InProcessDomainGate({ defaults: { delayMs: 0 } });
    const gate: DomainGate = {
      configure: (d, l) => inner.configure(d, l),
      acquire: (h, s) => inner.acquire(h, s),
      keyFor: (h) => inner.keyFor(h),
      backoff: (h, ms) => backoffs.push([h, ms]),
    };
    srv.routes.set('/429', page(html('slow down'), { 'retry-after': '7' }, 429));
    const r = await fetchPage(`${srv.base}/429`, opts({ gate }));
    expect(r).toMatchObject({ status: 'blocked', retryable: true, retryAfterMs: 7000, httpStatus: 429 });
    expect(r.reason).toBe('http_429: Too Many Requests');

    const when = new Date(Date.now() + 120_000).toUTCString();
    srv.routes.set('/503', page(html('maintenance'), { 'retry-after': when }, 503));
    const r2 = await fetchPage(`${srv.base}/503`, opts({ gate }));
    expect(r2).toMatchObject({ status: 'blocked', retryable: true, httpStatus: 503 });
    expect(r2.retryAfterMs).toBeGreaterThan(100_000);
    expect(r2.retryAfterMs).toBeLessThanOrEqual(120_000);

    srv.routes.set('/503b', page(html('maintenance'), {}, 503));
    const r3 = await fetchPage(`${srv.base}/503b`, opts({ gate }));
    expect(r3.retryAfterMs).toBeUndefined();

    expect(backoffs).toEqual([
      [srv.host, 7000],
      [srv.host, r2.retryAfterMs],
    ]);
  });
});

const CLOUDFLARE = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><style>body{font-family:sans-serif}</style></head>
<body><div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">shop.example.com</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>
<div id="challenge-body-text" class="core-msg spacer">shop.example.com needs to review the security of your connection before proceeding.</div>
</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "shop.example.com",cType: 'managed'};
var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>`;

const DATADOME = `<html><head><title>shop.example.com</title><style>#cmsg{animation: A 1.5s;}</style></head>
<body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>
<script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B869FA6EAFFB5E1','t':'fe','s':17434,'e':'abc','host':'geo.captcha-delivery.com','cookie':'x'}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>`;

const NEWSLETTER_PRODUCT = html(
  `<h1>Acme Widget 3000</h1><span class="price">$129.99</span><p>${'Built to last, with a five-year warranty. '.repeat(30)}</p>
   <form class="newsletter"><input name="email"><div class="g-recaptcha" data-sitekey="6Lc_abc"></div><button>Subscribe</button></form>`,
  '<title>Acme Widget 3000 | Shop</title><script src="https://www.google.com/recaptcha/api.js" async defer></script>',
);

describe('fetchPage: bot walls', () => {
  it('flags a Cloudflare-like challenge served with 200 as blocked', async () => {
    srv.routes.set('/cf', page(CLOUDFLARE));
    const r = await fetchPage(`${srv.base}/cf`, opts());
    expect(r.status).toBe('blocked');
    expect(r.reason).toBe('captcha: page looks like a bot wall (Cloudflare challenge)');
    expect(r.retryable).toBe(false);
    expect(r.body).toBeUndefined();
  });

  it('flags a DataDome-like page as blocked', async () => {
    srv.routes.set('/dd', page(DATADOME));
    const r = await fetchPage(`${srv.base}/dd`, opts());
    expect(r.status).toBe('blocked');
    expect(r.reason).toBe('captcha: page looks like a bot wall (DataDome captcha)');
  });

  it('does not flag a product page with a newsletter reCAPTCHA', async () => {
    srv.routes.set('/nl', page(NEWSLETTER_PRODUCT));
    const r = await fetchPage(`${srv.base}/nl`, opts());
    expect(r.status).toBe('ok');
    expect(r.body).toContain('g-recaptcha');
  });

  it('names the vendor behind a 403', async () => {
    srv.routes.set('/cf403', page(CLOUDFLARE, {}, 403));
    const r = await fetchPage(`${srv.base}/cf403`, opts());
    expect(r).toMatchObject({
      status: 'blocked',
      reason: 'http_403: Forbidden (Cloudflare challenge)',
      retryable: false,
    });
  });
});

describe('fetchPage: timeouts and cancellation', () => {
  it('times out on a server that never answers', async () => {
    srv.routes.set('/hang', () => {
      /* never respond */
    });
    const t0 = performance.now();
    const r = await fetchPage(`${srv.base}/hang`, opts({ timeoutMs: 300 }));
    expect(r.status).toBe('error');
    expect(reasonCode(r.reason)).toBe('timeout');
    expect(r.retryable).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2500);
  });

  it('times out on a body that trickles forever (whole-request deadline)', async () => {
    srv.routes.set('/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html><body>');
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('.')), 30);
      res.on('close', () => clearInterval(t));
    });
    const t0 = performance.now();
    const r = await fetchPage(`${srv.base}/trickle`, opts({ timeoutMs: 400 }));
    expect(r).toMatchObject({ status: 'error', retryable: true });
    expect(r.reason).toBe('timeout: no complete response within 400 ms');
    expect(performance.now() - t0).toBeLessThan(2500);
  });

  it('returns aborted when the caller cancels', async () => {
    srv.routes.set('/hang2', () => {});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await fetchPage(`${srv.base}/hang2`, opts({ signal: ac.signal }));
    expect(r).toMatchObject({ status: 'error', retryable: true });
    expect(reasonCode(r.reason)).toBe('aborted');
  });

  it('reports a refused connection as a retryable network error', async () => {
    const dead = await startServer();
    await dead.close();
    const r = await fetchPage(`${dead.base}/`, opts({ respectRobots: false }));
    expect(r).toMatchObject({ status: 'error', retryable: true, reason: 'network: connection refused' });
    // With robots on, the robots.txt fetch is what fails first; the reason still says why.
    const r2 = await fetchPage(`${dead.base}/`, opts());
    expect(r2).toMatchObject({ status: 'error', retryable: true });
    expect(r2.reason).toMatch(/^network: connection refused \(fetching robots\.txt/);
  });
});

describe('fetchPage: URL and address guard', () => {
  it('rejects invalid URLs and non-http schemes', async () => {
    expect((await fetchPage('not a url', opts())).reason).toMatch(/^invalid_url: /);
    expect((await fetchPage('file:///etc/passwd', opts())).reason).toBe(
      'unsupported_scheme: file: (only http and https)',
    );
    expect((await fetchPage('ftp://example.com/x', opts())).retryable).toBe(false);
  });

  it('refuses 127.0.0.1 without an allow-list', async () => {
    srv.routes.set('/p', page(PRODUCT));
    const r = await fetchPage(`${srv.base}/p`, { ...opts(), allowPrivate: undefined });
    expect(r.status).toBe('error');
    expect(r.reason).toBe('private_address: 127.0.0.1 (loopback) is not in the allow-list');
    expect(r.retryable).toBe(false);
    expect(srv.hits).toHaveLength(0); // not even robots.txt
  });

  it('allows 127.0.0.1 by IP, CIDR or host name', async () => {
    srv.routes.set('/p', page(PRODUCT));
    for (const allowPrivate of [['127.0.0.1'], ['127.0.0.0/8'], ['::ffff:127.0.0.1']]) {
      expect((await fetchPage(`${srv.base}/p`, opts({ allowPrivate }))).status).toBe('ok');
    }
  });

  it.each([
    'http://10.0.0.1/',
    'http://[::1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:192.168.1.1]/',
    'http://0.0.0.0/',
  ])('refuses a redirect hop to %s', async (target) => {
    srv.routes.set('/jump', page('', { location: target }, 302));
    const r = await fetchPage(`${srv.base}/jump`, opts());
    expect(r.status).toBe('error');
    expect(reasonCode(r.reason)).toBe('private_address');
    expect(r.finalUrl).toBe(new URL(target).href);
    expect(r.retryable).toBe(false);
  });

  it('refuses a host name resolving to a private address (localhost)', async () => {
    const r = await fetchPage(`http://localhost:${new URL(srv.base).port}/p`, {
      ...opts(),
      allowPrivate: ['10.0.0.0/8'],
    });
    expect(r.reason).toMatch(
      /^private_address: localhost resolves to (127\.0\.0\.1|::1) \(loopback\), which is not in the allow-list$/,
    );
  });
});

describe('fetchPage: robots.txt', () => {
  it('honours Disallow for our agent, caches robots.txt, and can be bypassed', async () => {
    srv.routes.set(
      '/robots.txt',
      page('User-agent: *\nDisallow: /private\n\nUser-agent: mapwatch\nDisallow: /no-mapwatch\n', {
        'content-type': 'text/plain',
      }),
    );
    srv.routes.set('/private/item', page(PRODUCT));
    srv.routes.set('/public', page(PRODUCT));
    srv.routes.set('/no-mapwatch', page(PRODUCT));
    const o = opts();
    const r = await fetchPage(`${srv.base}/no-mapwatch`, o);
    expect(r).toMatchObject({ status: 'error', retryable: false });
    expect(r.reason).toBe(`robots_disallowed: /no-mapwatch is disallowed for "mapwatch" by ${srv.base}/robots.txt`);
    // The mapwatch group replaces the * group, so /private is allowed for us.
    expect((await fetchPage(`${srv.base}/private/item`, o)).status).toBe('ok');
    expect((await fetchPage(`${srv.base}/public`, o)).status).toBe('ok');
    // Another agent token falls back to the * group.
    const other = await fetchPage(`${srv.base}/private/item`, { ...o, userAgent: 'OtherBot/1.0' });
    expect(reasonCode(other.reason)).toBe('robots_disallowed');
    expect(srv.hits.filter((h) => h.path === '/robots.txt')).toHaveLength(1);
    expect(srv.hits.find((h) => h.path === '/robots.txt')!.headers['user-agent']).toMatch(/^mapwatch\//);
    expect(srv.hits.some((h) => h.path === '/no-mapwatch')).toBe(false);

    const bypass = await fetchPage(`${srv.base}/no-mapwatch`, { ...o, respectRobots: false });
    expect(bypass.status).toBe('ok');
  });

  it('treats a 404 robots.txt as allow-all', async () => {
    srv.routes.set('/p', page(PRODUCT));
    const r = await fetchPage(`${srv.base}/p`, opts());
    expect(r.status).toBe('ok');
    expect(srv.hits.map((h) => h.path)).toEqual(['/robots.txt', '/p']);
  });

  it('treats a 5xx robots.txt as disallow-for-now (retryable)', async () => {
    srv.routes.set('/robots.txt', page('oops', {}, 500));
    srv.routes.set('/p', page(PRODUCT));
    const r = await fetchPage(`${srv.base}/p`, opts());
    expect(r).toMatchObject({ status: 'error', retryable: true });
    expect(r.reason).toBe('robots_unavailable: robots.txt returned HTTP 500; treating the site as disallowed for now');
    expect(srv.hits.some((h) => h.path === '/p')).toBe(false);
  });

  it('re-reads robots.txt after the TTL, keeping the last good copy while it fails', async () => {
    let now = 1_000_000;
    const robots = new RobotsCache({ ttlMs: 1000, failureTtlMs: 100, now: () => now });
    let robotsStatus = 200;
    srv.routes.set('/robots.txt', (_req, res) => {
      res.writeHead(robotsStatus, { 'content-type': 'text/plain' });
      res.end('User-agent: *\nDisallow: /secret\n');
    });
    srv.routes.set('/p', page(PRODUCT));
    const o = opts({ robots });
    const robotsHits = () => srv.hits.filter((h) => h.path === '/robots.txt').length;
    expect((await fetchPage(`${srv.base}/p`, o)).status).toBe('ok');
    expect((await fetchPage(`${srv.base}/p`, o)).status).toBe('ok');
    expect(robotsHits()).toBe(1);
    now += 1500;
    robotsStatus = 503;
    expect((await fetchPage(`${srv.base}/p`, o)).status).toBe('ok'); // stale copy used
    expect(reasonCode((await fetchPage(`${srv.base}/secret`, o)).reason)).toBe('robots_disallowed');
    expect(robotsHits()).toBe(2);
    const fresh = await fetchPage(`${srv.base}/p`, opts()); // no good copy: disallowed for now
    expect(reasonCode(fresh.reason)).toBe('robots_unavailable');
  });

  it('checks robots.txt of the origin a redirect lands on', async () => {
    const other = await startServer();
    try {
      other.routes.set('/robots.txt', page('User-agent: *\nDisallow: /\n', { 'content-type': 'text/plain' }));
      other.routes.set('/land', page(PRODUCT));
      srv.routes.set('/go', page('', { location: `${other.base}/land` }, 301));
      const r = await fetchPage(`${srv.base}/go`, opts());
      expect(reasonCode(r.reason)).toBe('robots_disallowed');
      expect(r.finalUrl).toBe(`${other.base}/land`);
      expect(other.hits.some((h) => h.path === '/land')).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe('fetchPage: politeness', () => {
  it('spaces requests to one domain by delayMs, one at a time', async () => {
    srv.routes.set('/p', (_req, res) => setTimeout(() => page(PRODUCT)(_req, res), 30));
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 120 } });
    const o = opts({ gate, respectRobots: false });
    const results = await Promise.all([1, 2, 3].map(() => fetchPage(`${srv.base}/p`, o)));
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    const starts = srv.hits.map((h) => h.at);
    expect(starts).toHaveLength(3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(110);
  });

  it('does not deadlock with concurrency 1 across robots.txt and cross-host redirects', async () => {
    const other = await startServer();
    try {
      other.routes.set('/bounce', page('', { location: `${srv.base}/land` }, 302));
      srv.routes.set('/start', page('', { location: `${other.base}/bounce` }, 302));
      srv.routes.set('/land', page(PRODUCT));
      const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 20 } });
      const results = await Promise.all([1, 2].map(() => fetchPage(`${srv.base}/start`, opts({ gate }))));
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
      expect(results[0]!.redirects).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('uses the site limits configured on the gate', async () => {
    srv.routes.set('/p', page(PRODUCT));
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 10_000 } });
    gate.configure('127.0.0.1', { concurrency: 4, delayMs: 0 });
    const t0 = performance.now();
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => fetchPage(`${srv.base}/p`, opts({ gate, respectRobots: false }))),
    );
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
