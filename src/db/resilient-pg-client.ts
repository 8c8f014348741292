/**
 * A `pg.Client` that never crashes the process when its connection dies.
 *
 * pg-pool only listens for 'error' on idle clients. A client that is checked out (inside
 * a transaction, or between two queries of one kysely call) and loses its server (a
 * Postgres restart sends FATAL 57P01 to every session) emits 'error' with no listener,
 * which Node turns into an uncaught exception: that is how a restart killed workers. This
 * subclass always has a listener. The broken client is not reused: its next query fails,
 * kysely releases it, and pg-pool destroys a client that is no longer queryable; the next
 * checkout opens a fresh connection. The failed job is retried by the queue with backoff.
 *
 * The class is handed to pools through the `Client` option, including the pool BullMQ's
 * PostgreSQL backend builds from the same settings, so both sides are covered.
 */
import type { ClientConfig } from 'pg';
import pg from './load-pg.js';

/** Error codes and messages that mean "the server went away"; retrying later may succeed. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (!e) return false;
  if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || CONNECTION_ERRNOS.has(e.code))) return true;
  return /Connection terminated|Client has encountered a connection error|connection is closed|not queryable/i.test(
    String(e.message ?? ''),
  );
}

let lastReport = '';
let lastReportAt = 0;

/** One line per distinct problem per 10 s: a restart must not flood the log. */
function report(err: Error): void {
  const line = `${(err as { code?: string }).code ?? ''} ${err.message}`.trim();
  const now = Date.now();
  if (line === lastReport && now - lastReportAt < 10_000) return;
  lastReport = line;
  lastReportAt = now;
  process.stderr.write(`mapwatch: database connection lost (${line}); reconnecting on next use\n`);
}

export class ResilientClient extends pg.Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', report);
  }
}
