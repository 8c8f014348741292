/** `mapwatch sites learn SITE [--write]`: the site's learned price locator, written as `selectors.price` on request. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadSites } from '../../config/load-sites.js';
import { writePriceSelector } from '../../config/write-price-selector.js';
import { InputError, UserError } from '../../errors.js';
import { MIN_LISTINGS } from '../../learn/price-locators.js';
import { showPriceLocator } from '../../queries/price-locator.js';
import { json } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';

const iso = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : 'never');

export function registerLearnCommands(program: Command, env: EnvLoader): void {
  const sites = program.commands.find((c) => c.name() === 'sites') ?? program.command('sites');
  sites
    .command('learn')
    .argument('<site>', 'site name (its config file name)')
    .description("show the price locator learned from the site's good reads; --write puts it in the config")
    .option('--write', 'write the locator into the site config as selectors.price')
    .option('--dir <dir>', 'folder of site configs (default: $MAPWATCH_CRAWLERS_DIR or ./crawlers)')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { write?: boolean; dir?: string; json?: boolean }) => {
      const e = env();
      const view = await withDb(e, ({ db }) => showPriceLocator(db, name));
      const l = view.locator;
      if (!l)
        throw new UserError(
          `site "${view.site}": nothing learned yet (${view.sampledListings} listing(s) sampled; a locator needs good reads of ${MIN_LISTINGS} listings whose pages share one price selector)`,
        );
      let written: string | undefined;
      if (opts.write) {
        const { sites: loaded, problems } = loadSites(path.resolve(opts.dir ?? e.crawlersDir));
        const site = loaded.find((s) => s.name === view.site);
        if (!site) {
          const bad = problems.filter((p) => path.basename(p.file).replace(/\.ya?ml$/, '') === view.site);
          if (bad.length) throw new InputError(bad);
          throw new UserError(`site "${view.site}": no config file for it in ${opts.dir ?? e.crawlersDir}`);
        }
        writePriceSelector({ file: site.file, selector: l.selector });
        written = site.file;
      }
      if (opts.json) return console.log(json({ ...view, ...(written ? { written } : {}) }));
      console.log(`site            ${view.site}`);
      console.log(`price locator   ${l.selector}`);
      console.log(`verified on     ${l.verifiedListings} listing(s)`);
      console.log(`learned         ${iso(l.learnedAt)}`);
      console.log(`last matched    ${iso(l.lastMatchedAt)}`);
      if (l.misses)
        console.log(`not matching    ${l.misses} read(s) in a row${l.lastMissReason ? `: ${l.lastMissReason}` : ''}`);
      if (written) console.log(`Wrote selectors.price to ${written} (config validated).`);
      else console.log('Run with --write to put it in the site config as selectors.price.');
    });
}
