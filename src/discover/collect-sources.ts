/**
 * The candidate product URLs of one site, from the sources its `discover:` section names.
 * Every request goes through the same fetcher as a price read (address guard, robots.txt,
 * the domain gate at the site's rate limit); only pages on the site's own domain, and
 * matching `url_pattern`, are candidates. A source that fails is reported and the others
 * go on; `complete` says whether every source was read (only then may a page missing from
 * them be re-read as possibly gone).
 */
import type { DiscoverConfig, SiteConfig } from '../config/site-config.schema.js';
import type { FetchResult } from '../fetch/fetch-page.js';
import type { CatalogProduct } from './match-product.js';
import {
  type FoundUrl,
  parseCsvFeed,
  parseGoogleFeed,
  parseShopifyProducts,
  parseSitemap,
  robotsSitemaps,
  searchResultLinks,
} from './parse-sources.js';

/** A sitemap index may nest; three levels and 1,000 documents are far beyond any real site. */
const MAX_SITEMAP_DEPTH = 3;
const MAX_SITEMAP_DOCS = 1000;
/** Shopify pages of 250 products: 200 pages is 50,000 products. */
const MAX_SHOPIFY_PAGES = 200;

export interface SourceReport {
  urls: FoundUrl[];
  /** Requests made (each one waited for the site's gate). */
  requests: number;
  problems: string[];
  complete: boolean;
}

export interface CollectOptions {
  site: Pick<SiteConfig, 'domain'>;
  discover: DiscoverConfig;
  origin: string;
  fetch: (url: string, document: 'html' | 'data') => Promise<FetchResult>;
  /** Catalog products to search for (search source only). */
  products: readonly CatalogProduct[];
  /** At most this many search requests (they count against the run's page budget). */
  searchBudget: number;
}

export function onSiteDomain(url: string, domain: string): boolean {
  const host = new URL(url).host.toLowerCase();
  const d = domain.toLowerCase();
  return host === d || host.endsWith('.' + d);
}

export async function collectSources(o: CollectOptions): Promise<SourceReport> {
  const r: SourceReport = { urls: [], requests: 0, problems: [], complete: true };
  const seen = new Set<string>();
  const pattern = o.discover.url_pattern ? new RegExp(o.discover.url_pattern) : null;
  const add = (url: string, source: string) => {
    if (seen.has(url) || !onSiteDomain(url, o.site.domain) || (pattern && !pattern.test(url))) return;
    seen.add(url);
    r.urls.push({ url, source });
  };
  const get = async (url: string, document: 'html' | 'data'): Promise<FetchResult | null> => {
    r.requests++;
    const res = await o.fetch(url, document);
    if (res.status === 'ok' && res.body !== undefined) return res;
    r.problems.push(`${url}: ${res.reason ?? res.status}`);
    r.complete = false;
    return null;
  };

  // Sitemaps: the ones named, else robots.txt's Sitemap: lines and /sitemap.xml.
  let roots = o.discover.sitemaps;
  if (!roots) {
    roots = [];
    const robots = await o.fetch(`${o.origin}/robots.txt`, 'data');
    r.requests++;
    if (robots.status === 'ok' && robots.body) roots.push(...robotsSitemaps(robots.body, o.origin));
    const fallback = `${o.origin}/sitemap.xml`;
    if (!roots.includes(fallback)) roots.push(fallback);
  }
  const sitemapSeen = new Set<string>();
  const walk = async (url: string, depth: number): Promise<void> => {
    if (sitemapSeen.has(url) || sitemapSeen.size >= MAX_SITEMAP_DOCS || depth > MAX_SITEMAP_DEPTH) return;
    sitemapSeen.add(url);
    const res = await get(url, 'data');
    if (!res) return;
    const doc = parseSitemap(res.body!, res.finalUrl);
    for (const u of doc.urls) add(u, 'sitemap');
    for (const child of doc.sitemaps) await walk(child, depth + 1);
  };
  for (const root of roots) await walk(root, 0);
  // An implied /sitemap.xml that does not exist is not a failed source.
  if (!o.discover.sitemaps && r.problems.length === 1 && /\/sitemap\.xml: .*http_404/.test(r.problems[0]!)) {
    r.problems = [];
    r.complete = true;
  }

  if (o.discover.shopify) {
    for (let page = 1; page <= MAX_SHOPIFY_PAGES; page++) {
      const res = await get(`${o.origin}/products.json?limit=250&page=${page}`, 'data');
      if (!res) break;
      try {
        const urls = parseShopifyProducts(res.body!, o.origin);
        if (!urls.length) break;
        for (const u of urls) add(u, 'shopify');
      } catch (err) {
        r.problems.push(`${res.finalUrl}: ${(err as Error).message}`);
        r.complete = false;
        break;
      }
    }
  }

  for (const feed of o.discover.feeds) {
    const res = await get(feed.url, 'data');
    if (!res) continue;
    try {
      const urls =
        feed.format === 'csv' ? parseCsvFeed(res.body!, res.finalUrl) : parseGoogleFeed(res.body!, res.finalUrl);
      for (const u of urls) add(u, 'feed');
    } catch (err) {
      r.problems.push(`${feed.url}: ${(err as Error).message}`);
      r.complete = false;
    }
  }

  if (o.discover.search) {
    let budget = o.searchBudget;
    for (const p of o.products) {
      const url = searchUrl(o.discover.search, o.origin, p);
      if (!url) continue;
      if (budget-- <= 0) {
        r.problems.push('search: the run’s page budget ran out before every product was searched');
        r.complete = false;
        break;
      }
      const res = await get(url, 'html');
      if (res) for (const u of searchResultLinks(res.body!, res.finalUrl)) add(u, 'search');
    }
  }
  return r;
}

/** The search URL for one product, or null when the product lacks the field the template needs. */
export function searchUrl(
  template: string,
  origin: string,
  p: Pick<CatalogProduct, 'gtin' | 'mpn' | 'name'>,
): string | null {
  const values: Record<string, string | null> = { gtin: p.gtin, mpn: p.mpn, name: p.name };
  let missing = false;
  const filled = template.replace(/\{(gtin|mpn|name)\}/g, (_, k: string) => {
    const v = values[k];
    if (!v) missing = true;
    return encodeURIComponent(v ?? '');
  });
  return missing ? null : new URL(filled, origin).href;
}
