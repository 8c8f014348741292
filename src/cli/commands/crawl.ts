/** `mapwatch sites …`, `mapwatch crawl`. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { type LoadedSite, loadSites } from '../../config/load-sites.js';
import { siteConfigSchema } from '../../config/site-config.schema.js';
import { resolveSiteRefs } from '../../config/sync-sites.js';
import { syncSiteFiles } from '../../config/sync-site-files.js';
import { formatProblem, InputError, type InputProblem, UserError } from '../../errors.js';
import { checkSavedPages } from '../../check/check-saved-pages.js';
import { openApp } from '../../app/open-app.js';
import { type CrawlResult, listingsRead, sweepSites } from '../../check/crawl-now.js';
import { observationBatchFor } from '../../check/batch-observations.js';
import { boundHeapGrowth } from '../../check/bound-heap-growth.js';
import { json, progressLine, safeText } from '../output.js';
import { type CrawlRow, crawlRow, formatCrawlSummary } from '../print.js';
import { type EnvLoader, withDb } from '../with-db.js';
import { redactUrl } from '../../redact-url.js';

export function siteConfigJsonSchema(): object {
  return z.toJSONSchema(siteConfigSchema, { io: 'input', target: 'draft-2020-12' });
}

/** Reads every valid site's saved test pages; one line each, a problem for each failure. */
function runSavedPages(loaded: LoadedSite[], defaultCurrency: string | undefined): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const s of loaded) {
    for (const r of checkSavedPages(s, defaultCurrency ? { defaultCurrency } : {})) {
      if (r.pass) {
        console.log(`pass  ${r.test.file}  (${s.name}: ${r.expected})`);
        continue;
      }
      problems.push({
        ...r.test.origin,
        message: `saved page ${r.test.file}: expected ${r.expected}, got ${r.got}: ${safeText(r.why ?? '', 600)}`,
      });
    }
  }
  return problems;
}

export function registerCrawlCommands(program: Command, env: EnvLoader): void {
  const sites = program.command('sites').description('reseller site configs in crawlers/');
  sites
    .command('check')
    .description('validate every site config and read its saved test pages; report each problem as file + field')
    .option('--dir <dir>', 'folder of site configs (default: $MAPWATCH_CRAWLERS_DIR or ./crawlers)')
    .option('--no-db', 'skip the checks that need the database (unknown SKU or reseller)')
    .option('--no-tests', "skip reading the sites' saved test pages (tests:)")
    .action(async (opts: { dir?: string; db: boolean; tests: boolean }) => {
      const e = env();
      const dir = path.resolve(opts.dir ?? e.crawlersDir);
      if (!fs.existsSync(dir)) throw new UserError(`${dir}: no such folder of site configs`);
      const { sites: loaded, problems } = loadSites(dir);
      let unresolved = new Map<LoadedSite, unknown>();
      if (opts.db && loaded.length) {
        await withDb(e, async ({ db }) => {
          const refs = await resolveSiteRefs(db, loaded);
          problems.push(...refs.problems);
          unresolved = refs.problemsBySite;
        });
      }
      // "ok" only for a config the crawl will accept: its reseller and SKUs exist too.
      for (const s of loaded.filter((x) => !unresolved.has(x)))
        console.log(`ok  ${s.file}  (${s.name}: ${s.listings.length} listing(s), ${s.config.render})`);
      if (opts.tests) problems.push(...runSavedPages(loaded, e.MAPWATCH_DEFAULT_CURRENCY));
      if (problems.length) throw new InputError(problems);
      if (!loaded.length) throw new UserError(`${dir}: no site configs (*.yaml) found`);
      console.log(`${loaded.length} site config(s) valid.`);
    });
  sites
    .command('schema')
    .description('print (or write) the JSON Schema of site configs, for editors')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { out?: string }) => {
      const text = json(siteConfigJsonSchema()) + '\n';
      if (opts.out) {
        fs.writeFileSync(opts.out, text);
        console.log(`Wrote ${opts.out}`);
      } else process.stdout.write(text);
    });

  program
    .command('crawl')
    .description('check every listing now, in this process')
    .option('--site <name>', 'only this site')
    .option('--dir <dir>', 'folder of site configs')
    .option(
      '--concurrency <n>',
      'reads in flight across domains (a check waiting on its write or re-check holds none)',
      (v) => positiveInt('--concurrency', v),
      8,
    )
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { site?: string; dir?: string; concurrency: number; json?: boolean }) => {
      const e = env();
      // The sweep's heap at 1.5× its live data, not V8's up to 4×: flat memory however many listings (bound-heap-growth.ts).
      boundHeapGrowth();
      // The same wiring as the workers: evidence, Chromium on demand, site health and
      // suppression, and the notifier (read now, so a bad notify config stops the command
      // instead of every check; alerts go into the outbox in each observation's transaction).
      // Opened at the first site to sync: a folder with nothing to crawl opens nothing.
      let app: Awaited<ReturnType<typeof openApp>> | undefined;
      const opened = async () =>
        (app ??= await openApp({
          config: e,
          browser: 'auto',
          notify: 'eager',
          observationBatch: observationBatchFor(opts.concurrency),
        }));
      const progress = progressLine();
      let summary;
      // The summary keeps counts only; the table keeps one short line per listing, not its whole
      // read (sweep-sites.ts, keepResults), and --json prints no table at all.
      const rows: CrawlRow[] = [];
      try {
        // Each config is read and synced in turn, and kept without its listings: the sweep
        // reads them from the database a page at a time (sync-site-files.ts, issue 15).
        const found = await syncSiteFiles(path.resolve(opts.dir ?? e.crawlersDir), {
          ...(opts.site !== undefined && { only: opts.site }),
          db: async () => (await opened()).ctx.db,
        });
        if (opts.site && !found.chosen) {
          const bad = found.problems.filter((p) => path.basename(p.file).replace(/\.ya?ml$/, '') === opts.site);
          if (bad.length) throw new InputError(bad);
          throw new UserError(`--site: no site named "${opts.site}" (known: ${found.names.join(', ') || 'none'})`);
        }
        // A broken config never stops the valid ones from being crawled; it is reported.
        for (const p of found.problems) process.stderr.write(`mapwatch: skipped: ${formatProblem(p)}\n`);
        if (!found.chosen) throw new UserError('no valid site configs to crawl');
        summary = await sweepSites((await opened()).ctx, found.sites, {
          concurrency: opts.concurrency,
          keepResults: false,
          ...(!opts.json && { onResult: (r: CrawlResult) => rows.push(crawlRow(r)) }),
          onProgress: (p) => progress.update(`[${p.done}/${p.total}] ${p.site} ${p.status} ${p.url}`),
        });
        summary.skipped.push(...found.skipped);
      } finally {
        progress.done();
        await app?.close();
      }
      if (summary.checked === 0 && summary.skipped.length) throw new InputError(summary.skipped);
      for (const p of summary.skipped) process.stderr.write(`mapwatch: skipped: ${formatProblem(p)}\n`);
      const read = listingsRead(summary);
      if (opts.json) {
        console.log(
          json({
            checked: summary.checked,
            byStatus: summary.byStatus,
            read,
            cases: summary.cases,
            siteHealth: summary.healthChanges,
            failures: summary.failures,
            skipped: summary.skipped,
          }),
        );
      } else {
        console.log(formatCrawlSummary(summary, rows));
      }
      for (const f of summary.failures)
        process.stderr.write(`mapwatch: ${f.site} ${redactUrl(f.url)}: ${redactUrl(f.message)}\n`);
      if (summary.checked > 0 && read === 0) {
        // Every listing was blocked, failed or errored: the crawl saw nothing and must not look like a success.
        process.stderr.write(
          `mapwatch: no listing could be read (${Object.entries(summary.byStatus)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}); see the detail column above\n`,
        );
        process.exitCode = 1;
      } else if (summary.failures.length) process.exitCode = 1;
    });

  // `mapwatch cases` and its subcommands live in cases.ts.
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: must be a whole number ≥ 1, got "${v}"`);
  return n;
}
