/**
 * One Chromium per process, restarted every `restartAfter` pages so a long-running worker's
 * memory stays flat; a restart waits for the jobs still using the old browser. Two ways in:
 * - `withContext`: a fresh context per job, always closed after it;
 * - `withWarmContext`: a context kept open after the job for the next job with the same key,
 *   so one site's reads share its cookies, HTTP cache and guard proxy. The key is the caller's
 *   promise of isolation: a warm context is only ever handed to a job with the very same key
 *   (renderPage keys it by host and request options, so never across sites). At most
 *   `maxWarm` idle contexts are kept, the least recently used closed first, and none longer
 *   than `warmIdleMs`.
 * By default an idle warm context keeps no page, so the number of renderer processes (about
 * 30 MB of their own each, 100 MB resident) follows the jobs in flight, not the sites seen
 * lately. The price is a new page for each job, which starts a renderer: a few hundred ms on a
 * busy machine. `maxWarmPages` idle contexts keep theirs (parked on about:blank), for callers
 * that would rather spend the memory: the first that fit keep them, so a cyclic order of
 * sites still finds some.
 */
import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from 'playwright-core';
import { chromiumFlags } from './chromium-flags.js';
import { findChromium } from './find-chromium.js';

export { HEADLESS_ARGS } from './chromium-flags.js';

/**
 * The browser-wide proxy: a closed port, so a context opened without its own guard proxy
 * (see guard-proxy.ts) reaches nothing rather than everything. `<-loopback>` removes
 * Chromium's implicit bypass for loopback addresses.
 */
const FAIL_CLOSED_PROXY = { server: 'http://127.0.0.1:9', bypass: '<-loopback>' };

/** Fixed so screenshots of the same page are comparable over time. */
export const VIEWPORT = { width: 1280, height: 900 };

export interface BrowserPoolOptions {
  executablePath?: string;
  /** Pages (contexts) per browser before it is restarted. */
  restartAfter?: number;
  /** Contexts open at once; more wait. */
  maxContexts?: number;
  launchTimeoutMs?: number;
  /** Idle warm contexts kept for reuse (withWarmContext). */
  maxWarm?: number;
  /** An idle warm context is closed after this long unused. */
  warmIdleMs?: number;
  /** Idle warm contexts that keep their page (and so a renderer process) for the next job. */
  maxWarmPages?: number;
}

/** A context kept open between jobs with the same key, with whatever its opener set up. */
export interface WarmContext<S> {
  ctx: BrowserContext;
  /** The job's page: the opener's for a new context, a new one for a reused context (idle contexts keep none). */
  page: Page;
  state: S;
  /** Frees what the opener set up beside the context (its guard proxy); the pool closes the context. */
  dispose: () => Promise<void>;
  /** Set false by the job when the context must not serve another job (an error, a bot wall). */
  reusable: boolean;
}

interface Idle {
  key: string;
  gen: Generation;
  warm: WarmContext<unknown>;
  timer: NodeJS.Timeout;
}

interface Generation {
  browser: Promise<Browser>;
  used: number;
  active: number;
  retired: boolean;
}

export class BrowserPool {
  readonly executablePath: string;
  private readonly restartAfter: number;
  private readonly maxContexts: number;
  private readonly launchTimeoutMs: number;
  private current: Generation | undefined;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly maxWarm: number;
  private readonly warmIdleMs: number;
  private readonly maxWarmPages: number;
  /** Idle warm contexts, least recently used first. */
  private idle: Idle[] = [];
  /** Browsers launched so far (restarts included), for tests and the benchmark. */
  launches = 0;

  constructor(opts: BrowserPoolOptions = {}) {
    this.executablePath = opts.executablePath ?? findChromium();
    this.restartAfter = opts.restartAfter ?? 100;
    this.maxContexts = opts.maxContexts ?? 4;
    this.launchTimeoutMs = opts.launchTimeoutMs ?? 30_000;
    this.maxWarm = opts.maxWarm ?? 8;
    this.warmIdleMs = opts.warmIdleMs ?? 60_000;
    this.maxWarmPages = opts.maxWarmPages ?? 0;
  }

  private generation(): Generation {
    if (this.closed) throw new Error('browser pool is closed');
    if (!this.current || this.current.retired) {
      this.launches++;
      const browser = chromiumFlags().then(({ args, ignoreDefaultArgs }) =>
        chromium.launch({
          executablePath: this.executablePath,
          args,
          ignoreDefaultArgs,
          proxy: FAIL_CLOSED_PROXY,
          headless: true,
          timeout: this.launchTimeoutMs,
          // Our commands handle SIGINT/SIGTERM themselves and close the pool last. Playwright's own
          // SIGINT handler would exit the process (code 130) before the database is closed.
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
        }),
      );
      const gen: Generation = { browser, used: 0, active: 0, retired: false };
      // Warm contexts of a crashed browser that no job closed since: their proxies must go too.
      for (const x of this.idle.filter((i) => i.gen.active === 0)) void this.drop(x);
      // A crashed browser is replaced on the next job instead of failing every job after it.
      browser.then(
        (b) => b.on('disconnected', () => (gen.retired = true)),
        () => (gen.retired = true),
      );
      this.current = gen;
    }
    return this.current;
  }

  private async slot(): Promise<void> {
    if (this.inFlight < this.maxContexts) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }

  async withContext<T>(options: BrowserContextOptions, fn: (ctx: BrowserContext) => Promise<T>): Promise<T> {
    await this.slot();
    const gen = this.generation();
    gen.used++;
    gen.active++;
    if (gen.used >= this.restartAfter) gen.retired = true;
    let ctx: BrowserContext | undefined;
    try {
      ctx = await newContext(await gen.browser, options);
      return await fn(ctx);
    } finally {
      await ctx?.close().catch(() => {});
      await this.done(gen);
    }
  }

  async withWarmContext<S, T>(
    key: string,
    open: (newCtx: (o: BrowserContextOptions) => Promise<BrowserContext>) => Promise<WarmContext<S>>,
    fn: (warm: WarmContext<S>) => Promise<T>,
  ): Promise<T> {
    await this.slot();
    const gen = this.generation();
    gen.used++;
    gen.active++;
    if (gen.used >= this.restartAfter) gen.retired = true;
    let warm: WarmContext<S> | undefined;
    try {
      warm = (await this.takeIdle(key, gen)) as WarmContext<S> | undefined;
      if (!warm) {
        const browser = await gen.browser;
        warm = await open((o) => newContext(browser, o));
      }
      warm.reusable = true;
      const out = await fn(warm);
      return out;
    } catch (err) {
      if (warm) warm.reusable = false;
      throw err;
    } finally {
      if (warm) await this.park(key, gen, warm as WarmContext<unknown>);
      await this.done(gen);
    }
  }

  /** The idle context of `key` with a new page, or undefined (none, or it died while idle). */
  private async takeIdle(key: string, gen: Generation): Promise<WarmContext<unknown> | undefined> {
    const i = this.idle.findIndex((x) => x.key === key && x.gen === gen);
    if (i < 0) return undefined;
    const [x] = this.idle.splice(i, 1);
    clearTimeout(x!.timer);
    try {
      if (x!.warm.page.isClosed()) x!.warm.page = await x!.warm.ctx.newPage();
      return x!.warm;
    } catch {
      await shut(x!.warm);
      return undefined;
    }
  }

  /** Keeps a reusable context for the next job of `key`, without its pages; closes it otherwise. */
  private async park(key: string, gen: Generation, warm: WarmContext<unknown>): Promise<void> {
    if (!warm.reusable || gen.retired || this.closed) return shut(warm);
    const withPage = this.idle.filter((x) => !x.warm.page.isClosed()).length;
    const keep = withPage < this.maxWarmPages ? warm.page : undefined;
    // Closing a page ends the site's scripts and frees its renderer; cookies and cache stay.
    // A kept page leaves the site (about:blank) so nothing of it runs while it waits.
    const ok = await Promise.all([
      ...warm.ctx.pages().map((p) => (p === keep ? p.goto('about:blank') : p.close())),
    ]).then(
      () => true,
      () => false,
    );
    if (!ok || this.closed) return shut(warm);
    const entry: Idle = { key, gen, warm, timer: setTimeout(() => void this.drop(entry), this.warmIdleMs) };
    entry.timer.unref();
    this.idle.push(entry);
    while (this.idle.length > this.maxWarm) await this.drop(this.idle[0]!);
  }

  private async drop(x: Idle): Promise<void> {
    const i = this.idle.indexOf(x);
    if (i < 0) return;
    this.idle.splice(i, 1);
    clearTimeout(x.timer);
    await shut(x.warm);
  }

  private async done(gen: Generation): Promise<void> {
    gen.active--;
    if (gen.retired && gen.active === 0) await this.closeGeneration(gen);
    this.release();
  }

  private async closeGeneration(gen: Generation): Promise<void> {
    await Promise.all(this.idle.filter((x) => x.gen === gen).map((x) => this.drop(x)));
    try {
      const b = await gen.browser;
      await b.close();
    } catch {
      // already gone
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.idle].map((x) => this.drop(x)));
    const gen = this.current;
    this.current = undefined;
    if (gen) await this.closeGeneration(gen);
  }
}

function newContext(browser: Browser, options: BrowserContextOptions): Promise<BrowserContext> {
  return browser.newContext({
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
    serviceWorkers: 'block',
    ...options,
  });
}

async function shut(warm: WarmContext<unknown>): Promise<void> {
  await warm.ctx.close().catch(() => {});
  await warm.dispose().catch(() => {});
}
