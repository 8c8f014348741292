/**
 * Every CLI command opens the database through openAppDb, which skips the migrator when the
 * database has applied exactly the migrations in the folder (isMigrated: two small queries
 * instead of importing every migration file). Anything else must still go to the migrator:
 * a pending migration, one the folder lacks, no migration table at all.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbHandle, openDatabase } from '../src/db/connect.js';
import { isMigrated, migrateDown, migrateToLatest } from '../src/db/migrate.js';
import { BACKENDS, openTestDb, POSTGRES_URL } from './support/db.js';

describe.each(BACKENDS)('isMigrated on %s', (backend) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(backend);
  });
  afterAll(async () => {
    await h?.close();
  });
  const table = () => (h.schema === 'public' ? sql.id('kysely_migration') : sql.id(h.schema, 'kysely_migration'));

  it('is true after migrating, false with the last migration undone, true again after migrating', async () => {
    expect(await isMigrated(h.db, h.schema)).toBe(true);
    const [undone] = await migrateDown(h.db, h.schema);
    expect(undone).toBeDefined();
    expect(await isMigrated(h.db, h.schema)).toBe(false);
    expect(await migrateToLatest(h.db, h.schema)).toEqual([undone]);
    expect(await isMigrated(h.db, h.schema)).toBe(true);
  });

  it('is false when the database applied a migration the folder lacks (the migrator reports it)', async () => {
    await sql`insert into ${table()} (name, timestamp) values ('29991231000000_from_a_newer_version', '2999-12-31T00:00:00Z')`.execute(
      h.db,
    );
    try {
      expect(await isMigrated(h.db, h.schema)).toBe(false);
      await expect(migrateToLatest(h.db, h.schema)).rejects.toThrow(/29991231000000_from_a_newer_version/);
    } finally {
      await sql`delete from ${table()} where name = '29991231000000_from_a_newer_version'`.execute(h.db);
    }
    expect(await isMigrated(h.db, h.schema)).toBe(true);
  });

  it('is false on a database that was never migrated', async () => {
    const fresh =
      backend === 'postgres'
        ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: `t_${randomBytes(5).toString('hex')}`, poolSize: 2 })
        : await openDatabase({ dataDir: 'memory://' });
    try {
      expect(await isMigrated(fresh.db, fresh.schema)).toBe(false);
    } finally {
      if (fresh.kind === 'postgres') await sql`drop schema ${sql.id(fresh.schema)} cascade`.execute(fresh.db);
      await fresh.close();
    }
  });
});
