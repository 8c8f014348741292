/** `mapwatch migrate` and `mapwatch import …`. */
import type { Command } from 'commander';
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
      .description(`import ${kind.replace('-', ' ')} from a CSV file`)
      .action(async (file: string) => {
        await withDb(env(), async ({ db }) => {
          const { rows } = await run(db, file);
          console.log(`Imported ${rows} ${kind.replace('-', ' ')} row(s) from ${file}.`);
        });
      });
  }
}
