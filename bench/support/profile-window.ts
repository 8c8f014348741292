/**
 * CPU profile of one window of a benchmark (the measured work only, not start-up, migrations
 * or fixtures), for the profile issue 15 asks for: `BENCH_PROFILE=<dir>` writes
 * `<dir>/<name>.cpuprofile` (open it in Chrome DevTools, or summarise it with
 * `node --import tsx bench/support/profile-summary.ts <file>`). Without the variable it
 * costs nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

export async function profileWindow<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
