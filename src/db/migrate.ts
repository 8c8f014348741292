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

/** The migration files of `dir`, sorted; a migration's name is its file name without the extension. */
function migrationFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
}

const migrationName = (file: string) => file.replace(/\.(js|ts)$/, '');

class FolderProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const file of migrationFiles(this.dir)) {
      out[migrationName(file)] = (await import(pathToFileURL(path.join(this.dir, file)).href)) as Migration;
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

/**
 * Whether the database has applied exactly the migrations in the folder, read in two small
 * queries. Every CLI command migrates on open, and the migrator's own check (import all the
 * migration files, create and lock its tables, read them back) was most of a one-shot command's
 * database time on the embedded database. Anything but an exact match (a pending migration, one
 * the folder lacks, no migration table yet) answers false and leaves the decision to the
 * migrator. Kysely applies a run's migrations in one transaction on Postgres, so a migration
 * running elsewhere is seen either not at all or whole.
 */
export async function isMigrated(db: Kysely<any>, schema = 'public'): Promise<boolean> {
  // The table the migrator uses: in `schema`, or found on the search path for `public` (migrator()).
  const table = schema === 'public' ? 'kysely_migration' : `"${schema.replace(/"/g, '""')}".kysely_migration`;
  const present = await sql<{ present: boolean }>`select to_regclass(${table}) is not null as present`.execute(db);
  if (!present.rows[0]?.present) return false;
  const ref = schema === 'public' ? sql.id('kysely_migration') : sql.id(schema, 'kysely_migration');
  const applied = await sql<{ name: string }>`select name from ${ref}`.execute(db);
  const wanted = migrationFiles(migrationsDir()).map(migrationName);
  const names = applied.rows.map((r) => r.name).sort(); // sorted as the files are (not by the collation)
  return names.length === wanted.length && names.every((n, i) => n === wanted[i]);
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
