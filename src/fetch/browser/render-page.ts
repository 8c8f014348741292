/**
 * Renders one page in a fresh browser context and returns it as a FetchResult (the
 * rendered DOM as `body`), so the same extraction and classification apply as for static
 * pages. Two modes:
 * - `extract`: images, fonts and media are blocked (service workers always are) to keep reads cheap;
 * - `capture`: nothing is blocked, every HTTP exchange is kept for the WARC, and the page is
 *   screenshotted for evidence.
 * The private-address guard applies to every connection the page opens: the context sends
 * all of its traffic (redirect hops, frames, popups, WebSocket, loopback included) through a
 * guard proxy of its own (guard-proxy.ts), and WebRTC may not use UDP at all (browser-pool.ts).
 */
import type { BrowserContext, Page, Request, Response } from 'playwright-core';
import type { BrowserConfig } from '../../config/site-config.schema.js';
import { extractOffers } from '../../extract/extract-offers.js';
import { AddressGuard, peerKey } from '../address-guard.js';
import { detectBotWall } from '../bot-wall.js';
import { classifyStatus } from '../classify-response.js';
import type { DomainGate } from '../domain-gate.js';
import type { FetchResult } from '../fetch-page.js';
import { DEFAULT_USER_AGENT } from '../user-agent.js';
import type { BrowserPool } from './browser-pool.js';
import { REFUSED_HEADER, startGuardProxy } from './guard-proxy.js';
import { type RedactOptions, type Redaction, redactExchange } from './redact-exchange.js';
import { runSteps, stepCaption } from './run-steps.js';
import { annotateLayout } from './annotate-layout.js';
import { settlePage, trackRequests } from './settle-page.js';
import { WATCH_WORK_INIT } from './watch-page-work.js';
import { blockHeavyResources } from './block-heavy-resources.js';
import type { SiteConfig } from '../../config/site-config.schema.js';

/** Full-page screenshots stop here: an endless feed must not produce a 200 MB PNG. */
export const FULL_PAGE_MAX_HEIGHT = 8000;
/** Bytes of response bodies kept for the WARC of one page. */
const WARC_BODY_CAP = 25 * 1024 * 1024;

export interface Exchange {
  url: string;
  method: string;
  requestHeaders: Record<string, string>;
  status: number;
  statusText: string;
  responseHeaders: Record<string, string>;
  body: Buffer | null;
  at: Date;
  /** Credentials taken out of this exchange before it was kept (redact-exchange.ts). */
  redactions?: Redaction[];
}

export interface TlsDetails {
  protocol?: string;
  subjectName?: string;
  issuer?: string;
  validFrom?: number;
  validTo?: number;
}

export interface PageCapture {
  viewportPng: Buffer;
  fullPagePng: Buffer;
  /** Where the price element is on the viewport screenshot (CSS px = image px at scale 1). */
  priceBox: { x: number; y: number; width: number; height: number } | null;
  fullPageTruncated: boolean;
  /**
   * Sites with steps (variant, cart): the page before the steps and after each visible step
   * but the last, in order, captioned in plain words; the viewport shots above show the last.
   */
  steps: StepShot[];
  /** What the viewport shots show when steps ran ("The cart"); absent without steps. */
  caption?: string;
}

export interface StepShot {
  caption: string;
  url: string;
  png: Buffer;
}

export interface RenderResult {
  fetch: FetchResult;
  /** Visible text of the product page before any step ran (for the evasion signal). */
  pageText: string;
  tls: TlsDetails | null;
  userAgent: string;
  exchanges: Exchange[];
  capture?: PageCapture;
  /**
   * The rendered page annotated with layout facts (geometry, computed style: annotate-layout.ts),
   * for the layout read when the markup alone ties. `fetch.body` stays the page as rendered.
   */
  laidOut?: string;
}

export interface RenderOptions {
  mode: 'extract' | 'capture';
  site: Pick<SiteConfig, 'selectors' | 'currency' | 'locale' | 'headers' | 'user_agent'> & { browser?: BrowserConfig };
  userAgent?: string;
  headers?: Record<string, string>;
  allowPrivate?: string[];
  gate?: DomainGate;
  env?: NodeJS.ProcessEnv;
  /**
   * A statically fetched page to screenshot as it was read: the main document is served from
   * here (no second request for it), its subresources load normally, and no steps run.
   */
  preloaded?: { html: string; status: number; headers: Record<string, string> };
  /**
   * Whether this rendered page needs the layout annotation (`laidOut`): given by a caller that
   * knows when it will use it (readForCheck: only when the markup alone abstains), so the other
   * pages skip an evaluate and a second serialization. Without it every page is annotated.
   */
  layoutWanted?: (html: string, finalUrl: string) => boolean;
}

const DEFAULT_BROWSER: BrowserConfig = {
  steps: [],
  fallback: false,
  layout_fallback: false,
  step_timeout_ms: 15_000,
  navigation_timeout_ms: 30_000,
};

/**
 * Capture reads (and preloaded ones): the route serves a preloaded document and refuses a
 * private address before the request leaves (the guard proxy would refuse it too). Extract
 * reads set no route: with one, every request stops in Node first (block-heavy-resources.ts
 * blocks what they skip).
 */
async function guardContext(
  ctx: BrowserContext,
  guard: AddressGuard,
  state: () => ReadState,
  withRoute: boolean,
): Promise<void> {
  // Lets the settle wait see what the page still has scheduled (watch-page-work.ts).
  await ctx.addInitScript(WATCH_WORK_INIT);
  if (!withRoute) return;
  await ctx.route('**/*', async (route) => {
    const { opts, url, refusals } = state();
    const req = route.request();
    if (opts.preloaded && req.resourceType() === 'document' && req.url() === url) {
      const headers = Object.fromEntries(
        Object.entries(opts.preloaded.headers).filter(
          ([k]) => !['content-encoding', 'content-length', 'transfer-encoding'].includes(k),
        ),
      );
      return route.fulfill({ status: opts.preloaded.status, headers, body: opts.preloaded.html });
    }
    let u: URL;
    try {
      u = new URL(req.url());
    } catch {
      return route.abort('blockedbyclient');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return route.continue();
    try {
      await guard.resolve(u.hostname);
    } catch (err) {
      refusals.push(`private_address: ${(err as Error).message}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
}

/** What counts as a credential on this page: every value a fill step types from the environment
 * or during login, and every configured header (redact-exchange.ts). */
function secretsOf(opts: RenderOptions, cfg: BrowserConfig): RedactOptions {
  const env = opts.env ?? process.env;
  const secrets: string[] = [];
  for (const step of [...cfg.steps, ...(cfg.login?.steps ?? [])]) {
    if (!('fill' in step)) continue;
    const isLogin = cfg.login?.steps.includes(step) ?? false;
    const v = step.value_env !== undefined ? env[step.value_env] : isLogin ? step.value : undefined;
    if (v) secrets.push(v);
  }
  const headers = { ...opts.site.headers, ...opts.headers };
  secrets.push(...Object.values(headers).filter(Boolean));
  return { secrets, configuredHeaders: Object.keys(headers) };
}

function recordExchanges(page: Page, sink: Promise<Exchange | null>[], redact: RedactOptions): void {
  let kept = 0;
  page.on('response', (res: Response) => {
    const req: Request = res.request();
    sink.push(
      (async () => {
        const status = res.status();
        // Redirect bodies are not available; the exchange is still recorded with its headers.
        const body = status >= 300 && status < 400 ? null : await res.body().catch(() => null);
        if (body && kept + body.length > WARC_BODY_CAP) return null;
        kept += body?.length ?? 0;
        return redactExchange(
          {
            url: res.url(),
            method: req.method(),
            requestHeaders: await req.allHeaders().catch(() => req.headers()),
            status,
            statusText: res.statusText(),
            responseHeaders: await res.allHeaders().catch(() => res.headers()),
            body,
            at: new Date(),
          },
          redact,
        );
      })(),
    );
  });
}

/** Smallest visible element whose text contains one of `needles` (or matches the selector). */
async function locatePrice(
  page: Page,
  needles: string[],
  selector: string | undefined,
): Promise<PageCapture['priceBox']> {
  // Passed as source text: a bundler's helper (e.g. esbuild's __name) must not leak into the page.
  return page.evaluate(`(${LOCATE_PRICE_SRC})(${JSON.stringify({ needles, selector: selector ?? null })})`);
}

const LOCATE_PRICE_SRC = `function ({ needles, selector }) {
  function visible(el) { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 ? r : null; }
  function box(r) { return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height }; }
  if (selector) {
    const el = document.querySelector(selector);
    const r = el && visible(el);
    if (r) return box(r);
  }
  function norm(s) { return s.replace(/\\s+/g, ' ').trim(); }
  let best = null;
  for (const el of Array.from(document.body ? document.body.querySelectorAll('*') : [])) {
    if (el.closest('script,style,noscript,template')) continue;
    const text = norm(el.innerText || '');
    if (!text || !needles.some((n) => n && text.includes(n))) continue;
    const r = visible(el);
    if (r && (!best || text.length < best.len)) best = { r, len: text.length };
  }
  return best ? box(best.r) : null;
}`;

async function capturePage(page: Page, html: string, opts: RenderOptions): Promise<PageCapture> {
  const offer = extractOffers(html, { url: page.url(), site: opts.site }).primary;
  const needles = offer
    ? [offer.raw ?? '', offer.amount, offer.amount.replace('.', ',')].map((s) => s.replace(/\s+/g, ' ').trim())
    : [];
  const priceBox = offer ? await locatePrice(page, needles, opts.site.selectors?.price) : null;
  await page.evaluate('window.scrollTo(0, 0)');
  const shot = { animations: 'disabled', caret: 'hide', type: 'png' } as const;
  const viewportPng = await page.screenshot({ ...shot, timeout: 15_000 });
  const height = await page.evaluate<number>(
    'Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)',
  );
  const width = page.viewportSize()?.width ?? 1280;
  const fullPageTruncated = height > FULL_PAGE_MAX_HEIGHT;
  const fullPagePng = await page.screenshot({
    ...shot,
    fullPage: true,
    timeout: 30_000,
    ...(fullPageTruncated ? { clip: { x: 0, y: 0, width, height: FULL_PAGE_MAX_HEIGHT } } : {}),
  });
  return { viewportPng, fullPagePng, priceBox, fullPageTruncated, steps: [] };
}

/** The product page before the steps, and the page after each captioned step but the last (capturePage shows that one). */
function shootSteps(
  page: Page,
  steps: BrowserConfig['steps'],
  shots: StepShot[],
): { before: () => Promise<void>; afterStep: (i: number) => Promise<void>; lastCaption: string | undefined } {
  const captioned = steps.flatMap((s, i) => {
    const caption = stepCaption(s);
    return caption ? [{ i, caption }] : [];
  });
  const last = captioned.at(-1);
  const shoot = async (caption: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    const png = await page.screenshot({ animations: 'disabled', caret: 'hide', type: 'png', timeout: 15_000 });
    shots.push({ caption, url: page.url(), png });
  };
  return {
    before: async () => {
      if (last) await shoot('The product page as it first loaded');
    },
    afterStep: async (i) => {
      const c = captioned.find((x) => x.i === i);
      if (c && c !== last) await shoot(c.caption);
    },
    lastCaption: last?.caption,
  };
}

/**
 * Never throws for page problems: they come back as a FetchResult with status error/blocked,
 * like fetchPage. Only a pool that cannot start a browser at all throws.
 */
export async function renderPage(pool: BrowserPool, url: string, opts: RenderOptions): Promise<RenderResult> {
  const fetchedAt = new Date();
  const t0 = performance.now();
  const cfg = { ...DEFAULT_BROWSER, ...opts.site.browser };
  const userAgent = opts.site.user_agent ?? opts.userAgent ?? DEFAULT_USER_AGENT;
  const refusals: string[] = [];
  const pending: Promise<Exchange | null>[] = [];
  const base = { requestedUrl: url, finalUrl: url, fetchedAt };
  const finish = (
    r: Omit<FetchResult, 'requestedUrl' | 'finalUrl' | 'fetchedAt' | 'elapsedMs'> & { finalUrl?: string },
  ): FetchResult => ({
    ...base,
    ...r,
    elapsedMs: Math.round(performance.now() - t0),
  });

  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    return {
      fetch: finish({
        status: 'error',
        reason: `invalid_url: "${url.slice(0, 200)}" is not an absolute URL`,
        retryable: false,
      }),
      pageText: '',
      tls: null,
      userAgent,
      exchanges: [],
    };
  }
  const extraHTTPHeaders = { ...opts.site.headers, ...opts.headers };
  const contextOptions = (proxyServer: string) => ({
    proxy: { server: proxyServer, bypass: '<-loopback>' },
    userAgent,
    extraHTTPHeaders,
    serviceWorkers: opts.mode === 'extract' ? ('block' as const) : ('allow' as const),
    javaScriptEnabled: true,
  });
  const read = async (ctx: BrowserContext, page: Page, guard: AddressGuard): Promise<RenderResult> => {
    ctx.setDefaultTimeout(cfg.step_timeout_ms);
    ctx.setDefaultNavigationTimeout(cfg.navigation_timeout_ms);
    if (opts.mode === 'extract') await blockHeavyResources(page);
    if (opts.mode === 'capture') recordExchanges(page, pending, secretsOf(opts, cfg));
    const fail = (reason: string, retryable: boolean, extra: Partial<FetchResult> = {}): RenderResult => ({
      fetch: finish({
        status: 'error',
        reason,
        retryable,
        finalUrl: page.url() === 'about:blank' ? url : page.url(),
        ...extra,
      }),
      pageText: '',
      tls: null,
      userAgent,
      exchanges: [],
    });

    if (cfg.login) {
      try {
        await page.goto(cfg.login.url, { waitUntil: 'load' });
        await runSteps(page, cfg.login.steps, { stepTimeoutMs: cfg.step_timeout_ms, env: opts.env });
      } catch (err) {
        return fail(`login_failed: ${(err as Error).message.split('\n')[0]}`, false);
      }
    }

    let res: Response | null;
    const tracker = trackRequests(page);
    try {
      res = await page.goto(url, { waitUntil: 'load' });
    } catch (err) {
      tracker.dispose();
      if (refusals.length) return fail(refusals[0]!, false);
      const msg = (err as Error).message.split('\n')[0]!;
      return fail(/Timeout/i.test(msg) ? `timeout: ${msg}` : `network: ${msg}`, true);
    }
    if (!res) {
      tracker.dispose();
      return fail('network: navigation produced no response', true);
    }
    // Late XHR-built prices: wait until the price is in the page and nothing it asked for is
    // still loading (settle-page.ts), but never wait forever.
    await settlePage(page, tracker, {
      priceSelector: opts.site.selectors?.price,
      maxMs: Math.min(cfg.step_timeout_ms, 5000),
    }).finally(() => tracker.dispose());

    // Nothing below changes the page before the steps run: ask for all of it at once, one wait
    // for the browser instead of four in turn. The HTML too when no step will run.
    const noSteps = opts.preloaded !== undefined || cfg.steps.length === 0;
    const early = noSteps ? page.content() : undefined;
    early?.catch(() => {}); // awaited below, where a failure surfaces as before
    const [headers, sec, pageText] = await Promise.all([
      res.allHeaders().catch(() => res!.headers()),
      res.securityDetails().catch(() => null),
      page.evaluate<string>("document.body ? document.body.innerText : ''").catch(() => ''),
    ]);
    if (headers[REFUSED_HEADER])
      return fail(
        refusals.find((r) => r.includes(new URL(res.url()).hostname)) ?? refusals[0] ?? 'private_address: refused',
        false,
      );
    // The browser's peer is the guard proxy; the server's own address is what the proxy connected to.
    const finalUrl = new URL(res.url());
    const serverIp = guard.lastPeer.get(peerKey(finalUrl.hostname, finalUrl.port, finalUrl.protocol));
    const httpStatus = res.status();
    const tls: TlsDetails | null = sec
      ? {
          protocol: sec.protocol,
          subjectName: sec.subjectName,
          issuer: sec.issuer,
          validFrom: sec.validFrom,
          validTo: sec.validTo,
        }
      : null;
    const common = { httpStatus, headers, contentType: headers['content-type'], serverIp };
    const verdict = classifyStatus(httpStatus, res.statusText());
    if (verdict)
      return {
        ...fail(verdict.reason, verdict.retryable, common),
        fetch: finish({
          ...common,
          status: verdict.status,
          reason: verdict.reason,
          retryable: verdict.retryable,
          finalUrl: page.url(),
        }),
      };

    const stepShots: StepShot[] = [];
    const shots = opts.mode === 'capture' && !opts.preloaded ? shootSteps(page, cfg.steps, stepShots) : undefined;
    try {
      if (!opts.preloaded) {
        await shots?.before();
        await runSteps(page, cfg.steps, {
          stepTimeoutMs: cfg.step_timeout_ms,
          env: opts.env,
          ...(shots ? { afterStep: shots.afterStep } : {}),
        });
      }
    } catch (err) {
      return { ...fail(`steps_failed: ${(err as Error).message}`, true, common), pageText };
    }
    const html = await (early ?? page.content());
    const wall = detectBotWall(html, headers);
    if (wall) {
      return {
        ...fail('', false),
        pageText,
        fetch: finish({
          ...common,
          status: 'blocked',
          reason: `captcha: page looks like a bot wall (${wall.vendor})`,
          retryable: false,
          finalUrl: page.url(),
        }),
      };
    }
    const capture =
      opts.mode === 'capture'
        ? {
            ...(await capturePage(page, html, opts)),
            steps: stepShots,
            ...(shots?.lastCaption ? { caption: shots.lastCaption } : {}),
          }
        : undefined;
    // The page is laid out already, with its real stylesheets: annotating it costs one
    // evaluate, and lets the layout read settle a tie the markup alone cannot.
    let wanted = true;
    try {
      wanted = opts.layoutWanted?.(html, page.url()) ?? true;
    } catch {
      // annotate, as without a predicate
    }
    const laidOut = wanted
      ? await annotateLayout(page)
          .then(() => page.content())
          .catch(() => undefined)
      : undefined;
    const exchanges = (await Promise.all(pending)).filter((e): e is Exchange => e !== null);
    return {
      fetch: finish({
        ...common,
        status: 'ok',
        retryable: false,
        body: html,
        bytes: Buffer.byteLength(html),
        finalUrl: page.url(),
      }),
      pageText,
      tls,
      userAgent,
      exchanges,
      capture,
      laidOut,
    };
  };

  const release = opts.gate ? await opts.gate.acquire(host) : undefined;
  try {
    const current: ReadState = { opts, url, refusals };
    // Extract reads of pages without steps or login leave nothing behind that could change the
    // next read of the same site but cookies and cache, as a returning visitor's would: they
    // reuse a warm context of that host (with the same request options). Evidence reads, and
    // sites that log in or click, always get a fresh one.
    if (opts.mode === 'extract' && !opts.preloaded && !cfg.login && cfg.steps.length === 0) {
      const key = JSON.stringify([host, userAgent, extraHTTPHeaders, opts.allowPrivate ?? []]);
      return await pool.withWarmContext<WarmState, RenderResult>(
        key,
        async (newContext) => {
          const guard = new AddressGuard(opts.allowPrivate ?? []);
          const state: WarmState = { guard, current };
          const proxy = await startGuardProxy(guard, { onRefuse: (reason) => state.current.refusals.push(reason) });
          try {
            const ctx = await newContext(contextOptions(proxy.server));
            await guardContext(ctx, guard, () => state.current, false);
            return { ctx, page: await ctx.newPage(), state, dispose: () => proxy.close(), reusable: true };
          } catch (err) {
            await proxy.close();
            throw err;
          }
        },
        async (warm) => {
          warm.state.current = current;
          const r = await read(warm.ctx, warm.page, warm.state.guard);
          // A failed or walled read may have left state behind (a challenge cookie): not reused.
          // A reused one keeps no page while it waits (the pool closes them, popups included).
          warm.reusable = r.fetch.status === 'ok';
          return r;
        },
      );
    }
    const guard = new AddressGuard(opts.allowPrivate ?? []);
    const proxy = await startGuardProxy(guard, { onRefuse: (reason) => refusals.push(reason) });
    try {
      return await pool.withContext(contextOptions(proxy.server), async (ctx) => {
        await guardContext(ctx, guard, () => current, opts.mode === 'capture' || opts.preloaded !== undefined);
        return read(ctx, await ctx.newPage(), guard);
      });
    } finally {
      await proxy.close();
    }
  } finally {
    release?.();
  }
}

/** What the context's request handlers need of the read in progress (a warm context serves many). */
interface ReadState {
  opts: RenderOptions;
  url: string;
  refusals: string[];
}

interface WarmState {
  guard: AddressGuard;
  current: ReadState;
}
