/**
 * Loads every site config in crawlers/ (YAML, recursively), validates it with the one
 * zod schema, and returns frozen configs plus every problem found, each located by
 * file, line and field so ops can fix a config without reading code.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap } from 'yaml';
import { InputError, type InputProblem } from '../errors.js';
import { packSizeField } from '../catalog/csv-fields.js';
import { readCsv } from '../catalog/read-csv.js';
import { fieldPath, lineOf, readYamlFile } from './read-yaml.js';
import { listingSchema, type SiteConfig, siteConfigSchema } from './site-config.schema.js';

export interface SiteListing {
  sku: string;
  url: string;
  pack_size: number;
  /** Where this listing was declared, for error messages. */
  origin: { file: string; line?: number; field: string };
}

/** A saved page the config lists under `tests:`, with its path resolved against the config file. */
export interface SavedPageTest {
  /** Absolute path of the saved page. */
  path: string;
  /** The path as shown to the user (relative to the working directory). */
  file: string;
  url: string;
  /** The expected price, or null: the page must give none. */
  price: string | null;
  currency: string;
  origin: { file: string; line?: number; field: string };
}

export interface LoadedSite {
  name: string;
  file: string;
  config: Readonly<SiteConfig>;
  listings: readonly SiteListing[];
  /** Saved pages with their expected price (`tests:`), run by `mapwatch sites check`. */
  tests?: readonly SavedPageTest[];
  /** sha256 of the canonical config including CSV listings; changes whenever behaviour may change. */
  hash: string;
  /** Line of `reseller:` in `file`, for error messages. */
  resellerLine?: number;
}

export interface LoadResult {
  sites: LoadedSite[];
  problems: InputProblem[];
}

export function listConfigFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

export function loadSiteFile(file: string): { site?: LoadedSite; problems: InputProblem[] } {
  const rel = path.relative(process.cwd(), file) || file;
  const read = readYamlFile(file, rel);
  if (!read.yaml) return { problems: read.problems };
  const { doc, lc, value } = read.yaml;
  if (!isMap(doc.contents))
    return {
      problems: [{ file: rel, line: 1, message: 'must be a YAML mapping of site settings (reseller:, domain:, ...)' }],
    };

  const parsed = siteConfigSchema.safeParse(value);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => ({
        file: rel,
        line: lineOf(doc, lc, i.path),
        field: fieldPath(i.path) || undefined,
        message: i.message,
      })),
    };
  }
  const config = parsed.data;
  const listings: SiteListing[] = config.listings.map((l, i) => ({
    sku: l.sku,
    url: l.url,
    pack_size: l.pack_size ?? 1,
    origin: { file: rel, line: lineOf(doc, lc, ['listings', i, 'sku']), field: `listings[${i}].sku` },
  }));
  const problems: InputProblem[] = [];
  if (config.listings_csv) {
    const csvFile = path.resolve(path.dirname(file), config.listings_csv);
    const csvRel = path.relative(process.cwd(), csvFile);
    try {
      const domain = config.domain.toLowerCase();
      const csvRow = listingSchema.extend({ pack_size: packSizeField.optional() }).superRefine((l, ctx) => {
        const host = safeHost(l.url);
        if (host && host !== domain && !host.endsWith('.' + domain)) {
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message: `host "${host}" is not on the site's domain "${config.domain}"`,
          });
        }
      });
      const rows = readCsv(csvFile, csvRow, { required: ['sku', 'url'], optional: ['pack_size'] });
      for (const r of rows)
        listings.push({
          sku: r.value.sku,
          url: r.value.url,
          pack_size: r.value.pack_size ?? 1,
          origin: { file: csvRel, line: r.line, field: 'sku' },
        });
    } catch (err) {
      if (err instanceof InputError) problems.push(...err.problems);
      else
        problems.push({
          file: rel,
          field: 'listings_csv',
          line: lineOf(doc, lc, ['listings_csv']),
          message: (err as Error).message,
        });
    }
  }
  problems.push(...duplicateUrls(listings));
  // A site with a discover: section may start with no listings: discovery finds them.
  if (listings.length === 0 && !problems.length && !config.discover)
    problems.push({
      file: rel,
      field: 'listings',
      message: 'the site lists no product pages (add listings:, listings_csv: or discover:)',
    });
  const name = config.name ?? path.basename(file).replace(/\.ya?ml$/i, '');
  problems.push(...checkValueEnv(config, name, rel, (p) => lineOf(doc, lc, p)));
  const tests: SavedPageTest[] = config.tests.map((t, i) => {
    const abs = path.resolve(path.dirname(file), t.file);
    return {
      path: abs,
      file: path.relative(process.cwd(), abs) || abs,
      url: t.url ?? `https://${config.domain}/`,
      price: t.expect.price,
      currency: t.expect.currency ?? config.currency,
      origin: { file: rel, line: lineOf(doc, lc, ['tests', i, 'file']), field: `tests[${i}].file` },
    };
  });
  for (const t of tests)
    if (!fs.statSync(t.path, { throwIfNoEntry: false })?.isFile())
      problems.push({
        ...t.origin,
        message: `${t.file}: no such saved page (the path is relative to this config file)`,
      });
  if (problems.length) return { problems };

  // what the crawl does, not its saved test pages: editing a test is no new config version
  const { tests: _tests, ...behaviour } = config;
  const hash = createHash('sha256')
    .update(JSON.stringify({ config: behaviour, listings: listings.map(({ origin: _, ...l }) => l) }))
    .digest('hex');
  const resellerLine = lineOf(doc, lc, ['reseller']);
  const site: LoadedSite = deepFreeze({ name, file: rel, config, listings, tests, hash, resellerLine });
  return { site, problems: [] };
}

/**
 * The same page listed twice would be read twice per run and could hold two products' prices
 * to one page; the later entry is refused, naming where the first one is.
 */
function duplicateUrls(listings: readonly SiteListing[]): InputProblem[] {
  const first = new Map<string, SiteListing>();
  const problems: InputProblem[] = [];
  for (const l of listings) {
    let key: string;
    try {
      key = new URL(l.url).href; // normalised: host case, default port, percent-encoding
    } catch {
      continue; // reported by the url validator
    }
    const prev = first.get(key);
    if (!prev) {
      first.set(key, l);
      continue;
    }
    const where = `${prev.origin.file === l.origin.file ? '' : `${prev.origin.file}, `}line ${prev.origin.line ?? '?'}`;
    problems.push({
      file: l.origin.file,
      line: l.origin.line,
      field: l.origin.field.replace(/sku$/, 'url'),
      message: `${l.url} is listed twice (also on ${where}${prev.sku === l.sku ? '' : `, for SKU "${prev.sku}"`})`,
    });
  }
  return problems;
}

/**
 * The environment variables a site's fill steps may read: only `MAPWATCH_SITE_<NAME>_*`.
 * Without this, a config (or, before jobs carried references only, a queued job) could
 * type any secret of the process (MAPWATCH_SMTP_URL, DATABASE_URL) into another host's form.
 */
export function siteEnvPrefix(siteName: string): string {
  return `MAPWATCH_SITE_${siteName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

function checkValueEnv(
  config: SiteConfig,
  name: string,
  file: string,
  lineAt: (p: (string | number)[]) => number | undefined,
): InputProblem[] {
  const prefix = siteEnvPrefix(name);
  const out: InputProblem[] = [];
  const groups: { at: string[]; steps: readonly object[] }[] = [
    { at: ['browser', 'steps'], steps: config.browser?.steps ?? [] },
    { at: ['browser', 'login', 'steps'], steps: config.browser?.login?.steps ?? [] },
  ];
  for (const g of groups) {
    for (const [i, st] of g.steps.entries()) {
      const v = (st as { value_env?: string }).value_env;
      if (v === undefined || v.startsWith(prefix)) continue;
      const p = [...g.at, i, 'value_env'];
      out.push({
        file,
        line: lineAt(p),
        field: fieldPath(p),
        message: `"${v}" is not allowed: site "${name}" may only read environment variables named ${prefix}* (e.g. ${prefix}PASSWORD)`,
      });
    }
  }
  return out;
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Each config file's site, or its problems, one file at a time (sorted by path); a second site
 * of a name already loaded is refused. A caller that syncs each site as it comes and keeps
 * only its settings (sync-site-files.ts) never holds every listing of every config at once.
 */
export function* loadSiteFiles(dir: string): Generator<{ site?: LoadedSite; problems: InputProblem[] }> {
  const byName = new Map<string, string>();
  for (const file of listConfigFiles(dir)) {
    const r = loadSiteFile(file);
    if (!r.site) {
      yield r;
      continue;
    }
    const prev = byName.get(r.site.name);
    if (prev) {
      yield {
        problems: [
          { file: r.site.file, field: 'name', message: `site name "${r.site.name}" is already used by ${prev}` },
        ],
      };
      continue;
    }
    byName.set(r.site.name, r.site.file);
    yield r;
  }
}

export function loadSites(dir: string): LoadResult {
  const sites: LoadedSite[] = [];
  const problems: InputProblem[] = [];
  for (const r of loadSiteFiles(dir)) {
    problems.push(...r.problems);
    if (r.site) sites.push(r.site);
  }
  return { sites, problems };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
