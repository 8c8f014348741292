/**
 * Test databases: each test file gets its own schema on the real Postgres server
 * (TEST_DATABASE_URL, else DATABASE_URL, else the local trust-auth server), or its
 * own in-memory PGlite. Both go through the same openDatabase() the app uses.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type DbHandle, openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const POSTGRES_URL =
  process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export type Backend = 'postgres' | 'pglite';
export const BACKENDS: Backend[] = ['postgres', 'pglite'];

export async function openTestDb(backend: Backend): Promise<DbHandle> {
  const handle =
    backend === 'postgres'
      ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: `t_${randomBytes(5).toString('hex')}`, poolSize: 4 })
      : await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(handle.db, handle.schema);
  const close = handle.close.bind(handle);
  return {
    ...handle,
    async close() {
      if (handle.kind === 'postgres' && handle.schema !== 'public') {
        await sql`drop schema ${sql.id(handle.schema)} cascade`.execute(handle.db).catch(() => {});
      }
      await close();
    },
  };
}
