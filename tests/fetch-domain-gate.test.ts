import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_LIMITS, InProcessDomainGate, MAX_BACKOFF_MS } from '../src/fetch/domain-gate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Acquire `n` slots for `host`, holding each for `holdMs`; returns start times relative to t0. */
async function run(gate: InProcessDomainGate, host: string, n: number, holdMs: number, t0: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const release = await gate.acquire(host);
      const at = performance.now() - t0;
      await sleep(holdMs);
      release();
      return at;
    }),
  ).then((s) => s.sort((a, b) => a - b));
}

describe('InProcessDomainGate', () => {
  it('defaults to 1 in flight and 2000 ms between starts', () => {
    expect(DEFAULT_GATE_LIMITS).toEqual({ concurrency: 1, delayMs: 2000 });
    expect(new InProcessDomainGate().limitsFor('x.test')).toEqual({ concurrency: 1, delayMs: 2000 });
  });

  it('enforces the delay between request starts on one domain', async () => {
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 100 } });
    const t0 = performance.now();
    const starts = await run(gate, 'a.test', 3, 0, t0);
    expect(starts[0]).toBeLessThan(50);
    for (let i = 1; i < 3; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(95);
  });

  it('enforces concurrency: a slot is only handed out after a release', async () => {
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 0 } });
    let inFlight = 0;
    let maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const release = await gate.acquire('a.test');
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(20);
        inFlight--;
        release();
      }),
    );
    expect(maxInFlight).toBe(1);
  });

  it('allows `concurrency` in flight when configured', async () => {
    const gate = new InProcessDomainGate();
    gate.configure('shop.test', { concurrency: 3, delayMs: 0 });
    const releases = await Promise.all([1, 2, 3].map(() => gate.acquire('shop.test')));
    let fourth = false;
    const p = gate.acquire('shop.test').then((r) => {
      fourth = true;
      return r;
    });
    await sleep(30);
    expect(fourth).toBe(false);
    releases[0]!();
    (await p)();
    expect(fourth).toBe(true);
    releases.slice(1).forEach((r) => r());
  });

  it('does not let one domain block another', async () => {
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 5000 } });
    const t0 = performance.now();
    const a = await gate.acquire('a.test');
    const b = await gate.acquire('b.test');
    const c = await gate.acquire('c.test:8080');
    expect(performance.now() - t0).toBeLessThan(100);
    let secondA = false;
    const pending = gate.acquire('a.test', AbortSignal.timeout(100)).then(
      () => (secondA = true),
      () => 'aborted',
    );
    expect(await pending).toBe('aborted');
    expect(secondA).toBe(false);
    a();
    b();
    c();
  });

  it('maps subdomains to the configured site domain', async () => {
    const gate = new InProcessDomainGate({ defaults: { concurrency: 5, delayMs: 0 } });
    gate.configure('Shop.Example.', { concurrency: 1, delayMs: 150 });
    expect(gate.keyFor('www.shop.example')).toBe('shop.example');
    expect(gate.keyFor('shop.example:8443')).toBe('shop.example');
    expect(gate.keyFor('other.example')).toBe('other.example');
    expect(gate.keyFor('notshop.example')).toBe('notshop.example');
    const t0 = performance.now();
    (await gate.acquire('shop.example'))();
    (await gate.acquire('www.shop.example'))();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('backoff delays the next start on that domain only', async () => {
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 0 } });
    (await gate.acquire('a.test'))();
    gate.backoff('a.test', 150);
    const t0 = performance.now();
    (await gate.acquire('b.test'))();
    expect(performance.now() - t0).toBeLessThan(50);
    (await gate.acquire('a.test'))();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('a shorter backoff never shortens a longer one, and huge backoffs are capped', async () => {
    let now = 1_000_000;
    const gate = new InProcessDomainGate({ defaults: { delayMs: 0 }, now: () => now });
    gate.backoff('a.test', 10 * 24 * 3600 * 1000);
    gate.backoff('a.test', 10);
    let got = false;
    const ac = new AbortController();
    const p = gate.acquire('a.test', ac.signal).then(
      () => (got = true),
      () => undefined,
    );
    await sleep(20);
    expect(got).toBe(false);
    now += MAX_BACKOFF_MS; // the cap, not ten days
    gate.configure('a.test', {}); // nudges the queue with the new clock
    await p;
    expect(got).toBe(true);
  });

  it('release is idempotent and an aborted waiter leaves the queue', async () => {
    const gate = new InProcessDomainGate({ defaults: { concurrency: 1, delayMs: 0 } });
    const first = await gate.acquire('a.test');
    const ac = new AbortController();
    const aborted = gate.acquire('a.test', ac.signal);
    const third = gate.acquire('a.test');
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    first();
    first(); // no double release
    const r3 = await third;
    let fourth = false;
    const p4 = gate.acquire('a.test').then((r) => ((fourth = true), r));
    await sleep(20);
    expect(fourth).toBe(false); // still 1 in flight (third)
    r3();
    (await p4)();
  });
});
