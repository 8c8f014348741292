import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyStatus, htmlContentType, parseRetryAfter, sniffHtml } from '../src/fetch/classify-response.js';
import { BOT_WALL_SCAN_CHARS, botWallVendor, detectBotWall, visibleText } from '../src/fetch/bot-wall.js';
import { charsetFromContentType, decodeHtml, decodeWindows1252, sniffCharset } from '../src/fetch/charset.js';
import { FetchProblem, problemFromError, reasonCode } from '../src/fetch/fetch-errors.js';
import { readBody } from '../src/fetch/read-body.js';
import { buildRequestHeaders, DEFAULT_USER_AGENT, robotsToken } from '../src/fetch/user-agent.js';

describe('classifyStatus', () => {
  it.each([
    [200, null],
    [203, null],
    [401, { status: 'blocked', retryable: false, reason: 'http_401: Unauthorized' }],
    [403, { status: 'blocked', retryable: false, reason: 'http_403: Forbidden' }],
    [429, { status: 'blocked', retryable: true, reason: 'http_429: Too Many Requests' }],
    [503, { status: 'blocked', retryable: true, reason: 'http_503: Service Unavailable' }],
    [404, { status: 'error', retryable: false, reason: 'http_404: Not Found' }],
    [410, { status: 'error', retryable: false, reason: 'http_410: Gone' }],
    [451, { status: 'error', retryable: false, reason: 'http_451: Unavailable For Legal Reasons' }],
    [408, { status: 'error', retryable: true, reason: 'http_408: Request Timeout' }],
    [500, { status: 'error', retryable: true, reason: 'http_500: Internal Server Error' }],
    [504, { status: 'error', retryable: true, reason: 'http_504: Gateway Timeout' }],
    [522, { status: 'error', retryable: true, reason: 'http_522: Unknown' }],
    [304, { status: 'error', retryable: false, reason: 'http_304: Not Modified' }],
  ] as const)('%i', (code, expected) => {
    expect(classifyStatus(code)).toEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('content type', () => {
  it.each([
    ['text/html', 'html'],
    ['text/html; charset=UTF-8', 'html'],
    ['TEXT/HTML', 'html'],
    ['application/xhtml+xml', 'html'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['application/octet-stream', 'unknown'],
    ['application/pdf', 'not_html'],
    ['application/json', 'not_html'],
    ['image/webp', 'not_html'],
    ['text/plain', 'not_html'],
    ['application/xml', 'not_html'],
  ])('%s → %s', (ct, kind) => {
    expect(htmlContentType(ct)).toBe(kind);
  });

  it('sniffs HTML', () => {
    expect(sniffHtml(Buffer.from('\ufeff  <!DOCTYPE html><html>'))).toBe(true);
    expect(sniffHtml(Buffer.from('<HTML lang="en">'))).toBe(true);
    expect(sniffHtml(Buffer.from('<!-- generated --><html>'))).toBe(true);
    expect(sniffHtml(Buffer.from('{"price": 12}'))).toBe(false);
    expect(sniffHtml(Buffer.from('%PDF-1.7'))).toBe(false);
  });
});

describe('charset', () => {
  it('reads the header parameter and markup declarations', () => {
    expect(charsetFromContentType('text/html; charset="ISO-8859-1"')).toBe('ISO-8859-1');
    expect(charsetFromContentType('text/html;charset=utf-8')).toBe('utf-8');
    expect(charsetFromContentType('text/html')).toBeUndefined();
    const sniff = (s: string) => sniffCharset(Buffer.from(s));
    expect(sniff('<head><meta charset=windows-1252></head>')).toEqual({ charset: 'windows-1252', declared: true });
    expect(sniff('<meta content="text/html; charset=Shift_JIS" http-equiv="Content-Type">').charset).toBe('shift_jis');
    expect(sniff('<?xml version="1.0" encoding="ISO-8859-15"?><html>').charset).toBe('iso-8859-15');
    expect(sniff('<!-- <meta charset="koi8-r"> --><p>')).toEqual({ charset: 'utf-8', declared: false });
  });

  it('prefers BOM, then header, then markup; ignores unknown labels', () => {
    const latin = Buffer.from([0x3c, 0x70, 0x3e, 0xe9, 0x80]); // <p>é€ in windows-1252
    expect(decodeHtml(latin, 'text/html; charset=windows-1252').text).toBe('<p>é€');
    // An unknown label is skipped; nothing else is declared and the bytes are not UTF-8.
    expect(decodeHtml(latin, 'text/html; charset=bogus-charset').charset).toBe('windows-1252');
    expect(decodeHtml(Buffer.concat([Buffer.from('<meta charset="latin1">'), latin])).text).toContain('é€');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<p>é</p>')]);
    expect(decodeHtml(bom, 'text/html; charset=windows-1252')).toEqual({
      text: '<p>é</p>',
      charset: 'utf-8',
      exactUtf8: false,
    });
    // A <meta> cannot switch an ASCII-compatible document to UTF-16.
    expect(decodeHtml(Buffer.from('<meta charset="utf-16"><p>x</p>')).charset).toBe('utf-8');
    expect(decodeHtml(Buffer.from([0x82, 0xa0]), 'text/html; charset=shift_jis').text).toBe('あ');
  });

  it('decodes all of windows-1252 0x80-0x9f', () => {
    expect(
      decodeWindows1252(Buffer.from([0x80, 0x85, 0x8a, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x9f, 0x81])),
    ).toBe('€…Š‘’“”–—™Ÿ\u0081');
  });
});

describe('detectBotWall', () => {
  const product = (extra: string) =>
    `<html><head><title>Widget</title></head><body><h1>Widget</h1><p>${'Solid steel. '.repeat(200)}</p>${extra}</body></html>`;

  it.each([
    [
      'Cloudflare "Attention Required"',
      '<html><head><title>Attention Required! | Cloudflare</title></head><body><div class="cf-error-details">Sorry, you have been blocked</div></body></html>',
      'Cloudflare block',
    ],
    [
      'PerimeterX',
      '<html><head><title>Access to this page has been denied.</title></head><body><div id="px-captcha"></div><p>Press &amp; Hold to confirm you are a human (and not a bot).</p></body></html>',
      'PerimeterX/HUMAN captcha',
    ],
    [
      'Akamai',
      '<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don\'t have permission to access "http://shop.example/p" on this server.<P>Reference&#32;#18&#46;2f1e3e17&#46;1700000000&#46;a1b2c3</BODY></HTML>',
      'Akamai access denied',
    ],
    [
      'Pardon Our Interruption',
      '<html><head><title>Pardon Our Interruption</title></head><body><p>As you were browsing something about your browser made us think you were a bot.</p></body></html>',
      'Distil/Imperva "Pardon Our Interruption"',
    ],
    [
      'Incapsula',
      '<html><head><META NAME="robots" CONTENT="noindex,nofollow"></head><body><iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=9&xinfo=1" frameborder=0 width="100%" height="100%">Request unsuccessful. Incapsula incident ID: 1234</iframe></body></html>',
      'Imperva/Incapsula',
    ],
    [
      'Google-style unusual traffic',
      '<html><body><h1>Sorry...</h1><p>Our systems have detected unusual traffic from your computer network.</p></body></html>',
      'bot check ("unusual traffic")',
    ],
    [
      'Are you a robot',
      '<html><head><title>Robot check</title></head><body><h4>Are you a robot?</h4><form><img src="/captcha.jpg"><input name="field-keywords"></form></body></html>',
      'bot check ("are you a robot")',
    ],
    [
      'bare hCaptcha page',
      '<html><head><script src="https://hcaptcha.com/1/api.js"></script></head><body><form><div class="h-captcha" data-sitekey="x"></div></form></body></html>',
      'hCaptcha challenge',
    ],
    // A bot wall beats markup, always: product JSON-LD or a price on a near-empty page with a
    // challenge marker is a captcha page dressed as a product (it opened a false violation at $10).
    [
      'a captcha page carrying product JSON-LD at $10',
      `<html><head><title>Verify</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"W","offers":{"@type":"Offer","price":"10.00","priceCurrency":"USD"}}</script></head><body><p>Verify you are human before continuing.</p><div class="g-recaptcha" data-sitekey="k"></div></body></html>`,
      'bot check ("verify you are human")',
    ],
    [
      'a short page with a price and an hCaptcha form',
      '<html><body><h1>Widget</h1><span>$19.99</span><form><div class="h-captcha"></div></form></body></html>',
      'hCaptcha challenge',
    ],
    [
      'a Cloudflare challenge with product markup and plenty of text',
      `<html><head><title>Just a moment...</title><script type="application/ld+json">{"@type":"Product","offers":{"price":"10"}}</script></head><body><p>${'Solid steel. '.repeat(200)}</p></body></html>`,
      'Cloudflare challenge',
    ],
  ])('flags %s', (_name, page, vendor) => {
    expect(detectBotWall(page)).toMatchObject({ vendor });
  });

  it('flags a challenge announced by the cf-mitigated header', () => {
    expect(detectBotWall('<html><body>…</body></html>', { 'cf-mitigated': 'challenge' })).toMatchObject({
      vendor: 'Cloudflare challenge',
    });
  });

  it.each([
    [
      'a product page with a newsletter reCAPTCHA',
      product(
        '<form><div class="g-recaptcha" data-sitekey="k"></div></form><script src="https://www.google.com/recaptcha/api.js"></script>',
      ),
    ],
    ['a long article mentioning unusual traffic', product('<p>We saw unusual traffic during the sale.</p>')],
    [
      'a Cloudflare-proxied page with the normal JS detection script',
      product('<script src="/cdn-cgi/challenge-platform/h/b/scripts/jsd/abc/main.js"></script>'),
    ],
    [
      'a page with the DataDome tag (not a challenge)',
      product('<script src="https://js.datadome.co/tags.js"></script>'),
    ],
    ['a plain small page', '<html><body><p>Hello</p></body></html>'],
  ])('does not flag %s', (_name, page) => {
    expect(detectBotWall(page)).toBeNull();
  });

  it('names the vendor of a blocked page regardless of content', () => {
    expect(botWallVendor('<title>Just a moment...</title>')).toBe('Cloudflare challenge');
    expect(botWallVendor('<p>nothing</p>')).toBeUndefined();
  });

  it('reads pathological markup to the end, with the right answer', () => {
    // Unclosed tags and long runs of a marker's prefix: a backtracking pattern or a rescan per
    // tag would not finish within the test's timeout; a linear scan gives these answers.
    expect(detectBotWall('<script '.repeat(100_000) + ' are you a robot')).toEqual({
      vendor: 'bot check ("are you a robot")',
      strength: 'weak',
    });
    expect(visibleText('<script '.repeat(100_000) + ' are you a robot')).toBe('');
    // An Akamai title without its reference number, over a long text: not a wall.
    expect(detectBotWall('<title>Access Denied</title>' + 'reference '.repeat(100_000))).toBeNull();
    expect(detectBotWall('<' + '1 '.repeat(200_000) + ' unusual traffic')).toMatchObject({ strength: 'weak' });
  });

  it('scans only the head of a huge page', () => {
    // The bound on work: markers and text are looked for in the first BOT_WALL_SCAN_CHARS only,
    // so a 5 MB page costs what a 1 MB one does. A marker past the bound is never seen.
    const filler = '<p>' + 'x'.repeat(BOT_WALL_SCAN_CHARS) + '</p>';
    const marker = '<script>window._cf_chl_opt={}</script>';
    expect(detectBotWall(`<html><body>${marker}${filler}</body></html>`)).toMatchObject({ strength: 'strong' });
    expect(detectBotWall(`<html><body>${filler}${marker}</body></html>`)).toBeNull();
    expect(botWallVendor(`${filler}${marker}`)).toBe('Cloudflare challenge'); // the vendor lookup reads it all
  });

  it('computes visible text without scripts and styles', () => {
    expect(visibleText('<style>a{}</style><p>Hi&nbsp;<b>there</b></p><script>var x = 1;</script>')).toBe('Hi there');
  });
});

describe('readBody', () => {
  const stream = (chunks: Buffer[]) => Readable.from(chunks);

  it('decodes stacked encodings and deflate split into 1-byte chunks', async () => {
    const text = Buffer.from('<html>' + 'x'.repeat(1000) + '</html>');
    const gzThenBr = zlib.brotliCompressSync(zlib.gzipSync(text));
    expect((await readBody(stream([gzThenBr]), 'gzip, br', { maxBytes: 10_000 })).equals(text)).toBe(true);
    const deflated = zlib.deflateSync(text);
    const oneByte = [...deflated].map((b) => Buffer.from([b]));
    expect((await readBody(stream(oneByte), 'deflate', { maxBytes: 10_000 })).equals(text)).toBe(true);
  });

  it('rejects unknown encodings, corrupt streams and oversize bodies', async () => {
    await expect(readBody(stream([Buffer.from('x')]), 'zstd', { maxBytes: 100 })).rejects.toMatchObject({
      code: 'decode_error',
    });
    const err = await readBody(stream([Buffer.from('definitely not gzip')]), 'gzip', { maxBytes: 100 }).catch(
      (e: unknown) => e,
    );
    expect(problemFromError(err).code).toBe('decode_error');
    await expect(
      readBody(stream([Buffer.alloc(60), Buffer.alloc(60)]), undefined, { maxBytes: 100 }),
    ).rejects.toMatchObject({
      code: 'too_large',
      reason: 'too_large: over 100 bytes',
    });
    expect(
      (await readBody(stream([Buffer.alloc(60), Buffer.alloc(60)]), undefined, { maxBytes: 100, truncate: true }))
        .length,
    ).toBe(100);
  });
});

describe('errors and identity', () => {
  it('turns thrown errors into reasons without stack traces', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 1.2.3.4:80'), { code: 'ECONNREFUSED' });
    expect(problemFromError(refused).reason).toBe('network: connection refused');
    const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) });
    expect(problemFromError(wrapped)).toMatchObject({ code: 'network', retryable: true });
    expect(problemFromError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).code).toBe('timeout');
    const tls = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(problemFromError(tls)).toMatchObject({ code: 'tls', retryable: false });
    expect(problemFromError(new Error('boom')).reason).toBe('network: boom');
    expect(problemFromError(new Error('x'), { deadlineHit: true, timeoutMs: 5 }).reason).toBe(
      'timeout: no complete response within 5 ms',
    );
    expect(problemFromError(new Error('x'), { callerAborted: true, deadlineHit: true }).code).toBe('aborted');
    const known = new FetchProblem('too_large', 'over 1 bytes', false);
    expect(problemFromError(known)).toBe(known);
    expect(reasonCode('http_403: Forbidden')).toBe('http_403');
    expect(reasonCode('redirect_loop')).toBe('redirect_loop');
    expect(reasonCode(undefined)).toBeUndefined();
  });

  it('builds request headers with a mapwatch identity', () => {
    expect(DEFAULT_USER_AGENT).toMatch(
      /^mapwatch\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/mapwatch\/mapwatch; price-compliance monitor\)$/,
    );
    expect(robotsToken(DEFAULT_USER_AGENT)).toBe('mapwatch');
    expect(robotsToken('Mozilla/5.0 (compatible)')).toBe('mozilla');
    const h = buildRequestHeaders(undefined, { 'User-Agent': 'Custom/1', HOST: 'evil', 'Accept-Encoding': 'identity' });
    expect(h['user-agent']).toBe('Custom/1');
    expect(h['host']).toBeUndefined();
    expect(h['accept-encoding']).toBe('gzip, deflate, br');
    expect(buildRequestHeaders('Explicit/2', { 'User-Agent': 'Custom/1' })['user-agent']).toBe('Explicit/2');
  });
});
