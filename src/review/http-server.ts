/**
 * The small HTTP server `mapwatch serve` runs: `/healthz` (database and queue backend
 * reachable) and bull-board at `/queues` for queue monitoring. Binds to 127.0.0.1 by
 * default: bull-board can retry and delete jobs, so exposing it is a deliberate choice.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { UserError } from '../errors.js';

export interface HttpServerOptions {
  db: Kysely<Database>;
  queues: Queue[];
  host?: string;
  port?: number;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(o: HttpServerOptions): Promise<RunningHttpServer> {
  const app = express();
  const board = new ExpressAdapter();
  board.setBasePath('/queues');
  createBullBoard({ queues: o.queues.map((q) => new BullMQAdapter(q as never)), serverAdapter: board as never });
  app.use('/queues', board.getRouter());
  app.get('/healthz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(o.db);
      checks.database = 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
    }
    try {
      await Promise.all(o.queues.map((q) => q.getJobCounts('waiting')));
      checks.queues = 'ok';
    } catch (err) {
      checks.queues = (err as Error).message;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ ok, ...checks });
  });
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 8080;
  // Express 5 hands a listen error (a port in use) to this callback, not to an 'error' event.
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => {
      if (!err) return resolve(s);
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL'
          ? new UserError(
              `--port/--host: cannot listen on ${host}:${port} (${code}); choose another port with --port, or stop what uses it`,
            )
          : err,
      );
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
