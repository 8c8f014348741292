/**
 * The documents discovery reads before any product page: sitemaps and sitemap indexes,
 * robots.txt `Sitemap:` lines, Shopify's /products.json, and product feeds (Google
 * Merchant XML, or CSV). Each gives URLs, some with the product's identity as the feed
 * states it (kept as a hint: the page itself is still read and matched).
 */
import * as cheerio from 'cheerio';
import { parse as parseCsv } from 'csv-parse/sync';

export interface FoundUrl {
  url: string;
  source: string;
}

export interface SitemapDoc {
  /** Child sitemaps of a sitemap index. */
  sitemaps: string[];
  urls: string[];
}

/** Absolute http(s) URLs only; anything else in a document is ignored. */
function absolute(raw: string | undefined, base: string): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw.trim(), base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    u.hash = '';
    return u.href;
  } catch {
    return null;
  }
}

export function parseSitemap(xml: string, base: string): SitemapDoc {
  const $ = cheerio.load(xml, { xml: true });
  const pick = (sel: string) =>
    $(sel)
      .toArray()
      .map((el) => absolute($(el).text(), base))
      .filter((u): u is string => u !== null);
  return { sitemaps: pick('sitemapindex > sitemap > loc'), urls: pick('urlset > url > loc') };
}

export function robotsSitemaps(robotsTxt: string, base: string): string[] {
  return robotsTxt
    .split(/\r?\n/)
    .map((l) => /^\s*sitemap\s*:\s*(\S+)/i.exec(l)?.[1])
    .map((u) => absolute(u, base))
    .filter((u): u is string => u !== null);
}

/** Shopify's /products.json page: each product's page is /products/<handle>. */
export function parseShopifyProducts(json: string, origin: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new Error('products.json is not JSON');
  }
  const products = (data as { products?: unknown }).products;
  if (!Array.isArray(products)) throw new Error('products.json has no "products" array');
  return products
    .map((p) => (p as { handle?: unknown }).handle)
    .filter((h): h is string => typeof h === 'string' && /^[\w.-]+$/.test(h))
    .map((h) => `${origin}/products/${h}`);
}

/** Google Merchant feed: RSS <item> or Atom <entry>, with g:link (or link). */
export function parseGoogleFeed(xml: string, base: string): string[] {
  const $ = cheerio.load(xml, { xml: true });
  return $('item, entry')
    .toArray()
    .map((el) => {
      const e = $(el);
      const g =
        e.find('g\\:link').first().text() || e.children('link').first().text() || e.children('link').attr('href');
      return absolute(g, base);
    })
    .filter((u): u is string => u !== null);
}

/** CSV feed: a `link` (or `url`) column, as Google Merchant's tab/comma exports have. */
export function parseCsvFeed(text: string, base: string): string[] {
  const delimiter = (text.split('\n', 1)[0] ?? '').includes('\t') ? '\t' : ',';
  const rows = parseCsv(text, {
    columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  if (rows.length && !('link' in rows[0]!) && !('url' in rows[0]!))
    throw new Error('feed CSV has no "link" or "url" column');
  return rows.map((r) => absolute(r['link'] ?? r['url'], base)).filter((u): u is string => u !== null);
}

/** Product links on a search result page (same host, not the search page itself). */
export function searchResultLinks(html: string, pageUrl: string): string[] {
  const $ = cheerio.load(html);
  const here = new URL(pageUrl);
  const out = new Set<string>();
  $('a[href]').each((_, el) => {
    const u = absolute($(el).attr('href'), pageUrl);
    if (!u) return;
    const url = new URL(u);
    if (url.host !== here.host || url.pathname === here.pathname || url.pathname === '/') return;
    out.add(u);
  });
  return [...out];
}
