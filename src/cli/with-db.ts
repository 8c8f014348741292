/** Opens the app database for one command and always closes it, even on error. */
import type { Env } from '../config/env.js';
import type { DbHandle } from '../db/connect.js';
import { openAppDb } from '../app/open-app-db.js';

export type EnvLoader = () => Env;

export async function withDb<T>(env: Env, fn: (h: DbHandle & { applied: string[] }) => Promise<T>): Promise<T> {
  const h = await openAppDb(env, { oneShot: true });
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}
