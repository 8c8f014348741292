/**
 * One Chromium per process, a fresh context per job, restarted every `restartAfter` pages
 * so a long-running worker's memory stays flat. `withContext` is the only way in: the
 * context is always closed, and a restart waits for the jobs still using the old browser.
 */
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';
import { findChromium } from './find-chromium.js';

export const HEADLESS_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // WebRTC may use UDP only through a proxy, and an HTTP proxy carries no UDP: so no STUN or
  // TURN/UDP packet ever leaves unchecked. TCP candidates go through the guard proxy.
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

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
  /** Browsers launched so far (restarts included), for tests and the benchmark. */
  launches = 0;

  constructor(opts: BrowserPoolOptions = {}) {
    this.executablePath = opts.executablePath ?? findChromium();
    this.restartAfter = opts.restartAfter ?? 100;
    this.maxContexts = opts.maxContexts ?? 4;
    this.launchTimeoutMs = opts.launchTimeoutMs ?? 30_000;
  }

  private generation(): Generation {
    if (this.closed) throw new Error('browser pool is closed');
    if (!this.current || this.current.retired) {
      this.launches++;
      const browser = chromium.launch({
        executablePath: this.executablePath,
        args: HEADLESS_ARGS,
        proxy: FAIL_CLOSED_PROXY,
        headless: true,
        timeout: this.launchTimeoutMs,
        // Our commands handle SIGINT/SIGTERM themselves and close the pool last. Playwright's own
        // SIGINT handler would exit the process (code 130) before the database is closed.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      const gen: Generation = { browser, used: 0, active: 0, retired: false };
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
      const browser = await gen.browser;
      ctx = await browser.newContext({
        viewport: VIEWPORT,
        deviceScaleFactor: 1,
        reducedMotion: 'reduce',
        serviceWorkers: 'block',
        ...options,
      });
      return await fn(ctx);
    } finally {
      await ctx?.close().catch(() => {});
      gen.active--;
      if (gen.retired && gen.active === 0) await this.closeGeneration(gen);
      this.release();
    }
  }

  private async closeGeneration(gen: Generation): Promise<void> {
    try {
      const b = await gen.browser;
      await b.close();
    } catch {
      // already gone
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const gen = this.current;
    this.current = undefined;
    if (gen) await this.closeGeneration(gen);
  }
}
