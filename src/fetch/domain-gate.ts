/**
 * Politeness gate: per domain, at most `concurrency` requests in flight and at least
 * `delayMs` between request starts (defaults 1 and 2000 ms). Domains never wait on each other.
 *
 * `DomainGate` is the interface; `InProcessDomainGate` the single-process implementation.
 * A cross-worker implementation (Redis/Postgres) can sit behind the same interface.
 *
 * Domain keys: `acquire(host)` counts against the most specific configured domain that equals
 * `host` or is a parent of it ('www.shop.example' → 'shop.example' once that is configured),
 * otherwise against the host itself. A configured domain without a port matches any port.
 */

export interface GateLimits {
  concurrency: number;
  delayMs: number;
}

/** Gives the slot back. Idempotent. */
export type GateRelease = () => void;

export interface DomainGate {
  /** Set the limits of a domain (a site's `rate_limit`). Unset fields keep their value. */
  configure(domain: string, limits: Partial<GateLimits>): void;
  /** Wait for a slot on the domain of `host`. Rejects with the signal's reason when aborted. */
  acquire(host: string, signal?: AbortSignal): Promise<GateRelease>;
  /** No request to the domain of `host` starts within the next `ms` (e.g. from Retry-After). */
  backoff(host: string, ms: number): void;
  /** The domain key `host` counts against. */
  keyFor(host: string): string;
}

export const DEFAULT_GATE_LIMITS: GateLimits = { concurrency: 1, delayMs: 2000 };
/** Backoffs longer than this are capped (a hostile Retry-After must not stall a domain for days). */
export const MAX_BACKOFF_MS = 6 * 60 * 60 * 1000;

interface Waiter {
  resolve: (release: GateRelease) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface DomainState {
  inFlight: number;
  lastStart: number;
  notBefore: number;
  queue: Waiter[];
  timer?: NodeJS.Timeout;
  timerAt?: number;
}

function normDomain(d: string): string {
  const s = d.trim().toLowerCase();
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function splitPort(host: string): [string, string | undefined] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host);
  return [m?.[1] ?? host, m?.[2]];
}

export class InProcessDomainGate implements DomainGate {
  private readonly defaults: GateLimits;
  private readonly limits = new Map<string, GateLimits>();
  private readonly states = new Map<string, DomainState>();
  private readonly now: () => number;

  constructor(opts: { defaults?: Partial<GateLimits>; now?: () => number } = {}) {
    this.defaults = { ...DEFAULT_GATE_LIMITS, ...opts.defaults };
    this.now = opts.now ?? Date.now;
  }

  configure(domain: string, limits: Partial<GateLimits>): void {
    const key = normDomain(domain);
    const prev = this.limits.get(key) ?? this.defaults;
    this.limits.set(key, {
      concurrency: Math.max(1, Math.floor(limits.concurrency ?? prev.concurrency)),
      delayMs: Math.max(0, limits.delayMs ?? prev.delayMs),
    });
    const state = this.states.get(key);
    if (state) this.pump(key, state);
  }

  keyFor(host: string): string {
    const h = normDomain(host);
    if (this.limits.has(h)) return h;
    const [name] = splitPort(h);
    // Most specific configured parent: walk up the labels.
    for (let d = name; ;) {
      if (this.limits.has(d)) return d;
      const dot = d.indexOf('.');
      if (dot === -1) return h;
      d = d.slice(dot + 1);
    }
  }

  limitsFor(host: string): GateLimits {
    return this.limits.get(this.keyFor(host)) ?? this.defaults;
  }

  acquire(host: string, signal?: AbortSignal): Promise<GateRelease> {
    const key = this.keyFor(host);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const state = this.state(key);
    return new Promise<GateRelease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = state.queue.indexOf(waiter);
          if (i !== -1) state.queue.splice(i, 1);
          reject(signal.reason);
          this.pump(key, state);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      state.queue.push(waiter);
      this.pump(key, state);
    });
  }

  backoff(host: string, ms: number): void {
    if (!(ms > 0)) return;
    const key = this.keyFor(host);
    const state = this.state(key);
    state.notBefore = Math.max(state.notBefore, this.now() + Math.min(ms, MAX_BACKOFF_MS));
    this.pump(key, state);
  }

  private state(key: string): DomainState {
    let s = this.states.get(key);
    if (!s) {
      s = { inFlight: 0, lastStart: -Infinity, notBefore: 0, queue: [] };
      this.states.set(key, s);
    }
    return s;
  }

  private pump(key: string, state: DomainState): void {
    const { concurrency, delayMs } = this.limits.get(key) ?? this.defaults;
    while (state.queue.length > 0 && state.inFlight < concurrency) {
      const now = this.now();
      const earliest = Math.max(state.lastStart + delayMs, state.notBefore);
      if (now < earliest) {
        this.schedule(key, state, earliest);
        return;
      }
      const waiter = state.queue.shift()!;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      state.inFlight++;
      state.lastStart = now;
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        state.inFlight--;
        this.pump(key, state);
      });
    }
    if (state.queue.length === 0 && state.timer) {
      clearTimeout(state.timer); // nobody left to wake
      state.timer = undefined;
      state.timerAt = undefined;
    }
    // Forget idle domains whose delay and backoff are over (keeps the map small).
    if (state.queue.length === 0 && state.inFlight === 0) {
      const now = this.now();
      if (now >= state.lastStart + delayMs && now >= state.notBefore) this.states.delete(key);
    }
  }

  private schedule(key: string, state: DomainState, at: number): void {
    if (state.timer && state.timerAt !== undefined && state.timerAt <= at) return;
    if (state.timer) clearTimeout(state.timer);
    state.timerAt = at;
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        state.timerAt = undefined;
        this.pump(key, state);
      },
      Math.max(0, at - this.now()),
    );
  }
}

/** The process-wide gate used when FetchOptions.gate is not given. */
export const defaultDomainGate: DomainGate = new InProcessDomainGate();
