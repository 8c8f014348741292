/** The producer side: one Queue per role, and the domain gate's store on the same backend. */
import type { Queue } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { QueueConnection } from './connection.js';
import { type GateStore, RedisGateStore } from './gate-store.js';
import { QUEUE_NAMES, type QueueRole } from './job-registry.js';
import { PgGateStore } from './pg-gate-store.js';

export function openQueues(conn: QueueConnection): Record<QueueRole, Queue> & { closeAll(): Promise<void> } {
  const queues = {
    crawl: conn.newQueue(QUEUE_NAMES.crawl),
    notify: conn.newQueue(QUEUE_NAMES.notify),
  };
  const all = Object.values(queues);
  // Without a listener BullMQ prints each connection error with its stack; while Redis
  // restarts that is one line per retry, and ioredis reconnects by itself.
  // Repeats of the same message are dropped.
  for (const q of all) {
    let last = '';
    q.on('error', (err) => {
      if (err.message === last) return;
      last = err.message;
      process.stderr.write(`mapwatch queue ${q.name}: ${err.message}\n`);
    });
  }
  return Object.assign(queues, { closeAll: async () => void (await Promise.all(all.map((q) => q.close()))) });
}

export function makeGateStore(conn: QueueConnection, db: Kysely<Database>): GateStore {
  return conn.redis ? new RedisGateStore(conn.redis, `${conn.prefix}:mw-gate`) : new PgGateStore(db);
}
