/**
 * `--heartbeat FILE` for long-running services: the file's mtime is refreshed every 15 s
 * while the process can reach its database and its queue backend. A container healthcheck
 * then only has to compare the mtime with the clock (docker-compose.yml), so a hung or
 * disconnected worker shows as unhealthy without an HTTP port of its own.
 */
import fs from 'node:fs';

export const HEARTBEAT_EVERY_MS = 15_000;

export function startHeartbeat(file: string, probe: () => Promise<unknown>): () => void {
  const log = (s: string) => process.stderr.write(`mapwatch: heartbeat: ${s}\n`);
  let failing = false;
  const beat = async () => {
    try {
      await probe();
      const now = new Date();
      fs.writeFileSync(file, `${now.toISOString()}\n`);
      if (failing) log('database and queue reachable again');
      failing = false;
    } catch (err) {
      // No write: the file ages and the healthcheck fails, which is the point.
      if (!failing) log(`not refreshed: ${(err as Error).message}`);
      failing = true;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
