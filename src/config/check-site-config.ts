/**
 * The checks `mapwatch sites check` runs, for one site the database knows: its YAML file
 * read again from disk and validated (load-sites.ts), then its reseller and SKUs looked up
 * (sync-sites.ts). The review app's site page shows these problems, each with file, line and
 * field, so ops see the same words as on the command line.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { InputProblem } from '../errors.js';
import { type LoadedSite, loadSiteFile } from './load-sites.js';
import { resolveSiteRefs } from './sync-sites.js';

export interface SiteConfigCheck {
  /** The config as it is on disk now (absent when it does not load). */
  site?: LoadedSite;
  problems: InputProblem[];
  /** The file changed since the scheduler last synced it (its next sync picks the change up). */
  changedSinceSync: boolean;
}

export async function checkSiteConfig(
  db: Kysely<Database>,
  row: { name: string; configPath: string | null; configHash: string },
): Promise<SiteConfigCheck> {
  if (!row.configPath)
    return {
      problems: [
        {
          file: '(none)',
          message: `site "${row.name}" has no config file on record; run the scheduler or \`mapwatch crawl\``,
        },
      ],
      changedSinceSync: false,
    };
  const loaded = loadSiteFile(path.resolve(row.configPath));
  if (!loaded.site) return { problems: loaded.problems, changedSinceSync: true };
  const refs = await resolveSiteRefs(db, [loaded.site]);
  const problems = [...refs.problems];
  if (loaded.site.name !== row.name)
    problems.push({
      file: loaded.site.file,
      field: 'name',
      message: `the file now names the site "${loaded.site.name}", not "${row.name}"`,
    });
  return { site: loaded.site, problems, changedSinceSync: loaded.site.hash !== row.configHash };
}
