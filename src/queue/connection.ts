/**
 * Where BullMQ keeps its queues: Redis when REDIS_URL is set, otherwise BullMQ 6's
 * PostgreSQL backend on the app's own database. Everything else (jobs, handlers,
 * worker, scheduler) is the same on both; it only ever sees a `QueueConnection`.
 *
 * Why the Postgres schema differs by database: the PGlite socket server ignores the
 * startup `options` parameter that BullMQ uses to pin `search_path` to its schema, and
 * PGlite is one session, so a `SET search_path` would also move the app's own tables.
 * On PGlite BullMQ's tables therefore live in `public` beside the app's (their names
 * (job, event, scheduler, ...) do not collide). On a real server they get their own schema.
 */
import { Redis, type RedisOptions } from 'ioredis';
import {
  Queue,
  Worker,
  createPostgresBackend,
  withBackend,
  type PostgresPoolConfig,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from 'bullmq';
import type { DbHandle } from '../db/connect.js';
import { redactUrl } from '../redact-url.js';
import { UnavailableError, UserError } from '../errors.js';

export type QueueKind = 'redis' | 'postgres';

/** How often an idle worker looks for jobs where notifications do not wake it (PGlite), in seconds. */
export const UNRELIABLE_POLL_SECONDS = 1;

/** The constructors BullMQ gives us, bound to one backend. Typed loosely on purpose: the two backends' option types differ. */
export interface QueueConnection {
  kind: QueueKind;
  /** Human description for logs and `mapwatch queues` (never contains a password). */
  describe: string;
  newQueue(name: string, opts?: Omit<QueueOptions, 'connection'>): Queue;
  newWorker(name: string, processor: Processor, opts?: Omit<WorkerOptions, 'connection'>): Worker;
  /** Warnings found while connecting (e.g. Redis maxmemory-policy), already printed by the caller. */
  warnings: string[];
  /** The Redis client on the Redis backend (the domain gate keeps its state there too). */
  redis?: Redis;
  /** Key prefix on Redis (tests and multi-tenant Redis give each their own). */
  prefix: string;
  /**
   * Set on the embedded PGlite: BullMQ's LISTEN/NOTIFY wake-up never reaches other clients
   * there (pglite-socket hands a notification back to the client that caused it), so idle
   * workers must poll instead of blocking (see startWorkers).
   */
  notificationsUnreliable?: boolean;
  close(): Promise<void>;
}

export interface QueueConnectionOptions {
  redisUrl?: string;
  /** The app database; the Postgres backend rides on it when there is no Redis. */
  db: Pick<DbHandle, 'kind' | 'pgConfig' | 'schema'>;
  /** Overrides the BullMQ schema on a real Postgres server (tests give each file its own). */
  pgSchema?: string;
  /** Redis key prefix (default `bull`). */
  prefix?: string;
}

export async function openQueueConnection(opts: QueueConnectionOptions): Promise<QueueConnection> {
  return opts.redisUrl ? openRedis(opts.redisUrl, opts.prefix ?? 'bull') : openPostgres(opts);
}

/** BullMQ's production advice: workers must retry Redis commands forever, and Redis must never evict keys. */
export function redisOptions(): RedisOptions {
  return { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (n) => Math.min(200 * n, 2000) };
}

async function openRedis(url: string, prefix: string): Promise<QueueConnection> {
  const client = new Redis(url, { ...redisOptions(), lazyConnect: true });
  client.on('error', () => {}); // ioredis reconnects by itself; a refused connection is reported below
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new UnavailableError(
      `cannot connect to REDIS_URL (${redactUrl(url)}): ${redactUrl((err as Error).message)}; check that Redis is running and retry`,
      { cause: err },
    );
  }
  const warnings: string[] = [];
  const policy = await maxmemoryPolicy(client);
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(
      `Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or it may silently lose jobs (CONFIG SET maxmemory-policy noeviction)`,
    );
  }
  const connection = client;
  return {
    kind: 'redis',
    describe: `Redis ${redactUrl(url)}`,
    warnings,
    redis: client,
    prefix,
    newQueue: (name, o) => new Queue(name, { ...o, connection, prefix }),
    // Workers need their own blocking connection; BullMQ duplicates the shared one for it.
    newWorker: (name, processor, o) => new Worker(name, processor, { ...o, connection, prefix }),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

async function maxmemoryPolicy(client: Redis): Promise<string | undefined> {
  try {
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
    return reply[1];
  } catch {
    return undefined; // managed Redis may refuse CONFIG; nothing to check then
  }
}

export function bullSchemaFor(db: Pick<DbHandle, 'kind' | 'schema'>, override?: string): string {
  if (db.kind === 'pglite') return 'public';
  if (override) return override;
  return db.schema === 'public' ? 'bullmq' : `${db.schema}_bullmq`;
}

async function openPostgres(opts: QueueConnectionOptions): Promise<QueueConnection> {
  const schema = bullSchemaFor(opts.db, opts.pgSchema);
  const { options: _appSearchPath, ...base } = opts.db.pgConfig;
  // Small pools: every Queue and Worker owns one, plus a LISTEN connection.
  const connection = { ...base, max: 3, schema, migrate: true } as PostgresPoolConfig;
  const B = withBackend(createPostgresBackend);
  // Run BullMQ's migrations once up front so a schema problem surfaces here, not in the first job.
  const probe = new B.Queue('mapwatch-probe', { connection });
  try {
    await probe.waitUntilReady();
  } catch (err) {
    await probe.close().catch(() => {});
    throw new UserError(`cannot set up BullMQ's PostgreSQL backend (schema ${schema}): ${(err as Error).message}`, {
      cause: err,
    });
  }
  await probe.close();
  // While a job is delayed, BullMQ blocks an idle worker until that job is due, capped at the
  // backend's maximum (3,600 s here), and counts on a NOTIFY to wake it for new work; drainDelay
  // only applies when nothing is delayed. On PGlite the NOTIFY never arrives, so one domain's
  // Retry-After (a crawl job moved to delayed for minutes) stalled every other job until it was
  // due. There a worker never blocks longer than it polls.
  const WorkerClass =
    opts.db.kind === 'pglite'
      ? class PolledWorker extends B.Worker {
          override get maximumBlockTimeout(): number {
            return UNRELIABLE_POLL_SECONDS;
          }
        }
      : B.Worker;
  return {
    kind: 'postgres',
    describe:
      opts.db.kind === 'pglite' ? 'PostgreSQL backend on the embedded PGlite' : `PostgreSQL backend (schema ${schema})`,
    notificationsUnreliable: opts.db.kind === 'pglite',
    warnings: [],
    prefix: schema,
    newQueue: (name, o) => new B.Queue(name, { ...o, connection }) as unknown as Queue,
    newWorker: (name, processor, o) => new WorkerClass(name, processor, { ...o, connection }) as unknown as Worker,
    async close() {},
  };
}
