/**
 * `mapwatch discover`: find product pages by sitemap, products.json, feeds and site search,
 * and match them to the catalog. `mapwatch listings review`: the matches waiting for a
 * person, and approve/reject (the decision records who made it).
 */
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { ROLES, type Role } from '../../cases/actor.js';
import { loadSites } from '../../config/load-sites.js';
import { formatProblem, InputError, UserError } from '../../errors.js';
import { json, safeText, table } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: must be a whole number (1 or more), got "${v}"`);
  return n;
}

export function registerDiscoverCommands(program: Command, env: EnvLoader): void {
  program
    .command('discover')
    .description('find product pages (sitemaps, products.json, feeds, site search) and match them to the catalog')
    .option('--site <name>', 'only this site')
    .option('--dir <dir>', 'folder of site configs')
    .option('--max-pages <n>', "pages read per site this run (default: the site's discover.max_pages)", (v) =>
      positiveInt('--max-pages', v),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { site?: string; dir?: string; maxPages?: number; json?: boolean }) => {
      const e = env();
      const { sites: loaded, problems } = loadSites(path.resolve(opts.dir ?? e.crawlersDir));
      const chosen = (opts.site ? loaded.filter((s) => s.name === opts.site) : loaded).filter((s) => s.config.discover);
      if (opts.site && !chosen.length) {
        const bad = problems.filter((p) => path.basename(p.file).replace(/\.ya?ml$/, '') === opts.site);
        if (bad.length) throw new InputError(bad);
        throw new UserError(`--site: no site named "${opts.site}" with a discover: section`);
      }
      for (const p of problems) process.stderr.write(`mapwatch: skipped: ${formatProblem(p)}\n`);
      if (!chosen.length) throw new UserError('no site config has a discover: section');
      const { openApp } = await import('../../app/open-app.js');
      const { discoverSites } = await import('../../discover/discover-sites.js');
      const app = await openApp({ config: e, browser: false, notify: false });
      let result;
      try {
        result = await discoverSites(app.ctx, chosen, opts.maxPages ? { maxPages: opts.maxPages } : {});
      } finally {
        await app.close();
      }
      for (const p of result.skipped) process.stderr.write(`mapwatch: skipped: ${formatProblem(p)}\n`);
      if (opts.json) {
        console.log(json(result));
        return;
      }
      console.log(
        table(
          [
            'site',
            'found',
            'new',
            'read',
            'matched',
            'review',
            'unmatched',
            'failed',
            'moved',
            'gone',
            'pending',
            'req/s (limit)',
          ],
          result.runs.map((r) => [
            r.site,
            String(r.found),
            String(r.newUrls),
            String(r.pagesRead),
            String(r.matched),
            String(r.review),
            String(r.unmatched),
            String(r.failed),
            String(r.moved),
            String(r.gone),
            String(r.pendingLeft),
            `${r.rate.requestsPerSecond} (${r.rate.limitPerSecond})`,
          ]),
        ),
      );
      for (const r of result.runs)
        for (const p of r.sourceProblems) process.stderr.write(`mapwatch: ${r.site}: ${safeText(p, 300)}\n`);
    });

  const listings = program.command('listings').description('listings found by discovery');
  listings
    .command('review [action] [id]')
    .description('matches waiting for review: list (default), approve ID [--sku SKU], reject ID')
    .option('--site <name>', 'only this site (list)')
    .option('--sku <sku>', 'approve as this product instead of the suggested one')
    .option('--by <name>', 'who decides (recorded)', os.userInfo().username)
    .addOption(new Option('--role <role>', 'the role you act in (recorded)').choices(ROLES).default('ops'))
    .option('--json', 'print as JSON')
    .action(
      async (
        action: string | undefined,
        id: string | undefined,
        opts: { site?: string; sku?: string; by: string; role: Role; json?: boolean },
      ) => {
        const act = action ?? 'list';
        if (!['list', 'approve', 'reject'].includes(act))
          throw new UserError(`listings review: unknown action "${act}" (list, approve or reject)`);
        if (act === 'list') {
          const { listReviewItems } = await import('../../queries/list-discovered.js');
          const items = await withDb(env(), ({ db }) => listReviewItems(db, opts.site ? { site: opts.site } : {}));
          if (opts.json) return console.log(json(items));
          if (!items.length) return console.log('Nothing waits for review.');
          console.log(
            table(
              ['id', 'site', 'page', 'suggested', 'how', 'confidence', 'why not automatic', 'url'],
              items.map((i) => [
                String(i.id),
                safeText(i.site, 20),
                safeText(i.pageName ?? '', 40),
                safeText(i.sku ?? '-', 20),
                i.method ?? '-',
                i.confidence === null ? '-' : i.confidence.toFixed(2),
                safeText(i.reason ?? '', 60),
                safeText(i.url, 60),
              ]),
            ),
          );
          return;
        }
        const pageId = id === undefined ? NaN : Number(id);
        if (!Number.isInteger(pageId) || pageId < 1)
          throw new UserError(`listings review ${act}: give the id of a page from \`mapwatch listings review\``);
        const { reviewMatch } = await import('../../discover/review-match.js');
        const r = await withDb(env(), ({ db }) =>
          reviewMatch(db, {
            pageId,
            decision: act as 'approve' | 'reject',
            actor: { who: opts.by, role: opts.role },
            ...(opts.sku ? { sku: opts.sku } : {}),
          }),
        );
        if (opts.json) return console.log(json(r));
        console.log(
          r.state === 'matched'
            ? `Approved: page ${r.pageId} is listing ${r.listingId} (${r.sku}).`
            : `Rejected page ${r.pageId}.`,
        );
      },
    );
}
