/**
 * While one process holds the embedded database (`mapwatch serve`, a worker), the other CLI
 * commands on the same data folder work through it instead of failing on the folder lock.
 *
 * The holder already serves its PGlite over a private Unix socket (connect.ts: every client,
 * its own included, goes through that socket's one arbiter). It writes where that socket is to
 * `<data folder>/mapwatch.socket` (mode 0600; the socket's folder is 0700, so only the same
 * user can connect). A process that finds the folder locked reads that file and, when the
 * socket answers, uses the holder's database as its own; otherwise the lock error stands.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from './load-pg.js';

const POINTER = 'mapwatch.socket';
/** How long a locked-out process waits for the holder's socket to answer before giving up. */
const ATTACH_TIMEOUT_MS = 3000;

interface SocketPointer {
  pid: number;
  host: string;
  port: number;
}

/** Says where this process serves the data folder's database; returns the function that withdraws it. */
export function advertiseSocket(dataDir: string, socket: { host: string; port: number }): () => void {
  const file = path.join(dataDir, POINTER);
  const pointer: SocketPointer = { pid: process.pid, ...socket };
  fs.writeFileSync(file, JSON.stringify(pointer), { mode: 0o600 });
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as SocketPointer).pid === process.pid) fs.rmSync(file);
    } catch {
      // already gone, or replaced by a later holder: nothing of ours to remove
    }
  };
}

/** The holder's socket as `pg` settings, when the file names one that answers; undefined otherwise. */
export async function holderSocket(dataDir: string): Promise<{ host: string; port: number } | undefined> {
  let pointer: SocketPointer;
  try {
    pointer = JSON.parse(fs.readFileSync(path.join(dataDir, POINTER), 'utf8')) as SocketPointer;
  } catch {
    return undefined;
  }
  if (typeof pointer.host !== 'string' || !Number.isInteger(pointer.port)) return undefined;
  const client = new pg.Client({
    host: pointer.host,
    port: pointer.port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: ATTACH_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { host: pointer.host, port: pointer.port };
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}
