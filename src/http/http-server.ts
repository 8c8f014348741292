/**
 * The small HTTP server `mapwatch serve` runs: `/healthz` (database and queue backend
 * reachable) and, only when enabled, bull-board at `/queues`. Binds to 127.0.0.1 by
 * default. bull-board can add, retry and delete jobs and remove job schedulers, so it is
 * off unless `queueUi` is given (MAPWATCH_QUEUE_UI=1 plus MAPWATCH_ADMIN_TOKEN), and then
 * behind admin authentication. Every request first passes the Host allow-list (DNS
 * rebinding) and, if it changes state, the cross-site checks (src/http/request-guards.ts).
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
import { adminAuth, allowedHostSet, crossSiteGuard, hostGuard } from './request-guards.js';
import { UserError } from '../errors.js';

export interface HttpServerOptions {
  db: Kysely<Database>;
  queues: Queue[];
  host?: string;
  port?: number;
  /** bull-board at /queues, behind this admin token; absent: /queues answers 404 and says how to enable it. */
  queueUi?: { token: string };
  /** Host names served besides localhost and the bound address (MAPWATCH_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(o: HttpServerOptions): Promise<RunningHttpServer> {
  const app = express();
  app.disable('x-powered-by');
  const hosts = allowedHostSet(o.host ?? '127.0.0.1', o.allowedHosts ?? []);
  app.use(hostGuard(hosts));
  app.use(crossSiteGuard(hosts));
  if (o.queueUi) {
    const board = new ExpressAdapter();
    board.setBasePath('/queues');
    createBullBoard({ queues: o.queues.map((q) => new BullMQAdapter(q as never)), serverAdapter: board as never });
    app.use('/queues', adminAuth(o.queueUi.token), board.getRouter());
  } else {
    app.use('/queues', (_req, res) => {
      res.status(404).json({
        ok: false,
        code: 'queue_ui_off',
        error: 'the queue UI is off; set MAPWATCH_QUEUE_UI=1 and MAPWATCH_ADMIN_TOKEN to enable it',
      });
    });
  }
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
