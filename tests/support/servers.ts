/**
 * Which server legs run. The embedded legs (PGlite, BullMQ's PostgreSQL backend on it) run
 * everywhere; a leg on the PostgreSQL or Redis server runs when that server answers. CI sets
 * MAPWATCH_REQUIRE_SERVERS=1: then a missing server is a failure, never a skip.
 * MAPWATCH_TEST_BACKENDS=pglite runs the embedded legs only (the mutation runs do).
 */
import net from 'node:net';

export const POSTGRES_URL =
  process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const REQUIRE_SERVERS = process.env.MAPWATCH_REQUIRE_SERVERS === '1';
const EMBEDDED_ONLY = process.env.MAPWATCH_TEST_BACKENDS === 'pglite';

/** Whether something accepts a TCP connection at the URL's host and port (no query is sent). */
export function reachable(url: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    port = Number(u.port) || defaultPort;
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface ServerLegs {
  postgres: boolean;
  redis: boolean;
}

/** What answers right now. */
export async function probeServers(): Promise<ServerLegs> {
  const [postgres, redis] = await Promise.all([reachable(POSTGRES_URL, 5432), reachable(REDIS_URL, 6379)]);
  return { postgres, redis };
}

const up = EMBEDDED_ONLY ? { postgres: false, redis: false } : await probeServers();

/** Which server legs this run includes: the reachable ones, or all of them when CI requires servers. */
export const SERVER_LEGS: ServerLegs = {
  postgres: !EMBEDDED_ONLY && (up.postgres || REQUIRE_SERVERS),
  redis: !EMBEDDED_ONLY && (up.redis || REQUIRE_SERVERS),
};

/** The one line a run prints when it leaves server legs out (empty when none are left out). */
export function notRunLine(legs: ServerLegs): string {
  const missing = [
    ...(legs.postgres ? [] : [`PostgreSQL (${redact(POSTGRES_URL)})`]),
    ...(legs.redis ? [] : [`Redis (${redact(REDIS_URL)})`]),
  ];
  if (!missing.length) return '';
  return (
    `server legs NOT RUN: ${missing.join(' and ')} not reachable; embedded legs ran. ` +
    'To run them: start the servers (`docker compose up -d postgres redis`, or `bash .ci/run`) ' +
    'or point DATABASE_URL / REDIS_URL at them; MAPWATCH_REQUIRE_SERVERS=1 makes a missing server fail the run.'
  );
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
