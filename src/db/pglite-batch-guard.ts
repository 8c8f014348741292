/**
 * Keeps each client's extended-protocol batch (Parse … Sync) together on the PGlite
 * socket server.
 *
 * Why: PGlite is one Postgres session. @electric-sql/pglite-socket 0.2.17 queues the wire
 * messages of all clients and only keeps one client exclusive while a transaction is open.
 * Between a client's Parse and its Sync there is no transaction yet, so another client's
 * BEGIN can slip in; its own Parse then replaces the unnamed statement, and the first
 * client's Bind fails ("unnamed prepared statement does not exist") or, worse, runs the
 * other client's statement. kysely and BullMQ both send every parameterized query as such
 * a batch, so concurrent use of the embedded database broke at random. This guard makes
 * the server also stay with the current client until its batch ends with Sync.
 * (tests/queue-pglite-concurrency.test.ts shows the failure and the fix.)
 */

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
  onData: (data: Uint8Array) => void;
}

interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: {
    isInTransaction(): boolean;
    runExclusive<T>(fn: () => Promise<T>): Promise<T>;
    execProtocolRawStream(m: Uint8Array, o: { onRawData: (d: Uint8Array) => void }): Promise<unknown>;
  };
  processQueue(): Promise<void>;
  clearQueueForHandler(id: number): void;
}

// Frontend messages that continue an extended-protocol batch; Sync ('S') ends it.
const BATCH = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

export function guardExtendedProtocol(server: object): void {
  const q = (server as { queryQueue?: QueryQueue }).queryQueue;
  if (!q || typeof q.processQueue !== 'function' || !Array.isArray(q.queue)) {
    throw new Error(
      'pglite-socket internals changed: cannot install the extended-protocol guard (check the pinned version)',
    );
  }
  let openBatch = false;
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (id: number) => {
    if (id === q.lastHandlerId) openBatch = false; // a client that left mid-batch must not hold the session
    clear(id);
  };
  q.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        let item: QueuedMessage | undefined;
        if (this.lastHandlerId !== null && (openBatch || this.db.isInTransaction())) {
          const i = this.queue.findIndex((m) => m.handlerId === this.lastHandlerId);
          if (i === -1) break; // wait for the current client's next message
          item = this.queue.splice(i, 1)[0]!;
        } else {
          item = this.queue.shift()!;
        }
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item!.message, {
              onRawData: (d) => {
                bytes += d.length;
                item!.onData(d);
              },
            }),
          );
        } catch (err) {
          openBatch = false;
          this.lastHandlerId = item.handlerId;
          item.reject(err);
          continue;
        }
        openBatch = BATCH.has(item.message[0]!);
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
}
