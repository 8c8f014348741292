/**
 * robots.txt (RFC 9309) via the robots-parser package: fetched once per origin, cached.
 *
 * - 2xx: parsed (first 500 KiB), cached for `ttlMs` (default 1 h).
 * - 4xx other than 429 (incl. 404, 401, 403) or more than 5 redirects: allow all, cached for `ttlMs`.
 * - 429, 5xx, network/timeout/address problems: "unreachable" → disallow all for now, cached for
 *   `failureTtlMs` (default 60 s); a previous good copy up to `staleMs` (24 h) old is used instead.
 *   A 429/5xx answer is reported as robots_unavailable; an unreachable server as the underlying
 *   problem (e.g. 'network: connection refused (fetching robots.txt; ...)').
 *
 * Decisions are robots-parser's, behind an exact memo of the last one per origin (robots-rules.ts).
 *
 * The fetch goes through the same guarded dispatcher and headers (user agent) as page fetches.
 * It is not gated itself: fetchPage calls `check` while holding the domain's gate slot.
 */
import { FetchProblem, problemFromError } from './fetch-errors.js';
import { discardBody, sendGet, type GuardedDispatcher } from './http-hop.js';
import { readBody } from './read-body.js';
import { RobotRules } from './robots-rules.js';

const MAX_ROBOTS_BYTES = 500 * 1024;
const MAX_ROBOTS_REDIRECTS = 5;

type Entry =
  | { kind: 'rules'; rules: RobotRules; expires: number; fetched: number }
  | { kind: 'allow_all'; expires: number; fetched: number }
  | { kind: 'unavailable'; problem: FetchProblem; expires: number; fetched: number };

export interface RobotsFetchContext {
  dispatcher: GuardedDispatcher;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface RobotsCacheOptions {
  ttlMs?: number;
  failureTtlMs?: number;
  staleMs?: number;
  maxEntries?: number;
  now?: () => number;
}

function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class RobotsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly staleMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: RobotsCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60 * 60 * 1000;
    this.failureTtlMs = opts.failureTtlMs ?? 60 * 1000;
    this.staleMs = opts.staleMs ?? 24 * 60 * 60 * 1000;
    this.maxEntries = opts.maxEntries ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /** The cached verdict (null = allowed) without fetching; undefined when not cached or expired. */
  peek(url: URL, token: string): FetchProblem | null | undefined {
    const e = this.entries.get(url.origin);
    return e && e.expires > this.now() ? this.verdict(e, url, token) : undefined;
  }

  /** Null when `url` may be fetched by `token`, else the problem (robots_disallowed / robots_unavailable). */
  async check(url: URL, token: string, ctx: RobotsFetchContext, signal?: AbortSignal): Promise<FetchProblem | null> {
    const cached = this.peek(url, token);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(url.origin);
    if (!pending) {
      pending = this.load(url.origin, ctx).finally(() => this.inFlight.delete(url.origin));
      this.inFlight.set(url.origin, pending);
    }
    return this.verdict(await raceAbort(pending, signal), url, token);
  }

  clear(): void {
    this.entries.clear();
  }

  private verdict(e: Entry, url: URL, token: string): FetchProblem | null {
    if (e.kind === 'allow_all') return null;
    if (e.kind === 'unavailable') return e.problem;
    const allowed = e.rules.isAllowed(url, token);
    return allowed === false
      ? new FetchProblem(
          'robots_disallowed',
          `${url.pathname} is disallowed for "${token}" by ${url.origin}/robots.txt`,
          false,
        )
      : null;
  }

  private async load(origin: string, ctx: RobotsFetchContext): Promise<Entry> {
    const robotsUrl = `${origin}/robots.txt`;
    const fetched = this.now();
    let entry: Entry;
    const outcome = await fetchRobotsTxt(robotsUrl, ctx);
    if (outcome.kind === 'text') {
      entry = { kind: 'rules', rules: new RobotRules(robotsUrl, outcome.text), expires: fetched + this.ttlMs, fetched };
    } else if (outcome.kind === 'allow_all') {
      entry = { kind: 'allow_all', expires: fetched + this.ttlMs, fetched };
    } else {
      const prev = this.entries.get(origin);
      if (prev && prev.kind !== 'unavailable' && fetched - prev.fetched < this.staleMs) {
        entry = { ...prev, expires: fetched + this.failureTtlMs }; // keep the last good copy a little longer
      } else {
        entry = { kind: 'unavailable', problem: outcome.problem, expires: fetched + this.failureTtlMs, fetched };
      }
    }
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }
}

/**
 * 'unavailable' carries the problem to report: robots_unavailable for a 429/5xx answer; for a
 * server that cannot be reached at all, the underlying timeout/network/tls/private_address problem
 * (the page would fail the same way, and that reason says more).
 */
type RobotsOutcome =
  { kind: 'text'; text: string } | { kind: 'allow_all' } | { kind: 'unavailable'; problem: FetchProblem };

/** GET robots.txt, following up to 5 redirects (any origin), and map the outcome per RFC 9309. */
export async function fetchRobotsTxt(robotsUrl: string, ctx: RobotsFetchContext): Promise<RobotsOutcome> {
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  let url = new URL(robotsUrl);
  try {
    for (let hop = 0; hop <= MAX_ROBOTS_REDIRECTS; hop++) {
      const res = await sendGet(url, {
        headers: { ...ctx.headers, accept: 'text/plain,*/*;q=0.5' },
        dispatcher: ctx.dispatcher,
        signal,
        headersTimeoutMs: ctx.timeoutMs,
        bodyTimeoutMs: ctx.timeoutMs,
      });
      const location = res.headers['location'];
      if (res.status >= 300 && res.status < 400 && res.status !== 304 && location) {
        await discardBody(res.body);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return { kind: 'allow_all' };
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') return { kind: 'allow_all' };
        url = next;
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        const buf = await readBody(res.body, res.headers['content-encoding'], {
          maxBytes: MAX_ROBOTS_BYTES,
          truncate: true,
        });
        return { kind: 'text', text: new TextDecoder('utf-8').decode(buf) };
      }
      await discardBody(res.body);
      if (res.status >= 400 && res.status < 500 && res.status !== 429) return { kind: 'allow_all' };
      const detail = `robots.txt returned HTTP ${res.status}; treating the site as disallowed for now`;
      return { kind: 'unavailable', problem: new FetchProblem('robots_unavailable', detail, true) };
    }
    return { kind: 'allow_all' }; // too many redirects: RFC 9309 allows treating as unavailable (4xx)
  } catch (err) {
    const p = problemFromError(err, { deadlineHit: signal.aborted, timeoutMs: ctx.timeoutMs });
    const detail = `${p.detail ?? p.code} (fetching robots.txt; the site counts as disallowed until it can be read)`;
    return { kind: 'unavailable', problem: new FetchProblem(p.code, detail, p.retryable) };
  }
}
