/**
 * Test databases: each test file gets its own schema on the real Postgres server
 * (TEST_DATABASE_URL, else DATABASE_URL, else the local trust-auth server), or its
 * own in-memory PGlite. Server legs run only when the server answers (./servers.ts). Both go through the same openDatabase() the app uses.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type DbHandle, openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

import { POSTGRES_URL, SERVER_LEGS } from './servers.js';

export { POSTGRES_URL };

export type Backend = 'postgres' | 'pglite';
/** The embedded leg always; the server leg when PostgreSQL answers (see ./servers.ts). */
export const BACKENDS: Backend[] = SERVER_LEGS.postgres ? ['postgres', 'pglite'] : ['pglite'];
/** For files that only make sense on the server: `describe.skipIf(!HAS_POSTGRES)`. */
export const HAS_POSTGRES = SERVER_LEGS.postgres;

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
