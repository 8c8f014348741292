/** `mapwatch migrate` and `mapwatch import …`. */
import type { Command } from 'commander';
import { importAuthorizedSellers } from '../../catalog/import-authorized-sellers.js';
import { importBrandPrefixes } from '../../catalog/import-brand-prefixes.js';
import { importSellerGroups } from '../../catalog/import-seller-groups.js';
import { importMapPrices } from '../../catalog/import-map-prices.js';
import { importProducts } from '../../catalog/import-products.js';
import { importPromos } from '../../catalog/import-promos.js';
import { importResellers } from '../../catalog/import-resellers.js';
import { describeDb } from '../../app/open-app-db.js';
import { type EnvLoader, withDb } from '../with-db.js';

const IMPORTERS = {
  products: importProducts,
  'map-prices': importMapPrices,
  resellers: importResellers,
  promos: importPromos,
  'authorized-sellers': importAuthorizedSellers,
  'seller-groups': importSellerGroups,
  'brand-prefixes': importBrandPrefixes,
} as const;

export function registerCatalogCommands(program: Command, env: EnvLoader): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      const e = env();
      await withDb(e, async ({ applied }) => {
        console.log(
          applied.length
            ? `Applied ${applied.length} migration(s) to ${describeDb(e)}: ${applied.join(', ')}`
            : `${describeDb(e)} is up to date.`,
        );
      });
    });

  const imp = program
    .command('import')
    .description('load catalog data from CSV (all or nothing; see README for columns)');
  for (const [kind, run] of Object.entries(IMPORTERS)) {
    imp
      .command(`${kind} <file>`)
      .description(`import ${kind.replaceAll('-', ' ')} from a CSV file`)
      .option(
        '--encoding <name>',
        "the file's character encoding when it is not UTF-8, e.g. windows-1252, latin1 or utf-16le",
      )
      .action(async (file: string, opts: { encoding?: string }) => {
        await withDb(env(), async ({ db }) => {
          const { rows } = await run(db, file, { encoding: opts.encoding });
          console.log(`Imported ${rows} ${kind.replaceAll('-', ' ')} row(s) from ${file}.`);
        });
      });
  }
}
