/**
 * fetchPage: fetch one product page over plain HTTP(S), politely and safely.
 *
 * ```ts
 * fetchPage(url: string, opts?: FetchOptions): Promise<FetchResult>   // never throws
 * ```
 *
 * FetchOptions (all optional)
 * - userAgent      default DEFAULT_USER_AGENT = `mapwatch/<version> (+https://github.com/mapwatch/mapwatch; price-compliance monitor)`;
 *                  wins over a User-Agent in `headers`. Its first product token ("mapwatch") is the robots.txt agent.
 * - headers        extra request headers (site config `headers`). Accept-Encoding/Host/Connection are ours.
 *                  Authorization/Cookie are dropped when a redirect leaves the origin.
 * - timeoutMs      20_000. Deadline for the whole request incl. robots.txt, every redirect hop and the body;
 *                  starts once the domain gate has let the request through (queueing time is not counted).
 * - maxBytes       5 MiB (5_242_880) of DECODED body; over it → error too_large, reading stops at once.
 * - maxRedirects   5. Redirects are followed manually; each hop is address-checked, robots-checked, and
 *                  gated when it moves to another domain.
 * - allowPrivate   [] — hosts, IPs or CIDRs allowed despite being loopback/private/reserved ('127.0.0.1', '10.1.0.0/16', 'localhost').
 * - respectRobots  true.
 * - gate           defaultDomainGate (process-wide InProcessDomainGate; 1 in flight, 2000 ms between starts per domain).
 * - robots         defaultRobotsCache (process-wide, 1 h TTL).
 * - signal         caller cancellation → error 'aborted'.
 * - document       'html' (default) or 'data': a sitemap, feed or products.json (discovery). Any content
 *                  type is read, a gzipped file (.xml.gz) is unpacked under the same maxBytes, and no
 *                  bot-wall check runs; every politeness and address rule is the same.
 *
 * FetchResult: status 'ok' | 'blocked' | 'error'; `reason` = '<code>: <text>' (codes: fetch-errors.ts);
 * `retryable`; `retryAfterMs` (429/503 Retry-After, also applied to the gate as a backoff);
 * requestedUrl, finalUrl, httpStatus, contentType, headers (lower-case names), body (decoded text, only
 * when 'ok'), visibleText (of an HTML body), bytes (decoded body size), serverIp, charset, redirects,
 * fetchedAt, elapsedMs.
 *
 * Order of checks per hop: URL scheme → address guard (DNS, all addresses) → cached robots verdict →
 * domain gate → robots.txt → GET (connection pinned to checked addresses) → redirect or classification:
 * status (401/403/429/503 blocked; other 4xx/5xx error) → content type (HTML/XHTML only; sniffed when
 * missing) → size → charset decode → bot-wall detection.
 */
import { createHash } from 'node:crypto';
import { FetchProblem, problemFromError } from './fetch-errors.js';
import { dispatcherFor, discardBody, sendGet, type HopResponse } from './http-hop.js';
import { defaultDomainGate, type DomainGate, type GateRelease } from './domain-gate.js';
import { RobotsCache } from './robots.js';
import { destroyQuietly, readBody } from './read-body.js';
import { decodeHtml } from './charset.js';
import { classifyStatus, htmlContentType, mediaType, parseRetryAfter, sniffHtml } from './classify-response.js';
import { botWallVendor, detectBotWall } from './bot-wall.js';
import { visibleText } from './page-text.js';
import { buildRequestHeaders, robotsToken, stripCredentials } from './user-agent.js';
import { gunzipCapped } from './gunzip-capped.js';

export { DEFAULT_USER_AGENT } from './user-agent.js';

export interface FetchOptions {
  userAgent?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  allowPrivate?: string[];
  respectRobots?: boolean;
  gate?: DomainGate;
  robots?: RobotsCache;
  signal?: AbortSignal;
  document?: 'html' | 'data';
}

/** Anything that reads a URL the way fetchPage does (a browser render, a test double). */
export type Fetcher = (url: string, opts: FetchOptions) => Promise<FetchResult>;

export interface FetchResult {
  status: 'ok' | 'blocked' | 'error';
  reason?: string;
  retryable: boolean;
  retryAfterMs?: number;
  requestedUrl: string;
  finalUrl: string;
  httpStatus?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * visibleText(body) of an HTML page (not of a `document: 'data'` read): computed once here for the
   * bot-wall check, and read again by the MAP-evasion check instead of a second pass over the page.
   */
  visibleText?: string;
  /**
   * sha256 (hex) of `body` encoded as UTF-8, with an HTML body: the observation's content digest.
   * Taken of the bytes as read when they are that encoding exactly (nearly every page), which
   * spares encoding the decoded text again just to hash it.
   */
  bodySha256?: string;
  /** Charset the body was decoded with (only with a body). */
  charset?: string;
  bytes?: number;
  serverIp?: string;
  /** Redirect hops followed. */
  redirects?: number;
  fetchedAt: Date;
  elapsedMs: number;
}

export const FETCH_DEFAULTS = {
  timeoutMs: 20_000,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
  respectRobots: true,
} as const;

/** robots.txt gets at most this long (within the page's own deadline). */
const ROBOTS_TIMEOUT_MS = 10_000;
/** How much of a 401/403/429/503 body is read to name the bot-wall vendor in the reason. */
const BLOCKED_SNIFF_BYTES = 64 * 1024;

export const defaultRobotsCache = new RobotsCache();

function parseHttpUrl(raw: string, base?: URL): URL {
  let u: URL;
  try {
    u = new URL(raw, base);
  } catch {
    throw base
      ? new FetchProblem('bad_redirect', `unparseable Location "${raw.slice(0, 200)}"`, false)
      : new FetchProblem('invalid_url', `"${raw.slice(0, 200)}" is not an absolute URL`, false);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new FetchProblem('unsupported_scheme', `${u.protocol} (only http and https)`, false);
  }
  u.hash = '';
  return u;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new FetchProblem('timeout', `${what} took over ${ms} ms`, true)), ms);
    const onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

export async function fetchPage(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const fetchedAt = new Date();
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const maxBytes = opts.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const maxRedirects = opts.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const respectRobots = opts.respectRobots ?? FETCH_DEFAULTS.respectRobots;
  const gate = opts.gate ?? defaultDomainGate;
  const robots = opts.robots ?? defaultRobotsCache;

  let current: URL | undefined;
  let redirects = 0;
  let release: GateRelease | undefined;
  let last: HopResponse | undefined;
  const done = (r: Omit<FetchResult, 'requestedUrl' | 'finalUrl' | 'fetchedAt' | 'elapsedMs'>): FetchResult => ({
    requestedUrl: url,
    finalUrl: current?.href ?? url,
    ...r,
    redirects,
    fetchedAt,
    elapsedMs: Math.round(performance.now() - t0),
  });

  // One controller for both the deadline and the caller's signal (AbortSignal.any on a long-lived
  // caller signal retains every dependent signal in Node 20, so link them by hand and unlink after).
  const abort = new AbortController();
  const signal = abort.signal;
  let deadlineHit = false;
  let timer: NodeJS.Timeout | undefined;
  const onCallerAbort = () => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });

  try {
    const dispatcher = dispatcherFor(opts.allowPrivate);
    let headers = buildRequestHeaders(opts.userAgent, opts.headers);
    const token = robotsToken(headers['user-agent']!);
    current = parseHttpUrl(url);
    const visited = new Set<string>([current.href]);
    let heldKey: string | undefined;

    for (;;) {
      // Address guard first: a refused host must not cost a gate slot or a robots.txt fetch.
      // (The connector checks again on connect, so a DNS answer changing in between is caught.)
      await withTimeout(dispatcher.guard.resolve(current.hostname), timeoutMs, 'DNS lookup', signal);

      if (respectRobots) {
        const cached = robots.peek(current, token);
        if (cached) throw cached;
      }

      const key = gate.keyFor(current.host);
      if (key !== heldKey) {
        release?.();
        release = undefined;
        release = await gate.acquire(current.host, signal);
        heldKey = key;
      }
      timer ??= setTimeout(() => {
        deadlineHit = true;
        abort.abort(new Error('deadline'));
      }, timeoutMs);

      if (respectRobots) {
        const ctx = { dispatcher, headers, timeoutMs: Math.min(timeoutMs, ROBOTS_TIMEOUT_MS) };
        const verdict = await robots.check(current, token, ctx, signal);
        if (verdict) throw verdict;
      }

      const res = await sendGet(current, {
        headers,
        dispatcher,
        signal,
        headersTimeoutMs: timeoutMs,
        bodyTimeoutMs: timeoutMs,
      });
      last = res;

      const location = res.headers['location'];
      if (res.status >= 300 && res.status < 400 && res.status !== 304 && location !== undefined) {
        await discardBody(res.body);
        const next = parseHttpUrl(location, current);
        if (visited.has(next.href)) throw new FetchProblem('redirect_loop', `${next.href} was already visited`, false);
        if (redirects >= maxRedirects) {
          throw new FetchProblem('too_many_redirects', `more than ${maxRedirects} redirects`, false);
        }
        redirects++;
        visited.add(next.href);
        if (next.origin !== current.origin) headers = stripCredentials(headers);
        current = next;
        last = undefined; // httpStatus/headers on a later error describe the URL that failed
        continue;
      }
      return await finishResponse(res, current);
    }
  } catch (err) {
    const p = problemFromError(err, {
      callerAborted: opts.signal?.aborted === true,
      deadlineHit,
      timeoutMs,
    });
    return done({
      status: 'error',
      reason: p.reason,
      retryable: p.retryable,
      httpStatus: last?.status,
      contentType: last?.headers['content-type'],
      headers: last?.headers,
      serverIp: last?.serverIp,
    });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
    try {
      release?.();
    } catch {
      // a custom gate's release failing must not turn a result into a throw
    }
  }

  async function finishResponse(res: HopResponse, at: URL): Promise<FetchResult> {
    const contentType = res.headers['content-type'];
    const common = { httpStatus: res.status, contentType, headers: res.headers, serverIp: res.serverIp };

    let retryAfterMs: number | undefined;
    if (res.status === 429 || res.status === 503) {
      retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      if (retryAfterMs !== undefined && retryAfterMs > 0) gate.backoff(at.host, retryAfterMs);
    }

    const verdict = classifyStatus(res.status);
    if (verdict) {
      let reason = verdict.reason;
      if (verdict.status === 'blocked') {
        const vendor = await blockedVendor(res);
        if (vendor) reason += ` (${vendor})`;
      } else {
        await discardBody(res.body);
      }
      return done({ ...common, status: verdict.status, reason, retryable: verdict.retryable, retryAfterMs });
    }

    if (opts.document === 'data') return finishData(res, common);
    const kind = htmlContentType(contentType);
    if (kind === 'not_html') {
      destroyQuietly(res.body);
      return done({
        ...common,
        status: 'error',
        reason: `not_html: content-type ${mediaType(contentType)}`,
        retryable: false,
      });
    }
    const encoding = res.headers['content-encoding'];
    const declared = Number(res.headers['content-length']);
    if ((!encoding || encoding === 'identity') && declared > maxBytes) {
      destroyQuietly(res.body);
      const reason = `too_large: over ${maxBytes} bytes (Content-Length ${declared})`;
      return done({ ...common, status: 'error', reason, retryable: false });
    }

    const buf = await readBody(res.body, encoding, { maxBytes });
    if (buf.length === 0) {
      return done({
        ...common,
        status: 'error',
        reason: `empty_body: HTTP ${res.status} with no content`,
        retryable: true,
        bytes: 0,
      });
    }
    if (kind === 'unknown' && !sniffHtml(buf)) {
      const what = contentType ? `content-type ${mediaType(contentType)}` : 'no content-type';
      const reason = `not_html: ${what} and the body does not look like HTML`;
      return done({ ...common, status: 'error', reason, retryable: false, bytes: buf.length });
    }
    const { text, charset, exactUtf8 } = decodeHtml(buf, contentType);
    // The visible text first: the bot-wall check reads it (a page with real text needs only the
    // strong markers), and it goes out with the page for the evasion check.
    const pageText = visibleText(text);
    const wall = detectBotWall(text, res.headers, { text: pageText });
    if (wall) {
      const reason = `captcha: page looks like a bot wall (${wall.vendor})`;
      return done({ ...common, status: 'blocked', reason, retryable: false, bytes: buf.length });
    }
    return done({
      ...common,
      status: 'ok',
      retryable: false,
      body: text,
      visibleText: pageText,
      bodySha256: createHash('sha256')
        .update(exactUtf8 ? buf : text)
        .digest('hex'),
      charset,
      bytes: buf.length,
    });
  }

  /** A sitemap, feed or products.json: any type; a gzip file (not an encoding) is unpacked under maxBytes. */
  async function finishData(res: HopResponse, common: Partial<FetchResult>): Promise<FetchResult> {
    let buf = await readBody(res.body, res.headers['content-encoding'], { maxBytes });
    if (buf.length === 0) {
      return done({
        ...common,
        status: 'error',
        reason: `empty_body: HTTP ${res.status} with no content`,
        retryable: true,
        bytes: 0,
      });
    }
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipCapped(buf, maxBytes);
    return done({
      ...common,
      status: 'ok',
      retryable: false,
      body: buf.toString('utf8'),
      charset: 'utf-8',
      bytes: buf.length,
    });
  }
}

/** Read the start of a 401/403/429/503 body to name the bot wall behind it; never fails. */
async function blockedVendor(res: HopResponse): Promise<string | undefined> {
  try {
    const buf = await readBody(res.body, res.headers['content-encoding'], {
      maxBytes: BLOCKED_SNIFF_BYTES,
      truncate: true,
    });
    return botWallVendor(decodeHtml(buf, res.headers['content-type']).text, res.headers);
  } catch {
    return botWallVendor('', res.headers);
  }
}
