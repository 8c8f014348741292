/**
 * One process per embedded (PGlite) data folder: a second writer would corrupt it.
 *
 * The old scheme (create `mapwatch.lock` with O_EXCL; if it exists and its pid is dead,
 * overwrite it) was not atomic: two processes starting together could both judge the same
 * lock stale and both overwrite it, and both opened the folder (2 of 15 synchronised starts).
 *
 * Now the owner holds a lock the kernel releases when the process dies, taken atomically:
 * a Unix socket bound in Linux's abstract namespace under a name derived from the folder's
 * real path. Binding is atomic (EADDRINUSE for everyone else) and there is no file to go
 * stale, so "is the owner dead?" needs no guessing. Only the holder of that lock then looks
 * at `mapwatch.lock` (created with O_EXCL, carrying the pid for people and for processes in
 * other network namespaces or on other systems): with the held lock, replacing a file left
 * by a dead owner can race no one.
 *
 * Outside Linux there is no abstract namespace; there the file lock alone applies, and a
 * stale file is taken over by rename-then-verify so that two takers cannot both win.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConflictError } from '../errors.js';

export class DataDirInUseError extends ConflictError {
  constructor(dir: string, pid?: number) {
    super(
      `the embedded database in ${dir} is in use${pid ? ` by process ${pid}` : ' by another process'}. ` +
        'Stop it, or set DATABASE_URL to use a Postgres server.',
    );
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The held lock: an abstract Unix socket named after the folder. Resolves undefined where unsupported. */
async function holdKernelLock(dir: string): Promise<net.Server | undefined> {
  if (process.platform !== 'linux') return undefined;
  const name = `\0mapwatch-pgdata-${createHash('sha256').update(fs.realpathSync(dir)).digest('hex').slice(0, 40)}`;
  const server = net.createServer((s) => s.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE'
        ? reject(new DataDirInUseError(dir, readPid(path.join(dir, 'mapwatch.lock'))))
        : reject(err),
    );
    server.listen({ path: name }, () => {
      server.unref(); // the lock must not keep the process alive
      resolve(server);
    });
  });
}

/** Creates the pid file; if one exists, takes it over only when its owner is dead. */
function claimPidFile(dir: string, lock: string, heldByKernel: boolean): void {
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pid = readPid(lock);
  if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirInUseError(dir, pid);
  if (heldByKernel) {
    // Nobody else can be here: replace the dead owner's file in one step.
    const tmp = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, String(process.pid));
    fs.renameSync(tmp, lock);
    return;
  }
  // No kernel lock: move the stale file aside (only one taker's rename can succeed), check it is
  // the file we judged stale, then create ours with O_EXCL as anyone else would.
  const aside = `${lock}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    throw new DataDirInUseError(dir); // someone else took it over first
  }
  if (readPid(aside) !== pid) {
    // We moved a fresh lock of a live taker: put it back and give way.
    try {
      fs.linkSync(aside, lock);
    } catch {
      /* a third process holds the name now; it won */
    }
    fs.rmSync(aside, { force: true });
    throw new DataDirInUseError(dir);
  }
  fs.rmSync(aside, { force: true });
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    throw new DataDirInUseError(dir, readPid(lock));
  }
}

/** Takes the data folder for this process; returns the release function. Throws DataDirInUseError. */
export async function lockDataDir(dir: string): Promise<() => void> {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'mapwatch.lock');
  const held = await holdKernelLock(dir);
  try {
    claimPidFile(dir, lock, held !== undefined);
  } catch (err) {
    held?.close();
    throw err;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readPid(lock) === process.pid) fs.rmSync(lock, { force: true });
    held?.close();
  };
}
