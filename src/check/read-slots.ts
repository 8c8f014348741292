/**
 * Reads in flight, apart from checks in flight (a sweep's `concurrency`, sweep-sites.ts).
 *
 * A check is a read (fetch, extraction: the network and the CPU) and then waits that use
 * neither: its row's batched write (batch-observations.ts) and, before accusing, the re-check's
 * delay (a site's default is 5 s). When the sweep's workers were its concurrency, every worker
 * that waited held a read back: half of them sat on their rows' batch at any time, and a run of
 * violations left the sweep with no reader for the re-check delay. A sweep now runs more checks
 * than reads and gives each read one of `concurrency` slots, so requests in flight stay what the
 * caller asked for (politeness and the peer's figure compare on the same number) while the
 * checks' waits overlap the next reads.
 */
export class ReadSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = Math.max(1, Math.floor(size));
  }

  /** Runs `read` in a slot, waiting for one first if all are taken (first come, first served). */
  async run<T>(read: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await read();
    } finally {
      // The slot goes straight to the next waiter, so a check arriving meanwhile cannot take it first.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
