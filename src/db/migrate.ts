/**
 * Runs migrations/ with kysely's Migrator. Works from source (vitest, tsx: .ts files)
 * and from the build (dist/migrations: .js files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DatabaseIntrospector, type Kysely, sql, type TableMetadata } from 'kysely';
import {
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  NO_MIGRATIONS,
} from 'kysely/migration';
import { UserError } from '../errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function migrationsDir(): string {
  // dist/db/migrate.js → dist/migrations ; src/db/migrate.ts → migrations
  for (const candidate of [path.resolve(here, '../migrations'), path.resolve(here, '../../migrations')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new UserError(`migrations folder not found next to ${here}; is the package built?`);
}

class FolderProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    const files = fs
      .readdirSync(this.dir)
      .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    for (const file of files) {
      out[file.replace(/\.(js|ts)$/, '')] = (await import(pathToFileURL(path.join(this.dir, file)).href)) as Migration;
    }
    return out;
  }
}

/**
 * Kysely's Migrator asks `db.introspection` whether its own tables exist, and the Postgres
 * introspector answers by listing every table of every schema in the database, calling
 * has_schema_privilege() and pg_get_serial_sequence() on each by name. When another session
 * drops a schema during that scan (each test file drops its own schema when it ends; a shared
 * server can hold other tenants), the scan fails with `schema "…" does not exist`, and the
 * migration with it. Every CLI command migrates on open, so any command could exit 1 that way
 * (cli-service's `outbox` steps did, twice, in CI). The migrator only needs the tables of our
 * schema, so it is given an introspector that reads that schema alone.
 */
function schemaIntrospector(db: Kysely<any>, schema: string): DatabaseIntrospector {
  return {
    async getSchemas() {
      const r = await sql<{ name: string }>`
        select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return r.rows;
    },
    async getTables() {
      const r = await sql<{ name: string }>`
        select c.relname as name from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'p')`.execute(db);
      return r.rows.map((t): TableMetadata => ({ name: t.name, schema, isView: false, isForeign: false, columns: [] }));
    },
  };
}

/** `db`, except that its `introspection` sees only `schema` (Kysely keeps private fields, hence the binding). */
function scopedToSchema(db: Kysely<any>, schema: string): Kysely<any> {
  const introspection = schemaIntrospector(db, schema);
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function migrator(db: Kysely<any>, schema: string): Migrator {
  return new Migrator({
    db: scopedToSchema(db, schema),
    provider: new FolderProvider(migrationsDir()),
    migrationTableSchema: schema === 'public' ? undefined : schema,
  });
}

function check({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new UserError(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<any>, schema = 'public'): Promise<string[]> {
  return check(await migrator(db, schema).migrateToLatest());
}

export async function migrateDown(db: Kysely<any>, schema = 'public'): Promise<string[]> {
  return check(await migrator(db, schema).migrateDown());
}

/** Reverts every migration (tests and `down` checks). */
export async function migrateAllDown(db: Kysely<any>, schema = 'public'): Promise<string[]> {
  return check(await migrator(db, schema).migrateTo(NO_MIGRATIONS));
}
