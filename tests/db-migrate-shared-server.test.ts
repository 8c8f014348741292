/**
 * Migrations on a PostgreSQL server that other sessions change at the same time. Every CLI
 * command migrates on open. Kysely's migrator used to list every table of every schema to
 * find its own two, so a schema dropped by another session during that scan failed the
 * migration (`migration  failed: schema "…" does not exist`) and the command exited 1: that
 * is how cli-service's `outbox` steps failed in CI while other test files dropped their
 * schemas. A race cannot be made to happen on cue, so this gives it many chances: another
 * session creates and drops schemas for as long as forty migrations run, and none may fail
 * (before the fix, about one in six did).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { HAS_POSTGRES, openTestDb, POSTGRES_URL } from './support/db.js';

// Skipped only when no PostgreSQL server answers (a fresh machine): the race it guards against
// needs other sessions dropping schemas on one shared server, which the embedded database has
// not. CI sets MAPWATCH_REQUIRE_SERVERS=1, so there a missing server fails instead.
describe.skipIf(!HAS_POSTGRES)('migrations beside other sessions on the server', () => {
  let h: DbHandle;
  let other: pg.Client;
  const prefix = `t_churn_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    h = await openTestDb('postgres');
    other = new pg.Client({ connectionString: POSTGRES_URL });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await h?.close();
  });

  it('an up-to-date schema migrates while another session creates and drops schemas', async () => {
    let done = false;
    let churned = 0;
    const churn = (async () => {
      while (!done) {
        const s = `${prefix}_${churned++}`;
        await other.query(`create schema ${s}`);
        for (let k = 0; k < 5; k++) await other.query(`create table ${s}.x${k} (id serial primary key, note text)`);
        await other.query(`drop schema ${s} cascade`);
      }
    })();
    const errors: string[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const r = await migrateToLatest(h.db, h.schema).catch((e: Error) => e.message);
        if (typeof r === 'string') errors.push(r);
        else expect(r).toEqual([]);
      }
    } finally {
      done = true;
      await churn;
    }
    expect(errors).toEqual([]);
    expect(churned).toBeGreaterThan(1);
  });
});
