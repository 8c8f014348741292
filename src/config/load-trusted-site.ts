/**
 * The site config a worker trusts: the YAML file the scheduler synced (its path is in the
 * `sites` row), read again from disk, never the copy inside a queued job. Anyone who can
 * add a job (a queue UI, a shared Redis) could otherwise hand a worker any headers, steps
 * or login target. The job names the site and the config hash it was queued with; a hash
 * that no longer matches the file means the job is stale (or forged) and is refused.
 *
 * Parsed files are cached by path, size and mtime, so a busy worker does not re-parse the
 * YAML (and its listings CSV) for every listing job.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { formatProblem, UserError } from '../errors.js';
import { type LoadedSite, loadSiteFile } from './load-sites.js';

/** A job that refers to a site config that is gone or changed since it was queued; retrying cannot help. */
export type StaleSiteReason = 'site_unknown' | 'site_config_unreadable' | 'site_config_changed';

export class StaleSiteRefError extends UserError {
  constructor(
    readonly reason: StaleSiteReason,
    message: string,
  ) {
    super(message, {
      code: reason === 'site_unknown' ? 'not_found' : reason === 'site_config_changed' ? 'conflict' : 'invalid_input',
    });
    this.name = 'StaleSiteRefError';
  }
}

export interface TrustedSite {
  id: number;
  site: LoadedSite;
}

const cache = new Map<string, { sig: string; site?: LoadedSite; problem?: string }>();

function statSig(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function readSite(file: string): { site?: LoadedSite; problem?: string } {
  const sig = statSig(file);
  if (sig === undefined) return { problem: `${file} no longer exists` };
  const hit = cache.get(file);
  // A CSV of listings may change without the YAML changing; the hash check below still
  // sees it on the next scheduler sync, and the cache is per YAML file only.
  if (hit && hit.sig === sig) return hit;
  const r = loadSiteFile(file);
  const entry = {
    sig,
    site: r.site,
    problem: r.problems.length ? r.problems.map(formatProblem).join('; ') : undefined,
  };
  cache.set(file, entry);
  return entry;
}

/**
 * Loads site `name` as the scheduler last synced it and checks it is the config the job was
 * queued with. Throws StaleSiteRefError (not retryable) with the reason otherwise.
 */
export async function loadTrustedSite(
  db: Kysely<Database>,
  ref: { site: string; configHash: string },
): Promise<TrustedSite> {
  const row = await db
    .selectFrom('sites')
    .select(['id', 'config_hash', 'config_path'])
    .where('name', '=', ref.site)
    .executeTakeFirst();
  if (!row || !row.config_path)
    throw new StaleSiteRefError(
      'site_unknown',
      `site "${ref.site}" is not in the database (was its config removed?); the job is dropped`,
    );
  const file = path.resolve(row.config_path);
  const { site, problem } = readSite(file);
  if (!site)
    throw new StaleSiteRefError(
      'site_config_unreadable',
      `site "${ref.site}": its config ${row.config_path} cannot be used now (${problem}); fix the file, the next scheduled slot runs with it`,
    );
  if (site.name !== ref.site || site.hash !== ref.configHash || row.config_hash !== ref.configHash) {
    throw new StaleSiteRefError(
      'site_config_changed',
      `site "${ref.site}": the job was queued for config ${short(ref.configHash)}, but ${row.config_path} is now ${short(site.hash)}` +
        (row.config_hash !== site.hash ? ` (database has ${short(row.config_hash)})` : '') +
        '; the job is refused and the scheduler queues the next slot with the current config',
    );
  }
  return { id: row.id, site };
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
