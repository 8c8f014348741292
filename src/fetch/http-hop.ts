/**
 * One HTTP GET, no redirect following, through an undici Agent whose connector runs the
 * address guard. Agents are cached per allow-list so connections are pooled (keep-alive).
 */
import { Agent, request, type Dispatcher } from 'undici';
import { AddressGuard, peerKey } from './address-guard.js';
import { destroyQuietly } from './read-body.js';

export interface GuardedDispatcher {
  guard: AddressGuard;
  agent: Agent;
}

const CONNECT_TIMEOUT_MS = 10_000;
const MAX_CACHED_AGENTS = 16;
const agents = new Map<string, GuardedDispatcher>();

/** The pooled Agent for an allow-list (same list → same Agent). */
export function dispatcherFor(allowPrivate: readonly string[] = []): GuardedDispatcher {
  const key = [...allowPrivate]
    .map((s) => s.trim().toLowerCase())
    .sort()
    .join('\n');
  let d = agents.get(key);
  if (d) {
    agents.delete(key); // refresh LRU position
    agents.set(key, d);
    return d;
  }
  const guard = new AddressGuard(allowPrivate);
  const agent = new Agent({
    connect: guard.connector({ connectTimeoutMs: CONNECT_TIMEOUT_MS }),
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  });
  d = { guard, agent };
  agents.set(key, d);
  if (agents.size > MAX_CACHED_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value as [string, GuardedDispatcher];
    agents.delete(oldestKey);
    void oldest.agent.close().catch(() => undefined); // waits for in-flight requests
  }
  return d;
}

/** Close every cached Agent (tests, graceful shutdown). */
export async function closeFetchAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.allSettled(all.map((d) => d.agent.close()));
}

export interface HopOptions {
  headers: Record<string, string>;
  dispatcher: GuardedDispatcher;
  signal: AbortSignal;
  /** Per-phase timeouts (the whole-request deadline is the signal). */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export interface HopResponse {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
  serverIp?: string;
}

/** Lower-case header names; repeated headers joined with ", ". */
export function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export async function sendGet(url: URL, opts: HopOptions): Promise<HopResponse> {
  const res = await request(url, {
    method: 'GET',
    headers: opts.headers,
    dispatcher: opts.dispatcher.agent,
    signal: opts.signal,
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
  });
  return {
    status: res.statusCode,
    headers: flattenHeaders(res.headers),
    body: res.body,
    serverIp: opts.dispatcher.guard.lastPeer.get(peerKey(url.hostname, url.port, url.protocol)),
  };
}

/** Discard a body we do not need (redirects, errors) without reading much of it. */
export async function discardBody(body: HopResponse['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    destroyQuietly(body);
  }
}
