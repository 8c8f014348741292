/** Opens the app database for one command and always closes it, even on error. */
import type { Env } from '../config/env.js';
import type { DbHandle } from '../db/connect.js';
import { openAppDb } from '../app/open-app-db.js';

export type EnvLoader = () => Env;

export interface WithDbOptions {
  /** The command reads a page of rows and writes nothing: the embedded database starts with a smaller cache. */
  readsLittle?: boolean;
}

export async function withDb<T>(
  env: Env,
  fn: (h: DbHandle & { applied: string[] }) => Promise<T>,
  opts: WithDbOptions = {},
): Promise<T> {
  const h = await openAppDb(env, { oneShot: true, readsLittle: opts.readsLittle });
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}
