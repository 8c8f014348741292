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
 *
 * Reads start in the order their places in line were taken: a sweep takes one for each listing
 * as it takes the listing, so its reads follow the round-robin task order (every domain busy from
 * the start) whatever order the checks' own lookups before the read finish in.
 */

/** A place in line for one read. Either run once, or released unused. */
export interface ReadTurn {
  run<T>(read: () => Promise<T>): Promise<T>;
  /** Gives the place (or the slot it was granted) to the next in line; nothing once it has run. */
  release(): void;
}

interface Place {
  grant: () => void;
  granted: boolean;
  done: boolean;
}

export class ReadSlots {
  private free: number;
  private readonly line: Place[] = [];

  constructor(readonly size: number) {
    this.free = Math.max(1, Math.floor(size));
  }

  /** A place at the end of the line, taken now. */
  take(): ReadTurn {
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = resolve));
    const place: Place = { grant, granted: false, done: false };
    this.line.push(place);
    this.admit();
    const finish = () => {
      if (place.done) return;
      place.done = true;
      if (place.granted) this.free++;
      else this.line.splice(this.line.indexOf(place), 1);
      this.admit();
    };
    return {
      run: async <T>(read: () => Promise<T>): Promise<T> => {
        if (place.done) throw new Error('a read turn runs once');
        await granted;
        try {
          return await read();
        } finally {
          finish();
        }
      },
      release: finish,
    };
  }

  /** Grants free slots to the head of the line. */
  private admit(): void {
    while (this.free > 0 && this.line.length) {
      const next = this.line.shift()!;
      next.granted = true;
      this.free--;
      next.grant();
    }
  }
}
