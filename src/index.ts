/**
 * mapwatch as a library. The CLI, workers and demo are built on these same pieces.
 */
export type { Availability, ExtractResult, ObservationStatus, Offer, OfferSource, ParsedPrice } from './types.js';
export { parsePrice } from './normalize/parse-price.js';
export { extractOffers } from './extract/extract-offers.js';
export { compareToMap } from './compare/compare-to-map.js';
export type { Verdict, RuleApplied } from './compare/compare-to-map.js';
export { currencyExponent, fromMinorUnits, isCurrencyCode, toMinorUnits } from './normalize/currency.js';
export { siteConfigSchema } from './config/site-config.schema.js';
export type { SiteConfig } from './config/site-config.schema.js';
export { loadSites, loadSiteFile } from './config/load-sites.js';
export { fetchPage } from './fetch/fetch-page.js';
export { openDatabase } from './db/connect.js';
export { migrateToLatest } from './db/migrate.js';
export { UserError, InputError } from './errors.js';
