/**
 * The shared state behind the cross-worker domain gate: per domain, the leases in flight,
 * the earliest next request start, and any Retry-After backoff. Two implementations:
 * Redis (one hash + one sorted set per active domain, updated by Lua so every decision
 * is atomic) and Postgres (two small tables, updated under a row lock).
 *
 * Cost per domain is a few keys/rows that expire or are deleted when idle, so 1,000
 * domains need no queue, worker or connection of their own.
 */
import type { Redis } from 'ioredis';
import type { GateLimits } from '../fetch/domain-gate.js';

export interface GateStore {
  /** 0 when a lease was taken under `token`; otherwise ms until trying again makes sense. */
  tryAcquire(domain: string, token: string, limits: GateLimits, leaseMs: number): Promise<number>;
  release(domain: string, token: string): Promise<void>;
  /** No new lease on the domain for `ms` (Retry-After). Never shortens an existing backoff. */
  backoff(domain: string, ms: number): Promise<void>;
}

/** Wait suggested when the domain is at its concurrency: a slot usually frees within a request. */
export const FULL_WAIT_MIN_MS = 250;

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local conc, delay, lease = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local earliest = math.max(tonumber(redis.call('HGET', KEYS[1], 'next') or '0'), tonumber(redis.call('HGET', KEYS[1], 'backoff') or '0'))
local n = redis.call('ZCARD', KEYS[2])
if n >= conc then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local untilExpiry = tonumber(first[2]) - now
  return math.max(1, math.min(untilExpiry, math.max(delay, ${FULL_WAIT_MIN_MS})), earliest - now)
end
if now < earliest then return earliest - now end
redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
redis.call('HSET', KEYS[1], 'next', now + delay)
local ttl = math.max(lease, delay) + 60000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 0
`;

const BACKOFF = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilAt = now + tonumber(ARGV[1])
local prev = tonumber(redis.call('HGET', KEYS[1], 'backoff') or '0')
if untilAt > prev then redis.call('HSET', KEYS[1], 'backoff', untilAt) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) + 60000 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 60000) end
return 0
`;

type GateRedis = Redis & {
  mwGateAcquire(k1: string, k2: string, token: string, conc: number, delay: number, lease: number): Promise<number>;
  mwGateBackoff(k1: string, ms: number): Promise<number>;
};

export class RedisGateStore implements GateStore {
  private readonly r: GateRedis;
  constructor(
    redis: Redis,
    private readonly prefix = 'mw:gate',
  ) {
    redis.defineCommand('mwGateAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('mwGateBackoff', { numberOfKeys: 1, lua: BACKOFF });
    this.r = redis as GateRedis;
  }
  // The {domain} hash tag keeps both keys in one cluster slot, as Lua requires.
  private keys(domain: string): [string, string] {
    return [`${this.prefix}:{${domain}}`, `${this.prefix}:{${domain}}:leases`];
  }
  async tryAcquire(domain: string, token: string, limits: GateLimits, leaseMs: number): Promise<number> {
    const [k1, k2] = this.keys(domain);
    return Number(await this.r.mwGateAcquire(k1, k2, token, limits.concurrency, limits.delayMs, leaseMs));
  }
  async release(domain: string, token: string): Promise<void> {
    await this.r.zrem(this.keys(domain)[1], token);
  }
  async backoff(domain: string, ms: number): Promise<void> {
    await this.r.mwGateBackoff(this.keys(domain)[0], Math.ceil(ms));
  }
}
