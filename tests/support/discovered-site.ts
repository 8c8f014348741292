/**
 * A discovery site for tests that need discovered pages in a database: the storefront's
 * catalog and reseller imported, and a site config that reads the storefront's sitemap
 * index, products.json and one more sitemap (`/extra-sitemap.xml`) the test serves itself,
 * so it can add pages of its own between runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { importProducts } from '../../src/catalog/import-products.js';
import { importResellers } from '../../src/catalog/import-resellers.js';
import { loadSiteFile, type LoadedSite } from '../../src/config/load-sites.js';
import { syncSites } from '../../src/config/sync-sites.js';
import type { Database } from '../../src/db/tables.js';
import { runDiscovery, type DiscoverySummary } from '../../src/discover/run-discovery.js';
import { type DiscoveryStore, productsCsv } from './discovery-store.js';
import { tmpDir } from './tmp.js';

export interface DiscoveredSite {
  site: LoadedSite;
  siteId: number;
  /** One discovery run over every page the storefront lists. */
  run(): Promise<DiscoverySummary>;
}

export async function setUpDiscoveredSite(db: Kysely<Database>, store: DiscoveryStore): Promise<DiscoveredSite> {
  const o = store.server.origin;
  const dir = tmpDir({ 'products.csv': productsCsv(), 'resellers.csv': 'name\nTest Shop\n' });
  await importProducts(db, path.join(dir, 'products.csv'));
  await importResellers(db, path.join(dir, 'resellers.csv'));
  fs.writeFileSync(
    path.join(dir, 'shop.yaml'),
    `reseller: Test Shop
domain: "${store.server.host}"
currency: USD
rate_limit: { concurrency: 2, delay_ms: 5 }
discover:
  base_url: "${o}"
  sitemaps: ["${o}/sitemap_index.xml", "${o}/extra-sitemap.xml"]
  shopify: true
  url_pattern: "/(p|products|item)/"
  max_pages: 500
`,
  );
  const site = loadSiteFile(path.join(dir, 'shop.yaml')).site!;
  const siteId = (await syncSites(db, [site]))[0]!.id;
  return {
    site,
    siteId,
    run: () => runDiscovery({ db, fetchOptions: { allowPrivate: ['127.0.0.1'] } }, { siteId, site }),
  };
}
