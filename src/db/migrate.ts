/**
 * Runs migrations/ with kysely's Migrator. Works from source (vitest, tsx: .ts files)
 * and from the build (dist/migrations: .js files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
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

function migrator(db: Kysely<any>, schema: string): Migrator {
  return new Migrator({
    db,
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
