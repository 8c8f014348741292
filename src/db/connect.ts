/**
 * Opens the database: real Postgres when DATABASE_URL is set, otherwise an embedded
 * PGlite (Postgres compiled to WASM) in the data folder.
 *
 * Why PGlite is reached through @electric-sql/pglite-socket and `pg`, not through
 * kysely's PGlite dialect: PGlite is a single Postgres session. The BullMQ backend
 * (a later issue) talks to it over the socket server, whose multiplexer keeps one
 * client's transaction exclusive until COMMIT. Kysely's dialect would call PGlite
 * directly, and those calls would land inside another client's open transaction.
 * With everything on the socket server there is exactly one arbiter, and both
 * paths run the same driver, so types (int8 etc.) come back identical.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import type { CustomTypesConfig, Pool, PoolConfig } from 'pg';
import { UnavailableError, UserError } from '../errors.js';
import { redactUrl } from '../redact-url.js';
import pg from './load-pg.js';
import { guardExtendedProtocol } from './pglite-batch-guard.js';
import { DataDirInUseError, lockDataDir } from './lock-data-dir.js';
import { advertiseSocket, holderSocket } from './share-pglite-socket.js';
import { ResilientClient } from './resilient-pg-client.js';
import { useBaselineWasmOnly } from './wasm-quick-start.js';
import type { Database } from './tables.js';

export interface DbHandle {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** Settings a second `pg` client (e.g. BullMQ's backend) can use to reach the same database. */
  pgConfig: PoolConfig;
  schema: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  /** Postgres schema for mapwatch's tables; created if missing. Ignored on PGlite (always public). */
  schema?: string;
  /** PGlite data folder; 'memory://' for a throwaway database. */
  dataDir?: string;
  poolSize?: number;
  /**
   * PGlite only: the process opens the database for one command and exits (the CLI). Postgres
   * starts with a 32MB buffer cache instead of the data folder's 128MB (it sets the whole cache up
   * when it starts), and the WASM is compiled by V8's baseline compiler only (wasm-quick-start.ts).
   * Together about 40 % of an embedded start; long-running processes (serve, worker) keep both.
   */
  oneShot?: boolean;
  /**
   * PGlite one-shot only: the command reads a page of rows and writes nothing (`mapwatch cases`).
   * Postgres starts with an 8MB buffer cache instead of 32MB: at start it zeroes all of its shared
   * memory through the WASM `memset` (42MB at 32MB of buffers, 15MB at 8MB; 80–200 ms of baseline
   * code on the 2-core machine). Not for commands that write or scan much (import, rollup, crawl):
   * with a quarter of the cache they would read pages again and evict dirty pages sooner, each a
   * write through PGlite's file layer, which costs more than the start saves.
   */
  readsLittle?: boolean;
}

/** shared_buffers of a one-shot open: enough for one command's pages, small enough to set up fast. */
const ONE_SHOT_SHARED_BUFFERS = '32MB';
/** shared_buffers of a one-shot command that reads a page of rows (`readsLittle`): 1,024 pages. */
const READ_LITTLE_SHARED_BUFFERS = '8MB';

const INT8_OID = 20;

/** int8 → number on every path, refusing values a JS number can't hold exactly. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint value ${value} exceeds JavaScript's safe integer range`);
  return n;
}

const types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

function makeDb(config: PoolConfig): { db: Kysely<Database>; pool: Pool } {
  const pool = new pg.Pool({ ...config, types });
  // An idle client losing its connection must not crash the process; the next query reports it.
  // (Checked-out clients are covered by ResilientClient, set in every pgConfig.)
  pool.on('error', () => {});
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}

export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts);
}

async function openPostgres(url: string, opts: OpenOptions): Promise<DbHandle> {
  const schema = opts.schema ?? 'public';
  const pgConfig: PoolConfig = {
    Client: ResilientClient,
    connectionString: url,
    max: opts.poolSize ?? 10,
    options: schema === 'public' ? undefined : `-c search_path=${schema},public`,
  };
  const { db } = makeDb(pgConfig);
  try {
    if (schema !== 'public') await db.schema.createSchema(schema).ifNotExists().execute();
  } catch (err) {
    await db.destroy();
    throw new UnavailableError(
      `cannot connect to DATABASE_URL (${redactUrl(url)}): ${redactUrl((err as Error).message)}; check that the server is running and retry`,
      { cause: err },
    );
  }
  return { db, kind: 'postgres', pgConfig, schema, close: () => db.destroy() };
}

async function openPglite(opts: OpenOptions): Promise<DbHandle> {
  if (opts.oneShot) useBaselineWasmOnly();
  const [{ PGlite }, { btree_gist }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gist'),
    import('@electric-sql/pglite-socket'),
  ]);
  const dataDir = opts.dataDir ?? 'memory://';
  let release: () => void = () => {};
  if (!dataDir.startsWith('memory://')) {
    try {
      release = await lockDataDir(dataDir);
    } catch (err) {
      // Another process holds the folder: work through its socket when it serves one (share-pglite-socket.ts).
      const socket = err instanceof DataDirInUseError ? await holderSocket(dataDir) : undefined;
      if (!socket) throw err;
      return attachedPglite(socket, opts);
    }
  }
  let pglite;
  try {
    const sharedBuffers = opts.readsLittle ? READ_LITTLE_SHARED_BUFFERS : ONE_SHOT_SHARED_BUFFERS;
    pglite = await PGlite.create(dataDir, {
      extensions: { btree_gist },
      ...(opts.oneShot && {
        startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`],
      }),
    });
  } catch (err) {
    release();
    throw new UserError(`cannot open the embedded database in ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  // A private unix socket: the embedded database has no password, so it is not put on TCP.
  const sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-'));
  fs.chmodSync(sockDir, 0o700);
  const port = 5432;
  const server = new PGLiteSocketServer({
    db: pglite,
    path: path.join(sockDir, `.s.PGSQL.${port}`),
    maxConnections: 64,
  });
  // Keep each client's Parse…Sync batch together (see src/queue/pglite-batch-guard.ts).
  guardExtendedProtocol(server);
  await server.start();
  const withdraw = dataDir.startsWith('memory://') ? () => {} : advertiseSocket(dataDir, { host: sockDir, port });
  const pgConfig: PoolConfig = {
    Client: ResilientClient,
    host: sockDir,
    port,
    user: 'postgres',
    database: 'postgres',
    max: opts.poolSize ?? 4,
  };
  const { db } = makeDb(pgConfig);
  let closed = false;
  return {
    db,
    kind: 'pglite',
    pgConfig,
    schema: 'public',
    async close() {
      if (closed) return;
      closed = true;
      withdraw();
      await db.destroy();
      await server.stop();
      await pglite.close();
      fs.rmSync(sockDir, { recursive: true, force: true });
      release();
    },
  };
}

/** The embedded database another process holds, reached over its socket; closing leaves it running. */
function attachedPglite(socket: { host: string; port: number }, opts: OpenOptions): DbHandle {
  const pgConfig: PoolConfig = {
    Client: ResilientClient,
    host: socket.host,
    port: socket.port,
    user: 'postgres',
    database: 'postgres',
    max: opts.poolSize ?? 4,
  };
  const { db } = makeDb(pgConfig);
  return { db, kind: 'pglite', pgConfig, schema: 'public', close: () => db.destroy() };
}
