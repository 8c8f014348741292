/**
 * The DomainGate that workers use: the same interface as the in-process gate, but the
 * slots live in a GateStore (Redis or Postgres), so the limits hold across every worker
 * process and machine.
 *
 * A worker must never sit waiting for a busy domain (it would hold a job slot and starve
 * other domains), so waits longer than `maxInlineWaitMs` throw DomainBusyError. The crawl
 * job takes its domain's slot with `preacquire` before reading; when that throws, the job
 * is moved to delayed until the domain is free (see worker.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DomainGate,
  type GateLimits,
  type GateRelease,
  InProcessDomainGate,
  MAX_BACKOFF_MS,
} from '../fetch/domain-gate.js';
import type { GateStore } from './gate-store.js';

export class DomainBusyError extends Error {
  readonly retryable = true;
  constructor(
    readonly domain: string,
    readonly waitMs: number,
  ) {
    super(`domain ${domain} is busy for another ${Math.round(waitMs)} ms`);
    this.name = 'DomainBusyError';
  }
}

export interface SharedGateOptions {
  /** A crashed worker's slot frees itself after this long. Longer than any fetch. */
  leaseMs?: number;
  /** Wait in-process at most this long for a slot; longer waits throw DomainBusyError. */
  maxInlineWaitMs?: number;
  defaults?: Partial<GateLimits>;
}

export class SharedDomainGate implements DomainGate {
  // Only used for its domain-key matching and limits table; it never hands out slots.
  private readonly table: InProcessDomainGate;
  private readonly held = new Map<string, GateRelease>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly backoffWrites = new Map<string, Promise<void>>();
  private readonly leaseMs: number;
  private readonly maxInlineWaitMs: number;

  constructor(
    private readonly store: GateStore,
    opts: SharedGateOptions = {},
  ) {
    this.table = new InProcessDomainGate({ defaults: opts.defaults });
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.maxInlineWaitMs = opts.maxInlineWaitMs ?? 30_000;
  }

  configure(domain: string, limits: Partial<GateLimits>): void {
    this.table.configure(domain, limits);
  }

  keyFor(host: string): string {
    return this.table.keyFor(host);
  }

  /** Takes the domain's slot now or throws DomainBusyError; the next `acquire` of that domain uses it. */
  async preacquire(host: string): Promise<void> {
    const key = this.keyFor(host);
    if (this.held.has(key)) return;
    this.held.set(key, await this.take(key, 0));
  }

  async acquire(host: string, signal?: AbortSignal): Promise<GateRelease> {
    const key = this.keyFor(host);
    const held = this.held.get(key);
    if (held) {
      this.held.delete(key);
      return held;
    }
    return this.take(key, this.maxInlineWaitMs, signal);
  }

  backoff(host: string, ms: number): void {
    if (!(ms > 0)) return;
    const key = this.keyFor(host);
    const p = this.store.backoff(key, Math.min(ms, MAX_BACKOFF_MS)).catch(() => {});
    this.pending.add(p);
    // The slot's release must wait for this write: released first, another worker could
    // start a request in the gap before the backoff is stored (seen with the Postgres store).
    const chained = Promise.all([this.backoffWrites.get(key), p]).then(() => {});
    this.backoffWrites.set(key, chained);
    void chained.finally(() => {
      if (this.backoffWrites.get(key) === chained) this.backoffWrites.delete(key);
    });
    void p.finally(() => this.pending.delete(p));
  }

  /** Gives back any slot taken but not used, and waits for backoffs to be stored. */
  async settle(): Promise<void> {
    for (const release of this.held.values()) release();
    this.held.clear();
    await Promise.all(this.pending);
  }

  private async take(key: string, maxWaitMs: number, signal?: AbortSignal): Promise<GateRelease> {
    const limits = this.table.limitsFor(key);
    const token = randomUUID();
    let waited = 0;
    for (;;) {
      signal?.throwIfAborted();
      const wait = await this.store.tryAcquire(key, token, limits, this.leaseMs);
      if (wait === 0) break;
      if (waited + wait > maxWaitMs) throw new DomainBusyError(key, wait);
      await sleep(wait, undefined, { signal });
      waited += wait;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const before = this.backoffWrites.get(key) ?? Promise.resolve();
      // an unreleased lease expires by itself
      const p = before.then(() => this.store.release(key, token)).catch(() => {});
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    };
  }
}
